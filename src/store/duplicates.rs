//! The rows that index tickets' text for near-duplicate lookups, and the two reads a lookup makes:
//! the band rows holding some band keys inside a time window, and the stored signatures of tickets.
//! Choosing and ranking the candidates is the service's business, not the store's.
//!
//! A band-row read (`band_key IN (...) AND created_at BETWEEN ...`) is one seek per key in the table's
//! primary key (band key, created at, ticket id), which holds every column read, so its cost follows
//! the number of keys and matching rows, not the number of tickets stored. When a flood of reports of
//! one incident makes keys common, the keys are read one by one instead, the newest [`ROWS_PER_KEY`]
//! rows each, so a read stays bounded.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use super::{
    connect::Store,
    entities::{ticket_band, ticket_fingerprint},
    error::StoreError,
    rows::{fingerprint_rows, from_micros, micros},
};
use crate::{
    domain::Ticket,
    triage::similarity::{Fingerprint, band_keys, signature_from_bytes},
};

/// Most rows read per band key once keys are read one by one: the newest in the window.
pub const ROWS_PER_KEY: u64 = 200;
/// Rows per key, on average, that one read of many keys returns before the keys are read one by one:
/// about where a statement per key starts to cost less than reading every row.
const ROWS_PER_KEY_TOGETHER: u64 = 32;
/// Values bound in one statement (band keys, ticket ids): far below the limits of SQLite (32,766)
/// and PostgreSQL (65,535).
const VALUES_PER_QUERY: usize = 500;
/// Band rows per insert statement (three values each).
const BAND_ROWS_PER_INSERT: usize = 1_000;

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

/// The band rows holding one of `keys`, created in [after, before]: (band key, ticket id, created at).
fn band_query(keys: &[i64], after: i64, before: i64) -> Select<ticket_band::Entity> {
    use ticket_band::Column;
    ticket_band::Entity::find()
        .select_only()
        .columns([Column::BandKey, Column::TicketId, Column::CreatedAt])
        .filter(Column::BandKey.is_in(keys.iter().copied()))
        .filter(Column::CreatedAt.between(after, before))
}

/// The newest [`ROWS_PER_KEY`] band rows holding `key`, created in [after, before].
fn newest_band_query(key: i64, after: i64, before: i64) -> Select<ticket_band::Entity> {
    band_query(&[key], after, before).order_by_desc(ticket_band::Column::CreatedAt).limit(ROWS_PER_KEY)
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
    let rows = band_query(keys, after, before).limit(budget + 1).into_tuple().all(conn).await?;
    if rows.len() as u64 <= budget {
        return Ok(rows);
    }
    let mut rows = Vec::new();
    for &key in keys {
        rows.extend(newest_band_query(key, after, before).into_tuple::<(i64, String, i64)>().all(conn).await?);
    }
    Ok(rows)
}

impl Store {
    /// The band rows holding one of `keys`, of tickets created in `[after, before]`: every one, or,
    /// for keys so common that there are more than [`ROWS_PER_KEY_TOGETHER`] a key on average, the
    /// newest [`ROWS_PER_KEY`] of each key.
    pub async fn band_rows(
        &self,
        keys: &[i64],
        after: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> Result<Vec<BandRow>, StoreError> {
        let (after, before) = (micros(after), micros(before));
        let mut rows = Vec::new();
        for chunk in keys.chunks(VALUES_PER_QUERY) {
            for (band_key, ticket_id, created_at) in read_band_rows(&self.db, chunk, after, before).await? {
                rows.push(BandRow { band_key, ticket_id, created_at: from_micros(created_at)? });
            }
        }
        Ok(rows)
    }

    /// The stored text signatures of `ids` (tickets without one are left out); an unreadable one is
    /// logged and left out.
    pub async fn signatures(&self, ids: &[&str]) -> Result<HashMap<String, Vec<u32>>, StoreError> {
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

#[cfg(test)]
mod tests;
