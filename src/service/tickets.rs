//! The ticket operations every way in shares: create, read, list, change (patch validated, status
//! transitions enforced, text re-indexed), delete, purge and count.

use chrono::{DateTime, Utc};

use super::{
    error::ServiceError,
    records::{changed_fields, updated},
};
use crate::{
    domain::{Actor, Ticket, TicketDraft, TicketId, TicketLimits, TicketPatch, validate_draft},
    store::{Page, PageRequest, Store, TicketChange, TicketFilter, TicketStats},
    triage::{TriageResult, similarity::fingerprint},
};

/// Tickets over one store, validated against one set of limits. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Tickets {
    store: Store,
    limits: TicketLimits,
}

/// A ticket id given by a caller, checked: `ticket_id` is required and must have the id's shape.
pub fn parse_ticket_id(raw: &str) -> Result<TicketId, ServiceError> {
    let id = raw.trim();
    if id.is_empty() {
        return Err(ServiceError::field("ticket_id", "is required"));
    }
    id.parse::<TicketId>().map_err(|e| ServiceError::field("ticket_id", e.to_string()))
}

impl Tickets {
    /// Ticket operations over `store`.
    pub fn new(store: Store, limits: TicketLimits) -> Self {
        Tickets { store, limits }
    }

    /// Validates a draft and stores it without triage (`ticket.created`).
    pub async fn create(&self, draft: TicketDraft, actor: &Actor, now: DateTime<Utc>) -> Result<Ticket, ServiceError> {
        let ticket = validate_draft(draft, &self.limits, now, &mut rand::rng())?;
        Ok(self.store.create_ticket(&ticket, actor).await?)
    }

    /// A stored ticket and its latest triage result.
    pub async fn get(&self, id: &TicketId) -> Result<(Ticket, Option<TriageResult>), ServiceError> {
        self.store.get_ticket(id.as_str()).await?.ok_or_else(|| ServiceError::NotFound(format!("ticket {id}")))
    }

    /// One page of the tickets `filter` selects, newest first.
    pub async fn list(&self, filter: &TicketFilter, page: &PageRequest) -> Result<Page<Ticket>, ServiceError> {
        Ok(self.store.list_tickets(filter, page).await?)
    }

    /// Applies `patch` (validated like a new ticket, the status transition checked) inside one
    /// transaction; `ticket.updated` names the fields that changed. A patch that changes nothing
    /// writes nothing; a new text is fingerprinted anew.
    pub async fn update(
        &self,
        id: &TicketId,
        patch: &TicketPatch,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Ticket, ServiceError> {
        let limits = self.limits;
        self.store
            .update_ticket(id.as_str(), |current| {
                let next = patch.apply(current, &limits, now)?;
                let changed = changed_fields(current, &next);
                if changed.is_empty() {
                    return Ok::<_, ServiceError>(None);
                }
                let text_changed = changed.iter().any(|f| matches!(*f, "title" | "description"));
                let new_fingerprint = text_changed.then(|| fingerprint(&next.title, &next.description));
                let record = updated(current, &next, &changed, actor);
                Ok(Some(TicketChange { ticket: next, record, new_fingerprint }))
            })
            .await
    }

    /// Deletes a ticket with its results and fingerprint (`ticket.deleted`).
    pub async fn delete(&self, id: &TicketId, actor: &Actor, now: DateTime<Utc>) -> Result<(), ServiceError> {
        Ok(self.store.delete_ticket(id.as_str(), actor, now).await?)
    }

    /// Removes the tickets created before `cutoff` (or counts them, on a dry run).
    pub async fn purge(
        &self,
        cutoff: DateTime<Utc>,
        dry_run: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<u64, ServiceError> {
        Ok(self.store.purge_tickets(cutoff, dry_run, actor, now).await?)
    }

    /// Ticket counts by status, category, priority and queue.
    pub async fn stats(&self) -> Result<TicketStats, ServiceError> {
        Ok(self.store.stats().await?)
    }
}

#[cfg(test)]
mod tests;
