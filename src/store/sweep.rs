//! The escalation sweep's write: open tickets created before a cutoff become ESCALATED, each with a
//! `ticket.escalated` audit entry, in one transaction per batch.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::{
    connect::Store,
    entities::ticket::{self, Column},
    error::StoreError,
    rows::{micros, ticket_from_row},
};
use crate::{
    domain::{Actor, AuditAction, AuditRecord, Status, Ticket},
    triage::result::Escalation,
};

/// Statuses the sweep looks at: open and not escalated now (a ticket it escalated once is never swept
/// again, even when someone moves it back to IN_PROGRESS).
const SWEPT: [Status; 3] = [Status::New, Status::Triaged, Status::InProgress];

/// A ticket the sweep escalated, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SweptTicket {
    /// The ticket as it was before the sweep.
    pub ticket: Ticket,
    /// The escalation given to it.
    pub escalation: Escalation,
}

impl Store {
    /// Escalates up to `limit` of the oldest open, not escalated tickets created before `cutoff` that
    /// the sweep never escalated before:
    /// `decide` gives each one's escalation (a ticket it answers `None` for is left alone), its status
    /// becomes ESCALATED and a `ticket.escalated` entry by `actor` records the level and reason.
    /// Several instances may sweep at once without escalating a ticket twice: the candidates are read
    /// inside the write transaction, which holds the audit chain's lock.
    pub async fn escalate_overdue(
        &self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u64,
        actor: &Actor,
        decide: impl Fn(&Ticket) -> Option<Escalation>,
    ) -> Result<Vec<SweptTicket>, StoreError> {
        let mut write = self.begin_write().await?;
        let rows = ticket::Entity::find()
            .filter(Column::Status.is_in(SWEPT.map(Status::as_str)))
            .filter(Column::CreatedAt.lt(micros(cutoff)))
            .filter(Column::SweptAt.is_null())
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::TicketId)
            .limit(limit)
            .all(write.conn())
            .await?;
        let mut swept = Vec::new();
        for row in rows {
            let ticket = ticket_from_row(row, &self.sealing)?;
            if let Some(escalation) = decide(&ticket) {
                swept.push(SweptTicket { ticket, escalation });
            }
        }
        if swept.is_empty() {
            return Ok(swept);
        }
        let ids: Vec<&str> = swept.iter().map(|s| s.ticket.ticket_id.as_str()).collect();
        ticket::Entity::update_many()
            .col_expr(Column::Status, Status::Escalated.as_str().into())
            .col_expr(Column::UpdatedAt, micros(now).into())
            .col_expr(Column::SweptAt, micros(now).into())
            .filter(Column::TicketId.is_in(ids))
            .exec(write.conn())
            .await?;
        let staged: Vec<_> = swept
            .iter()
            .map(|s| {
                let details = json!({
                    "old_status": s.ticket.status.as_str(),
                    "new_status": Status::Escalated.as_str(),
                    "level": s.escalation.level.as_str(),
                    "reason": s.escalation.reason,
                });
                let record = AuditRecord::new(AuditAction::TicketEscalated, actor, now, details);
                write.stage(record.for_ticket(s.ticket.ticket_id.as_str()))
            })
            .collect();
        write.insert_staged(&staged).await?;
        self.commit(write).await?;
        Ok(swept)
    }
}
