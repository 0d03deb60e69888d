//! Near-duplicate lookup: the fingerprint rows stored with a ticket, and the indexed search for the
//! tickets whose text looks like a new one's.
//!
//! A lookup reads the `ticket_bands` rows sharing a band key with the new text inside the time window
//! (`band_key IN (...) AND created_at BETWEEN ...`, answered from one covering index, so its cost
//! follows the number of matching keys, not the number of tickets), keeps the tickets sharing the
//! most keys as candidates, then compares their stored signatures with the new one.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};

use super::{
    connect::Store,
    entities::{ticket_band, ticket_fingerprint},
    error::StoreError,
    rows::{fingerprint_rows, micros},
};
use crate::{
    domain::Ticket,
    triage::{
        result::SimilarTicket,
        similarity::{Fingerprint, fingerprint, signature_from_bytes, similarity},
    },
};

/// Most tickets whose signatures one lookup compares: those sharing the most band keys with the new
/// text. A ticket at 0.8 similarity shares about 13 of 32 keys, an unrelated one seldom any.
pub const MAX_CANDIDATES: usize = 200;
/// Values bound in one statement (band keys looked up, ticket ids loaded): far below the limits of
/// SQLite (32,766) and PostgreSQL (65,535).
const VALUES_PER_QUERY: usize = 500;
/// Band rows per insert statement (four values each).
const BAND_ROWS_PER_INSERT: usize = 1_000;

/// What a lookup looks for.
#[derive(Debug, Clone, Copy)]
pub struct SimilarQuery<'a> {
    /// The new ticket's fingerprint.
    pub fingerprint: &'a Fingerprint,
    /// Earliest creation time of a ticket listed (inclusive).
    pub created_after: DateTime<Utc>,
    /// Latest creation time of a ticket listed (inclusive).
    pub created_before: DateTime<Utc>,
    /// A ticket never listed (the new ticket itself).
    pub exclude: Option<&'a str>,
    /// Lowest similarity listed.
    pub min_similarity: f64,
    /// Most tickets listed.
    pub limit: usize,
}

impl SimilarQuery<'_> {
    fn covers(&self, created_at: i64, ticket_id: &str) -> bool {
        (micros(self.created_after)..=micros(self.created_before)).contains(&created_at)
            && self.exclude != Some(ticket_id)
    }
}

