//! Tickets: create, read, update with validated transitions, delete and purge.
//! Every write appends its audit entry in the same transaction.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, sea_query::Query,
};
use serde_json::json;

use super::{
    connect::Store,
    duplicates::{delete_fingerprint, delete_fingerprints_before, refresh_fingerprint},
    entities::{request_key, ticket, triage_result},
    error::{StoreError, is_duplicate},
    rows::{micros, result_from_row, stored_ticket, ticket_from_row, ticket_row},
    sealing::Sealing,
};
use crate::{
    domain::{Actor, AuditAction, AuditRecord, Category, Ticket},
    triage::{TriageResult, similarity::Fingerprint},
};

/// A change of a stored ticket, as [`Store::update_ticket`] writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketChange {
    /// The ticket as it is to be.
    pub ticket: Ticket,
    /// The `ticket.updated` audit record.
    pub record: AuditRecord,
    /// The fingerprint of the new text, when the title or description changed.
    pub new_fingerprint: Option<Fingerprint>,
}

/// Inserts a ticket row; a duplicate identifier is `AlreadyExists`.
pub(super) async fn insert_ticket(
    conn: &impl ConnectionTrait,
    sealing: &Sealing,
    t: &Ticket,
) -> Result<(), StoreError> {
    let id = t.ticket_id.as_str();
    if ticket::Entity::find_by_id(id).one(conn).await?.is_some() {
        return Err(StoreError::AlreadyExists(format!("ticket {id}")));
    }
    match ticket::Entity::insert(ticket_row(t, sealing)?).exec_without_returning(conn).await {
        Err(e) if is_duplicate(&e) => Err(StoreError::AlreadyExists(format!("ticket {id}"))),
        other => other.map(drop).map_err(StoreError::from),
    }
}

/// The ticket `ticket_id`, if stored.
pub(super) async fn load_ticket(
    conn: &impl ConnectionTrait,
    sealing: &Sealing,
    ticket_id: &str,
) -> Result<Option<Ticket>, StoreError> {
    ticket::Entity::find_by_id(ticket_id).one(conn).await?.map(|row| ticket_from_row(row, sealing)).transpose()
}

/// The first (`newest = false`) or latest triage result of a ticket.
pub(super) async fn load_result(
    conn: &impl ConnectionTrait,
    ticket_id: &str,
    newest: bool,
) -> Result<Option<TriageResult>, StoreError> {
    let query = triage_result::Entity::find().filter(triage_result::Column::TicketId.eq(ticket_id));
    let query = if newest {
        query.order_by_desc(triage_result::Column::Id)
    } else {
        query.order_by_asc(triage_result::Column::Id)
    };
    query.one(conn).await?.as_ref().map(result_from_row).transpose()
}

/// Deletes the triage results and request keys of the tickets `tickets` selects; returns the results removed.
async fn delete_dependents(conn: &impl ConnectionTrait, tickets: Condition) -> Result<u64, StoreError> {
    let ids =
        || Query::select().column(ticket::Column::TicketId).from(ticket::Entity).cond_where(tickets.clone()).to_owned();
    let results = triage_result::Entity::delete_many()
        .filter(triage_result::Column::TicketId.in_subquery(ids()))
        .exec(conn)
        .await?;
    request_key::Entity::delete_many().filter(request_key::Column::TicketId.in_subquery(ids())).exec(conn).await?;
    Ok(results.rows_affected)
}

impl Store {
    /// Stores a ticket without triage; audit `ticket.created`. A taken identifier is `AlreadyExists`.
    pub async fn create_ticket(&self, ticket: &Ticket, actor: &Actor) -> Result<Ticket, StoreError> {
        let ticket = stored_ticket(ticket);
        let mut write = self.begin_write().await?;
        insert_ticket(write.conn(), &self.sealing, &ticket).await?;
        let details = json!({
            "status": ticket.status.as_str(),
            "priority": ticket.priority.as_str(),
            "category": ticket.category.map(Category::as_str),
            "queue": ticket.assigned_queue,
        });
        write
            .append(
                AuditRecord::new(AuditAction::TicketCreated, actor, ticket.updated_at, details)
                    .for_ticket(ticket.ticket_id.as_str()),
            )
            .await?;
        self.commit(write).await?;
        Ok(ticket)
    }

    /// A ticket with its latest triage result.
    pub async fn get_ticket(&self, ticket_id: &str) -> Result<Option<(Ticket, Option<TriageResult>)>, StoreError> {
        self.timed("get_ticket", async {
            let Some(ticket) = load_ticket(&self.db, &self.sealing, ticket_id).await? else { return Ok(None) };
            let result = load_result(&self.db, ticket_id, true).await?;
            Ok(Some((ticket, result)))
        })
        .await
    }

