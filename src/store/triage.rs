//! Storing a triage: the ticket, its result, its audit entry and the request key in one transaction,
//! and replaying the first answer for a request id seen before.

use sea_orm::{ConnectionTrait, EntityTrait};

use super::{
    batch::write_triages,
    connect::Store,
    entities::request_key,
    error::StoreError,
    sealing::Sealing,
    tickets::{load_result, load_ticket},
};
use crate::{
    domain::{AuditRecord, Ticket},
    triage::{TriageResult, similarity::Fingerprint},
};

/// A triaged ticket to store: the ticket as the triage left it, the result, the fingerprint of its
/// text (when near-duplicates are looked for) and its audit record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTriage {
    /// The ticket, settled by the result.
    pub ticket: Ticket,
    /// The result.
    pub result: TriageResult,
    /// Its text's fingerprint, so later tickets can find it as a near-duplicate.
    pub fingerprint: Option<Fingerprint>,
    /// The `ticket.triaged` audit record.
    pub record: AuditRecord,
}

/// A stored triage: the ticket as stored, the result, and whether this answer repeats an earlier one.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTriage {
    /// The ticket as stored.
    pub ticket: Ticket,
    /// The triage result (the first one given, on a replay).
    pub result: TriageResult,
    /// True when the request id was seen before and nothing was written now.
    pub replayed: bool,
}

/// The first answer stored for `request_id`, if any.
async fn replay(
    conn: &impl ConnectionTrait,
    sealing: &Sealing,
    request_id: &str,
) -> Result<Option<StoredTriage>, StoreError> {
    let Some(key) = request_key::Entity::find_by_id(request_id).one(conn).await? else { return Ok(None) };
    let Some(ticket) = load_ticket(conn, sealing, &key.ticket_id).await? else { return Ok(None) };
    let Some(result) = load_result(conn, &key.ticket_id, false).await? else { return Ok(None) };
    Ok(Some(StoredTriage { ticket, result, replayed: true }))
}

/// Refuses a result offered with another ticket than its own.
pub(super) fn check_pair(ticket: &Ticket, result: &TriageResult) -> Result<(), StoreError> {
    if result.ticket_id == ticket.ticket_id.as_str() {
        return Ok(());
    }
    Err(StoreError::internal(format!(
        "triage result for {} offered with ticket {}",
        result.ticket_id, ticket.ticket_id
    )))
}

impl Store {
    /// Stores a triaged ticket, its result, its text fingerprint (when given), its audit entry and the
    /// request key (if any) in one transaction: with group commit, the transaction it shares with the
    /// triages stored at the same moment. Answers only once that transaction committed. A request id
    /// seen before replays the first answer (whatever ticket came with it; the caller decides whether
    /// the replay answers its request) and writes nothing; a taken ticket id is `AlreadyExists`.
    pub async fn record_triage(&self, new: &NewTriage, request_id: Option<&str>) -> Result<StoredTriage, StoreError> {
        let outcomes = match self.group() {
            Some(group) => group.submit(vec![(new.clone(), request_id.map(str::to_owned))]).await?,
            None => write_triages(self, &[(new, request_id)]).await?,
        };
        outcomes.into_iter().next().unwrap_or_else(|| Err(StoreError::internal("the write answered nothing")))
    }

