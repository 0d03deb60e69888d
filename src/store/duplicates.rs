//! Near-duplicate lookup: the fingerprint rows stored with a ticket, and the indexed search for the
//! tickets whose text looks like a new one's.
//!
//! A lookup reads the `ticket_bands` rows holding a band key of the new text inside the time window
//! (`band_key IN (...) AND created_at BETWEEN ...`): one seek per key in the table's primary key (band
//! key, created at, ticket id), which holds every column read, so its cost follows the number of keys
//! and matching rows, not the number of tickets stored. When a flood of reports of one incident makes
//! keys common, the keys are read one by one instead, the newest [`ROWS_PER_KEY`] rows each, so a
//! lookup stays bounded. The tickets sharing the most keys become candidates, and their stored
//! signatures are compared with the new one.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

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
        similarity::{Fingerprint, band_keys, fingerprint, signature_from_bytes, similarity},
    },
};

/// Most tickets whose signatures one lookup compares: those sharing the most band keys with the new
/// text. A ticket at 0.8 similarity shares about 6.5 of 16 keys, an unrelated one seldom any.
pub const MAX_CANDIDATES: usize = 200;
/// Most rows read per band key once keys are read one by one: the newest in the window.
pub const ROWS_PER_KEY: u64 = MAX_CANDIDATES as u64;
/// Rows per key, on average, that one read of many keys returns before the keys are read one by one:
/// about where a statement per key starts to cost less than reading every row.
const ROWS_PER_KEY_TOGETHER: u64 = 32;
/// Values bound in one statement (band keys, ticket ids): far below the limits of SQLite (32,766)
/// and PostgreSQL (65,535).
const VALUES_PER_QUERY: usize = 500;
/// Band rows per insert statement (three values each).
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

/// Deletes a ticket's fingerprint and its band rows, found by the keys its stored signature gives;
/// returns whether it had one.
pub(super) async fn delete_fingerprint(conn: &impl ConnectionTrait, ticket_id: &str) -> Result<bool, StoreError> {
    let Some(row) = ticket_fingerprint::Entity::find_by_id(ticket_id).one(conn).await? else { return Ok(false) };
    let keys = signature_from_bytes(&row.signature).map(|s| band_keys(&s)).unwrap_or_default();
    ticket_band::Entity::delete_many()
        .filter(ticket_band::Column::BandKey.is_in(keys))
        .filter(ticket_band::Column::TicketId.eq(ticket_id))
        .exec(conn)
        .await?;
    ticket_fingerprint::Entity::delete_by_id(ticket_id).exec(conn).await?;
    Ok(true)
}

/// Deletes the fingerprints and band rows of the tickets created before `created_before` (a purge).
/// The band rows are found by a pass over the table: purges are rare, lookups and inserts are not.
pub(super) async fn delete_fingerprints_before(
    conn: &impl ConnectionTrait,
    created_before: DateTime<Utc>,
) -> Result<(), StoreError> {
    let before = micros(created_before);
    ticket_band::Entity::delete_many().filter(ticket_band::Column::CreatedAt.lt(before)).exec(conn).await?;
    ticket_fingerprint::Entity::delete_many()
        .filter(ticket_fingerprint::Column::CreatedAt.lt(before))
        .exec(conn)
        .await?;
    Ok(())
}