    /// Changes the stored ticket inside one transaction: `change` is given the ticket as stored and
    /// answers the new version with its audit record (and, when its text changed, the new text's
    /// fingerprint), or `None` to write nothing. The new fingerprint replaces the old one when the old
    /// text was indexed. Returns the ticket as it is now.
    pub async fn update_ticket<E: From<StoreError>>(
        &self,
        ticket_id: &str,
        change: impl FnOnce(&Ticket) -> Result<Option<TicketChange>, E>,
    ) -> Result<Ticket, E> {
        let mut write = self.begin_write().await?;
        let current = load_ticket(write.conn(), &self.sealing, ticket_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("ticket {ticket_id}")))?;
        let Some(change) = change(&current)? else { return Ok(current) };
        let next = stored_ticket(&change.ticket);
        if next.ticket_id != current.ticket_id {
            return Err(
                StoreError::internal(format!("an update of {ticket_id} offered ticket {}", next.ticket_id)).into()
            );
        }
        let mut row = ticket_row(&next, &self.sealing)?;
        row.ticket_id = sea_orm::ActiveValue::Unchanged(ticket_id.to_owned());
        ticket::Entity::update(row).exec(write.conn()).await.map_err(StoreError::from)?;
        if let Some(fingerprint) = &change.new_fingerprint {
            refresh_fingerprint(write.conn(), &next, fingerprint).await?;
        }
        write.append(change.record).await?;
        self.commit(write).await?;
        Ok(next)
    }

    /// Deletes a ticket with its triage results and text fingerprint; audit `ticket.deleted`.
    pub async fn delete_ticket(&self, ticket_id: &str, actor: &Actor, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut write = self.begin_write().await?;
        let this = Condition::all().add(ticket::Column::TicketId.eq(ticket_id));
        let results = delete_dependents(write.conn(), this.clone()).await?;
        delete_fingerprint(write.conn(), ticket_id).await?;
        let deleted = ticket::Entity::delete_many().filter(this).exec(write.conn()).await?.rows_affected;
        if deleted == 0 {
            return Err(StoreError::NotFound(format!("ticket {ticket_id}")));
        }
        let details = json!({ "results_deleted": results });
        write.append(AuditRecord::new(AuditAction::TicketDeleted, actor, now, details).for_ticket(ticket_id)).await?;
        self.commit(write).await
    }

    /// Removes every ticket created before `created_before` with its results and text fingerprint (or
    /// only counts them on a dry run); audit `tickets.purged` with the count.
    pub async fn purge_tickets(
        &self,
        created_before: DateTime<Utc>,
        dry_run: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let old = Condition::all().add(ticket::Column::CreatedAt.lt(micros(created_before)));
        if dry_run {
            return Ok(ticket::Entity::find().filter(old).count(&self.db).await?);
        }
        let mut write = self.begin_write().await?;
        delete_dependents(write.conn(), old.clone()).await?;
        delete_fingerprints_before(write.conn(), created_before).await?;
        let count = ticket::Entity::delete_many().filter(old).exec(write.conn()).await?.rows_affected;
        let details =
            json!({ "created_before": created_before.to_rfc3339_opts(SecondsFormat::Micros, true), "count": count });
        write.append(AuditRecord::new(AuditAction::TicketsPurged, actor, now, details)).await?;
        self.commit(write).await?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, numbered, triaged};

    #[tokio::test]
    async fn delete_removes_the_ticket_and_its_results() {
        let store = Store::open_memory().await.expect("store");
        let id = triaged(&store, 1, 0, "network", Category::Technical).await.ticket.ticket_id.to_string();
        let plain = store.create_ticket(&numbered(2, at(1)), &"agent".into()).await.expect("created");
        assert_eq!(store.get_ticket(plain.ticket_id.as_str()).await.expect("read"), Some((plain, None)));

        store.delete_ticket(&id, &"agent".into(), at(5)).await.expect("deleted");
        assert_eq!(store.get_ticket(&id).await.expect("read"), None);
        assert!(triage_result::Entity::find().all(&store.db).await.expect("read").is_empty());
        assert!(matches!(store.delete_ticket(&id, &"agent".into(), at(6)).await, Err(StoreError::NotFound(_))));
        let actions: Vec<String> =
            store.audit_after(0, 10).await.expect("audit").into_iter().map(|e| e.record.action).collect();
        assert_eq!(actions, ["ticket.triaged", "ticket.created", "ticket.deleted"]);
    }

    #[tokio::test]
    async fn purge_removes_old_tickets_and_counts_on_a_dry_run() {
        let store = Store::open_memory().await.expect("store");
        for n in 0..5u32 {
            triaged(&store, n, i64::from(n) * 60, "network", Category::Technical).await;
        }
        assert_eq!(store.purge_tickets(at(150), true, &"ops".into(), at(1000)).await.expect("dry run"), 3);
        assert_eq!(store.last_audit_sequence().await.expect("seq"), 5);
        assert_eq!(store.purge_tickets(at(150), false, &"ops".into(), at(1000)).await.expect("purged"), 3);
        assert_eq!(store.stats().await.expect("stats").total, 2);
        assert_eq!(triage_result::Entity::find().all(&store.db).await.expect("read").len(), 2);
        let last = store.audit_after(5, 10).await.expect("audit");
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].record.action, "tickets.purged");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&last[0].record.details_json).expect("json")["count"], 3);
    }
}