    /// The first answer given for `request_id`, if that request was stored.
    pub async fn find_request(&self, request_id: &str) -> Result<Option<StoredTriage>, StoreError> {
        self.timed("find_request", replay(&self.db, &self.sealing, request_id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, numbered, result, write};
    use crate::{
        domain::{Category, Status},
        store::{AuditFilter, PageRequest},
    };

    fn all() -> PageRequest {
        PageRequest { page_size: 100, page_token: None }
    }

    #[tokio::test]
    async fn a_triage_stores_ticket_result_and_one_audit_entry() {
        let store = Store::open_memory().await.expect("store");
        let t = numbered(1, at(0));
        let r = result(&t, "network", Category::Technical);
        let stored = store.record_triage(&write(&t, &r, None, &"svc".into()), Some("req-1")).await.expect("stored");
        assert!(!stored.replayed);
        assert_eq!(stored.ticket.status, Status::Triaged);
        assert_eq!(stored.ticket.category, Some(Category::Technical));
        assert_eq!(stored.ticket.assigned_queue.as_deref(), Some("network"));
        assert_eq!(stored.ticket.tags, ["vpn", "outage"]);

        let (read, latest) = store.get_ticket(t.ticket_id.as_str()).await.expect("read").expect("found");
        assert_eq!(read, stored.ticket);
        assert_eq!(latest, Some(r.clone()));

        let audit = store.list_audit(&AuditFilter::default(), &all()).await.expect("audit").items;
        assert_eq!(audit.len(), 1);
        let entry = &audit[0].record;
        assert_eq!((entry.action.as_str(), entry.actor.as_str()), ("ticket.triaged", "svc"));
        assert_eq!(entry.ticket_id.as_deref(), Some(t.ticket_id.as_str()));
        assert_eq!(entry.rules_version.as_deref(), Some("rules-1"));
        let details: serde_json::Value = serde_json::from_str(&entry.details_json).expect("json");
        assert_eq!(details["queue"], "network");
        assert_eq!(details["matched_rule"], "network-outage");
        assert_eq!(details["escalated"], false);
        assert_eq!(store.last_audit_sequence().await.expect("seq"), 1);
    }

    #[tokio::test]
    async fn a_retried_request_replays_the_first_answer_without_writing() {
        let store = Store::open_memory().await.expect("store");
        let t = numbered(1, at(0));
        let first = store
            .record_triage(&write(&t, &result(&t, "network", Category::Technical), None, &"svc".into()), Some("req-1"))
            .await
            .expect("stored");
        assert_eq!(store.find_request("req-1").await.expect("read").map(|s| s.result), Some(first.result.clone()));
        assert_eq!(store.find_request("req-2").await.expect("read"), None);

        let other = numbered(2, at(1));
        let again = store
            .record_triage(
                &write(&other, &result(&other, "billing", Category::Billing), None, &"svc".into()),
                Some("req-1"),
            )
            .await
            .expect("replayed");
        assert!(again.replayed);
        assert_eq!((again.ticket, again.result), (first.ticket, first.result));
        assert_eq!(store.get_ticket(other.ticket_id.as_str()).await.expect("read"), None);
        assert_eq!(store.last_audit_sequence().await.expect("seq"), 1);
    }

    #[tokio::test]
    async fn a_taken_ticket_id_is_refused_and_nothing_is_written() {
        let store = Store::open_memory().await.expect("store");
        let t = numbered(1, at(0));
        let r = result(&t, "network", Category::Technical);
        store.record_triage(&write(&t, &r, None, &"svc".into()), None).await.expect("stored");
        let err = store.record_triage(&write(&t, &r, None, &"svc".into()), Some("req-9")).await.expect_err("duplicate");
        assert!(
            matches!(err, StoreError::AlreadyExists(ref what) if what == &format!("ticket {}", t.ticket_id)),
            "{err:?}"
        );
        assert_eq!(store.last_audit_sequence().await.expect("seq"), 1);
        assert_eq!(store.find_request("req-9").await.expect("read"), None);
        let err = store.create_ticket(&t, &"svc".into()).await.expect_err("duplicate");
        assert!(matches!(err, StoreError::AlreadyExists(_)));
    }

    #[tokio::test]
    async fn a_failure_half_way_leaves_nothing_behind() {
        let store = Store::open_memory().await.expect("store");
        let trigger = "CREATE TRIGGER refuse BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'refused'); END";
        store.db.execute_unprepared(trigger).await.expect("trigger");
        let t = numbered(1, at(0));
        let err = store
            .record_triage(&write(&t, &result(&t, "network", Category::Technical), None, &"svc".into()), Some("req-1"))
            .await
            .expect_err("refused");
        assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
        assert_eq!(err.to_string(), "internal storage error");
        assert_eq!(store.get_ticket(t.ticket_id.as_str()).await.expect("read"), None);
        assert_eq!(store.find_request("req-1").await.expect("read"), None);
        let results = crate::store::entities::triage_result::Entity::find().all(&store.db).await.expect("read");
        assert!(results.is_empty());
        assert_eq!(store.last_audit_sequence().await.expect("seq"), 0);
    }
}
