//! Conversions between table rows and domain values; times are stored as microseconds since the epoch.

use std::collections::BTreeMap;

use chrono::{DateTime, Timelike, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ConnectionTrait, EntityTrait,
};

use super::{
    entities::{audit_entry, ticket, ticket_band, ticket_fingerprint, triage_result},
    error::StoreError,
    sealing::Sealing,
};
use crate::{
    domain::{AuditEntry, AuditRecord, Ticket, TicketId},
    triage::{
        TriageResult,
        similarity::{Fingerprint, signature_to_bytes},
    },
};

/// Microseconds since the epoch.
pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The time `micros` microseconds after the epoch.
pub(super) fn from_micros(micros: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::internal(format!("stored time {micros} is out of range")))
}

/// `at` without its sub-microsecond part, exactly as it reads back from the database.
pub(super) fn to_stored_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_nanosecond(at.nanosecond() / 1_000 * 1_000).unwrap_or(at)
}

/// The ticket with its times cut to the stored precision.
pub(super) fn stored_ticket(ticket: &Ticket) -> Ticket {
    let mut ticket = ticket.clone();
    ticket.created_at = to_stored_precision(ticket.created_at);
    ticket.updated_at = to_stored_precision(ticket.updated_at);
    ticket
}

fn corrupt(what: &str, key: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::internal(format!("stored {what} {key} is unreadable: {err}"))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::internal(format!("cannot encode a value as JSON: {e}")))
}

/// The row for `ticket`, every column set, its protected fields as `sealing` stores them.
pub(super) fn ticket_row(t: &Ticket, sealing: &Sealing) -> Result<ticket::ActiveModel, StoreError> {
    let stored = sealing.seal(t)?;
    Ok(ticket::ActiveModel {
        ticket_id: Set(t.ticket_id.to_string()),
        title: Set(t.title.clone()),
        description: Set(t.description.clone()),
        requester_email: Set(stored.requester_email),
        category: Set(t.category.map(|c| c.as_str().to_owned())),
        priority: Set(t.priority.as_str().to_owned()),
        priority_given: Set(t.priority_given),
        status: Set(t.status.as_str().to_owned()),
        created_at: Set(micros(t.created_at)),
        updated_at: Set(micros(t.updated_at)),
        tags_json: Set(to_json(&t.tags)?),
        metadata_json: Set(to_json(&stored.metadata)?),
        assigned_queue: Set(t.assigned_queue.clone()),
        // Only the escalation sweep writes it; inserts leave it empty and updates leave it alone.
        swept_at: NotSet,
        requester_index: Set(Some(stored.requester_index)),
        sealed_with: Set(stored.sealed_with),
    })
}

/// The ticket a row holds, its protected fields opened by `sealing`.
pub(super) fn ticket_from_row(row: ticket::Model, sealing: &Sealing) -> Result<Ticket, StoreError> {
    let key = row.ticket_id.clone();
    let bad = |e: String| corrupt("ticket", &key, e);
    let tags: Vec<String> = serde_json::from_str(&row.tags_json).map_err(|e| bad(e.to_string()))?;
    let metadata: BTreeMap<String, String> =
        serde_json::from_str(&row.metadata_json).map_err(|e| bad(e.to_string()))?;
    let (requester_email, metadata) = sealing.open(&row, metadata)?;
    Ok(Ticket {
        ticket_id: row.ticket_id.parse::<TicketId>().map_err(|e| bad(e.to_string()))?,
        category: row.category.as_deref().map(str::parse).transpose().map_err(bad)?,
        priority: row.priority.parse().map_err(bad)?,
        status: row.status.parse().map_err(bad)?,
        created_at: from_micros(row.created_at)?,
        updated_at: from_micros(row.updated_at)?,
        title: row.title,
        description: row.description,
        requester_email,
        priority_given: row.priority_given,
        tags,
        metadata,
        assigned_queue: row.assigned_queue,
    })
}

/// The row for a triage `result` (a new row: the id is left to the database).
pub(super) fn result_row(result: &TriageResult) -> Result<triage_result::ActiveModel, StoreError> {
    Ok(triage_result::ActiveModel {
        ticket_id: Set(result.ticket_id.clone()),
        triaged_at: Set(micros(result.triaged_at)),
        queue: Set(result.queue.clone()),
        priority: Set(result.priority.as_str().to_owned()),
        score: Set(result.score),
        rules_version: Set(result.rules_version.clone()),
        escalated: Set(result.escalation.escalated),
        result_json: Set(to_json(result)?),
        ..Default::default()
    })
}