/// Writes the rows that index each ticket's text (nothing for a text without words).
pub(super) async fn insert_fingerprints<'a>(
    conn: &impl ConnectionTrait,
    items: impl IntoIterator<Item = (&'a Ticket, &'a Fingerprint)>,
) -> Result<(), StoreError> {
    let (rows, bands): (Vec<_>, Vec<_>) = items.into_iter().filter_map(|(t, f)| fingerprint_rows(t, f)).unzip();
    if rows.is_empty() {
        return Ok(());
    }
    ticket_fingerprint::Entity::insert_many(rows).exec_without_returning(conn).await?;
    let bands: Vec<ticket_band::ActiveModel> = bands.into_iter().flatten().collect();
    for chunk in bands.chunks(BAND_ROWS_PER_INSERT) {
        ticket_band::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Indexes a ticket's changed text anew, if its text was indexed.
pub(super) async fn refresh_fingerprint(conn: &impl ConnectionTrait, ticket: &Ticket) -> Result<(), StoreError> {
    let id = ticket.ticket_id.as_str();
    if ticket_fingerprint::Entity::find_by_id(id).one(conn).await?.is_none() {
        return Ok(());
    }
    ticket_band::Entity::delete_many().filter(ticket_band::Column::TicketId.eq(id)).exec(conn).await?;
    ticket_fingerprint::Entity::delete_by_id(id).exec(conn).await?;
    insert_fingerprints(conn, [(ticket, &fingerprint(&ticket.title, &ticket.description))]).await
}

/// The band rows holding one of `keys`, created in [after, before]: (band key, ticket id, created at).
fn band_rows(keys: &[i64], after: i64, before: i64) -> Select<ticket_band::Entity> {
    use ticket_band::Column;
    ticket_band::Entity::find()
        .select_only()
        .columns([Column::BandKey, Column::TicketId, Column::CreatedAt])
        .filter(Column::BandKey.is_in(keys.iter().copied()))
        .filter(Column::CreatedAt.between(after, before))
}

impl Store {
    /// The stored tickets whose text looks like the query's: within its window, at least its
    /// similarity, most similar first (then by ticket id), at most its limit.
    pub async fn find_similar(&self, query: &SimilarQuery<'_>) -> Result<Vec<SimilarTicket>, StoreError> {
        Ok(self.find_similar_many(std::slice::from_ref(query)).await?.pop().unwrap_or_default())
    }

    /// [`find_similar`](Self::find_similar) for many queries at once: one indexed read of the band
    /// keys of all of them, one read of the candidates' signatures. Answers are in query order.
    pub async fn find_similar_many(&self, queries: &[SimilarQuery<'_>]) -> Result<Vec<Vec<SimilarTicket>>, StoreError> {
        let mut asking: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, q) in queries.iter().enumerate() {
            for &key in &q.fingerprint.bands {
                asking.entry(key).or_default().push(i);
            }
        }
        let mut answers = vec![Vec::new(); queries.len()];
        let asked = queries.iter().filter(|q| !q.fingerprint.is_empty());
        let (Some(after), Some(before)) =
            (asked.clone().map(|q| micros(q.created_after)).min(), asked.map(|q| micros(q.created_before)).max())
        else {
            return Ok(answers);
        };

        let mut shared: Vec<HashMap<String, u32>> = vec![HashMap::new(); queries.len()];
        let keys: Vec<i64> = asking.keys().copied().collect();
        for chunk in keys.chunks(VALUES_PER_QUERY) {
            let rows = band_rows(chunk, after, before).into_tuple::<(i64, String, i64)>().all(&self.db).await?;
            for (key, ticket_id, created_at) in rows {
                for &i in asking.get(&key).into_iter().flatten() {
                    if queries[i].covers(created_at, &ticket_id) {
                        *shared[i].entry(ticket_id.clone()).or_default() += 1;
                    }
                }
            }
        }
        let candidates: Vec<Vec<String>> = shared.into_iter().map(best_candidates).collect();

        let wanted: HashSet<&String> = candidates.iter().flatten().collect();
        let signatures = self.signatures(wanted.into_iter().cloned().collect()).await?;
        for ((q, candidates), answer) in queries.iter().zip(candidates).zip(&mut answers) {
            *answer = candidates
                .into_iter()
                .filter_map(|ticket_id| {
                    let similarity = similarity(&q.fingerprint.signature, signatures.get(&ticket_id)?);
                    (similarity >= q.min_similarity).then_some(SimilarTicket { ticket_id, similarity })
                })
                .collect();
            answer.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then_with(|| a.ticket_id.cmp(&b.ticket_id)));
            answer.truncate(q.limit);
        }
        Ok(answers)
    }

    /// The stored signatures of `ids`; an unreadable one is logged and left out.
    async fn signatures(&self, ids: Vec<String>) -> Result<HashMap<String, Vec<u32>>, StoreError> {
        let mut signatures = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(VALUES_PER_QUERY) {
            let rows = ticket_fingerprint::Entity::find()
                .filter(ticket_fingerprint::Column::TicketId.is_in(chunk.iter().map(String::as_str)))
                .all(&self.db)
                .await?;
            for row in rows {
                match signature_from_bytes(&row.signature) {
                    Some(signature) => {
                        signatures.insert(row.ticket_id, signature);
                    }
                    None => tracing::warn!(ticket_id = %row.ticket_id, "store: unreadable text fingerprint skipped"),
                }
            }
        }
        Ok(signatures)
    }
}

/// The tickets sharing the most band keys, at most [`MAX_CANDIDATES`] (ties by ticket id).
fn best_candidates(shared: HashMap<String, u32>) -> Vec<String> {
    let mut ranked: Vec<(String, u32)> = shared.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.into_iter().take(MAX_CANDIDATES).map(|(id, _)| id).collect()
}

#[cfg(test)]
mod tests;
