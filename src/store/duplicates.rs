//! The rows that index tickets' text for near-duplicate lookups, and the two reads a lookup makes:
//! the band rows holding some band keys inside a time window, and the stored signatures of tickets.
//! Choosing and ranking the candidates is the service's business, not the store's.
//!
//! A band-row read is one bounded seek per band key in the table's primary key (band key, created
//! at, ticket id), which holds every column read: the newest rows of the key inside the window, at
//! most a fixed number. So its cost follows the number of keys, never the number of tickets stored
//! or of copies of one text: a flood of reports of one incident costs each new report what the first
//! one cost.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, Value};

use super::{
    connect::Store,
    entities::{ticket_band, ticket_fingerprint},
    error::StoreError,
    rows::{fingerprint_rows, from_micros, insert_chunked, micros},
};
use crate::{
    domain::Ticket,
    triage::similarity::{Fingerprint, band_keys, signature_from_bytes},
};

/// Values bound in one statement (band keys, ticket ids): far below the limits of SQLite (32,766)
/// and PostgreSQL (65,535).
const VALUES_PER_QUERY: usize = 500;

/// One band row: a ticket whose text has this band key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandRow {
    /// The band key.
    pub band_key: i64,
    /// The ticket.
    pub ticket_id: String,
    /// When the ticket was created.
    pub created_at: DateTime<Utc>,
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
    insert_chunked(conn, rows).await?;
    insert_chunked(conn, bands.into_iter().flatten().collect::<Vec<ticket_band::ActiveModel>>()).await
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

/// Indexes a ticket's changed text anew (its `fingerprint`), if its old text was indexed.
pub(super) async fn refresh_fingerprint(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    fingerprint: &Fingerprint,
) -> Result<(), StoreError> {
    if delete_fingerprint(conn, ticket.ticket_id.as_str()).await? {
        insert_fingerprints(conn, [(ticket, fingerprint)]).await?;
    }
    Ok(())
}

/// Keys one band-row read takes: a lone ticket's 16, or 64 of a batch's (a statement of 64 bounded
/// subqueries); a short chunk is padded with its last key, so only two statement texts exist and
/// both stay prepared.
const KEYS_PER_READ: [usize; 2] = [64, 16];

/// The newest `per_key` band rows of each of `keys` (exactly one of the [`KEYS_PER_READ`] sizes),
/// created in [after, before]: one statement of one subquery per key, each a seek to the key's
/// newest row in the primary key (band key, created at, ticket id) that stops after `per_key` rows.
/// The limit is written into the text (it is the same for every read of a server), so no bound
/// value decides the plan.
fn band_read(backend: DbBackend, keys: &[i64], after: i64, before: i64, per_key: u64) -> Statement {
    let param = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    let subqueries: Vec<String> = (0..keys.len())
        .map(|i| {
            format!(
                "SELECT * FROM (SELECT band_key, ticket_id, created_at FROM ticket_bands WHERE band_key = {} \
                 AND created_at BETWEEN {} AND {} ORDER BY created_at DESC LIMIT {per_key}) AS k{i}",
                param(i + 3),
                param(1),
                param(2)
            )
        })
        .collect();
    let values = [after, before].into_iter().chain(keys.iter().copied()).map(Value::from);
    Statement::from_sql_and_values(backend, subqueries.join(" UNION ALL "), values)
}

/// `keys` cut into reads of the [`KEYS_PER_READ`] sizes, the last padded with its last key.
fn read_chunks(keys: &[i64]) -> Vec<Vec<i64>> {
    let [large, small] = KEYS_PER_READ;
    let mut chunks = Vec::new();
    let mut rest = keys;
    while !rest.is_empty() {
        let size = if rest.len() >= large { large } else { small };
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        let mut chunk = chunk.to_vec();
        let last = chunk[chunk.len() - 1];
        chunk.resize(size, last);
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

/// Ticket-id lists are padded to the next of these sizes (repeating the last id), so few statement
/// texts exist.
const IDS_PER_READ: [usize; 5] = [8, 32, 128, 256, VALUES_PER_QUERY];

/// `ids` cut into lists of the [`IDS_PER_READ`] sizes, each padded with its last id.
fn id_chunks<'a>(ids: &[&'a str]) -> Vec<Vec<&'a str>> {
    ids.chunks(VALUES_PER_QUERY)
        .map(|chunk| {
            let size = IDS_PER_READ.into_iter().find(|&n| n >= chunk.len()).unwrap_or(VALUES_PER_QUERY);
            let mut chunk = chunk.to_vec();
            let last = chunk[chunk.len() - 1];
            chunk.resize(size, last);
            chunk
        })
        .collect()
}

impl Store {
    /// The newest `per_key` band rows of each of `keys`, of tickets created in `[after, before]`:
    /// each key costs one bounded seek, however many tickets share it (a flood of copies of one
    /// report reads `per_key` rows a key, not every copy). Each (key, ticket) once.
    pub async fn band_rows(
        &self,
        keys: &[i64],
        after: DateTime<Utc>,
        before: DateTime<Utc>,
        per_key: u64,
    ) -> Result<Vec<BandRow>, StoreError> {
        let (after, before) = (micros(after), micros(before));
        let mut unique: Vec<i64> = keys.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let backend = self.db.get_database_backend();
        let mut rows = Vec::new();
        for chunk in read_chunks(&unique) {
            let read = band_read(backend, &chunk, after, before, per_key.max(1));
            let mut seen = HashSet::new();
            for row in self.db.query_all_raw(read).await? {
                let band_key: i64 = row.try_get_by_index(0)?;
                let ticket_id: String = row.try_get_by_index(1)?;
                let created_at: i64 = row.try_get_by_index(2)?;
                // A padded key answers twice.
                if seen.insert((band_key, ticket_id.clone())) {
                    rows.push(BandRow { band_key, ticket_id, created_at: from_micros(created_at)? });
                }
            }
        }
        Ok(rows)
    }

    /// The stored text signatures of `ids` (tickets without one are left out); an unreadable one is
    /// logged and left out.
    pub async fn signatures(&self, ids: &[&str]) -> Result<HashMap<String, Vec<u32>>, StoreError> {
        let mut signatures = HashMap::with_capacity(ids.len());
        for chunk in id_chunks(ids) {
            let rows = ticket_fingerprint::Entity::find()
                .filter(ticket_fingerprint::Column::TicketId.is_in(chunk))
                .all(&self.db)
                .await?;
            for row in rows {
                if signatures.contains_key(&row.ticket_id) {
                    continue; // a padded id
                }
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

#[cfg(test)]
mod tests;