/// Indexes a ticket's changed text anew, if its text was indexed.
pub(super) async fn refresh_fingerprint(conn: &impl ConnectionTrait, ticket: &Ticket) -> Result<(), StoreError> {
    if delete_fingerprint(conn, ticket.ticket_id.as_str()).await? {
        insert_fingerprints(conn, [(ticket, &fingerprint(&ticket.title, &ticket.description))]).await?;
    }
    Ok(())
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

/// The newest [`ROWS_PER_KEY`] band rows holding `key`, created in [after, before].
fn newest_band_rows(key: i64, after: i64, before: i64) -> Select<ticket_band::Entity> {
    band_rows(&[key], after, before).order_by_desc(ticket_band::Column::CreatedAt).limit(ROWS_PER_KEY)
}

/// The band rows of `keys` in [after, before]: all of them, or, when there are more than
/// [`ROWS_PER_KEY_TOGETHER`] a key on average, the newest [`ROWS_PER_KEY`] of each key.
async fn read_band_rows(
    conn: &impl ConnectionTrait,
    keys: &[i64],
    after: i64,
    before: i64,
) -> Result<Vec<(i64, String, i64)>, StoreError> {
    let budget = keys.len() as u64 * ROWS_PER_KEY_TOGETHER;
    let rows = band_rows(keys, after, before).limit(budget + 1).into_tuple().all(conn).await?;
    if rows.len() as u64 <= budget {
        return Ok(rows);
    }
    let mut rows = Vec::new();
    for &key in keys {
        rows.extend(newest_band_rows(key, after, before).into_tuple::<(i64, String, i64)>().all(conn).await?);
    }
    Ok(rows)
}

impl Store {
    /// The stored tickets whose text looks like the query's: within its window, at least its
    /// similarity, most similar first (then by ticket id), at most its limit.
    pub async fn find_similar(&self, query: &SimilarQuery<'_>) -> Result<Vec<SimilarTicket>, StoreError> {
        Ok(self.find_similar_many(std::slice::from_ref(query)).await?.pop().unwrap_or_default())
    }

    /// [`find_similar`](Self::find_similar) for many queries at once: the band keys of all of them are
    /// read together (each key once), then the candidates' signatures. Answers are in query order.
    pub async fn find_similar_many(&self, queries: &[SimilarQuery<'_>]) -> Result<Vec<Vec<SimilarTicket>>, StoreError> {
        let mut asking: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, q) in queries.iter().enumerate() {
            for &key in &q.fingerprint.bands {
                asking.entry(key).or_default().push(i);
            }
        }
        let windows: Vec<(i64, i64)> =
            queries.iter().map(|q| (micros(q.created_after), micros(q.created_before))).collect();
        let mut answers = vec![Vec::new(); queries.len()];
        let asked = asking.values().flatten().map(|&i| windows[i]);
        let (Some(after), Some(before)) = (asked.clone().map(|w| w.0).min(), asked.map(|w| w.1).max()) else {
            return Ok(answers);
        };

        // Tickets by number, and per query how many keys each shares with it.
        let (mut tickets, mut numbers) = (Vec::<String>::new(), HashMap::<String, usize>::new());
        let mut shared: Vec<HashMap<usize, u32>> = vec![HashMap::new(); queries.len()];
        let keys: Vec<i64> = asking.keys().copied().collect();
        for chunk in keys.chunks(VALUES_PER_QUERY) {
            for (key, ticket_id, created_at) in read_band_rows(&self.db, chunk, after, before).await? {
                let number = *numbers.entry(ticket_id).or_insert_with_key(|id| {
                    tickets.push(id.clone());
                    tickets.len() - 1
                });
                for &i in asking.get(&key).into_iter().flatten() {
                    let (after, before) = windows[i];
                    if (after..=before).contains(&created_at) && queries[i].exclude != Some(&tickets[number]) {
                        *shared[i].entry(number).or_default() += 1;
                    }
                }
            }
        }
        let candidates: Vec<Vec<usize>> = shared.into_iter().map(|s| best_candidates(s, &tickets)).collect();

        let wanted: HashSet<usize> = candidates.iter().flatten().copied().collect();
        let signatures = self.signatures(wanted.into_iter().map(|n| tickets[n].as_str()).collect()).await?;
        for ((q, candidates), answer) in queries.iter().zip(candidates).zip(&mut answers) {
            *answer = candidates
                .into_iter()
                .filter_map(|number| {
                    let ticket_id = &tickets[number];
                    let similarity = similarity(&q.fingerprint.signature, signatures.get(ticket_id)?);
                    (similarity >= q.min_similarity).then(|| SimilarTicket { ticket_id: ticket_id.clone(), similarity })
                })
                .collect();
            answer.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then_with(|| a.ticket_id.cmp(&b.ticket_id)));
            answer.truncate(q.limit);
        }
        Ok(answers)
    }

    /// The stored signatures of `ids`; an unreadable one is logged and left out.
    async fn signatures(&self, ids: Vec<&str>) -> Result<HashMap<String, Vec<u32>>, StoreError> {
        let mut signatures = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(VALUES_PER_QUERY) {
            let rows = ticket_fingerprint::Entity::find()
                .filter(ticket_fingerprint::Column::TicketId.is_in(chunk.iter().copied()))
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
fn best_candidates(shared: HashMap<usize, u32>, tickets: &[String]) -> Vec<usize> {
    let mut ranked: Vec<(usize, u32)> = shared.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| tickets[a.0].cmp(&tickets[b.0])));
    ranked.into_iter().take(MAX_CANDIDATES).map(|(number, _)| number).collect()
}

#[cfg(test)]
mod tests;