/// The triage result a row holds.
pub(super) fn result_from_row(row: &triage_result::Model) -> Result<TriageResult, StoreError> {
    serde_json::from_str(&row.result_json).map_err(|e| corrupt("triage result", &row.id.to_string(), e))
}

/// The rows that index a ticket's text: its fingerprint and one row per distinct band key. `None` for
/// a text without words, which is similar to nothing and needs no rows.
pub(super) fn fingerprint_rows(
    ticket: &Ticket,
    fingerprint: &Fingerprint,
) -> Option<(ticket_fingerprint::ActiveModel, Vec<ticket_band::ActiveModel>)> {
    if fingerprint.is_empty() {
        return None;
    }
    let (id, created_at) = (ticket.ticket_id.to_string(), micros(ticket.created_at));
    let mut keys = fingerprint.bands.clone();
    keys.sort_unstable();
    keys.dedup();
    let bands = keys
        .into_iter()
        .map(|band_key| ticket_band::ActiveModel {
            band_key: Set(band_key),
            created_at: Set(created_at),
            ticket_id: Set(id.clone()),
        })
        .collect();
    let row = ticket_fingerprint::ActiveModel {
        ticket_id: Set(id),
        created_at: Set(created_at),
        signature: Set(signature_to_bytes(&fingerprint.signature)),
    };
    Some((row, bands))
}

/// The row for an audit entry.
pub(super) fn audit_row(entry: &AuditEntry) -> audit_entry::ActiveModel {
    let r = &entry.record;
    audit_entry::ActiveModel {
        sequence: Set(entry.sequence),
        ticket_id: Set(r.ticket_id.clone()),
        action: Set(r.action.clone()),
        actor: Set(r.actor.clone()),
        created_at: Set(micros(r.created_at)),
        details_json: Set(r.details_json.clone()),
        rules_version: Set(r.rules_version.clone()),
        prev_hash: Set(entry.prev_hash.clone()),
        hash: Set(entry.hash.clone()),
    }
}

/// The audit entry a row holds.
pub(super) fn audit_from_row(row: audit_entry::Model) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        sequence: row.sequence,
        record: AuditRecord {
            ticket_id: row.ticket_id,
            action: row.action,
            actor: row.actor,
            created_at: from_micros(row.created_at)?,
            details_json: row.details_json,
            rules_version: row.rules_version,
        },
        prev_hash: row.prev_hash,
        hash: row.hash,
    })
}

/// The row counts of the multi-row inserts: `n` rows go in as the largest of these that fit, then
/// the next smaller (300 rows: 256 + 16 + 16 + 4 + 4 + 4). Every statement text is a prepared
/// statement a connection keeps; with one text per row count a connection would keep hundreds of
/// large ones (about a megabyte each at hundreds of rows), with these five it keeps five per table.
/// 256 rows of the widest table (16 columns) stay far below the bound values a statement may carry on
/// SQLite (32,766) and PostgreSQL (65,535).
const ROWS_PER_INSERT: [usize; 5] = [256, 64, 16, 4, 1];

/// The sizes [`ROWS_PER_INSERT`] cuts `n` rows into, largest first.
pub(super) fn insert_sizes(mut n: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    for size in ROWS_PER_INSERT {
        while n >= size {
            sizes.push(size);
            n -= size;
        }
    }
    sizes
}

/// Inserts `rows` with multi-row statements of the [`ROWS_PER_INSERT`] sizes.
pub(super) async fn insert_chunked<A>(conn: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), StoreError>
where
    A: ActiveModelTrait + Clone + Send,
{
    let mut rest = rows.as_slice();
    for size in insert_sizes(rows.len()) {
        let (chunk, tail) = rest.split_at(size);
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
        rest = tail;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::insert_sizes;

    #[test]
    fn rows_are_inserted_in_five_statement_sizes() {
        assert_eq!(insert_sizes(300), [256, 16, 16, 4, 4, 4]);
        assert_eq!(insert_sizes(1), [1]);
        assert_eq!(insert_sizes(0), Vec::<usize>::new());
        for n in 0..2_000 {
            let sizes = insert_sizes(n);
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert!(sizes.len() <= n / 256 + 12, "{n}: {sizes:?}");
        }
    }
}
