//! The `request_keys` table: which ticket a TriageTicket request id stored, for idempotent retries.

use sea_orm::entity::prelude::*;

/// A request id seen before.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_keys")]
pub struct Model {
    /// The caller's request id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: String,
    /// Ticket stored by that request.
    pub ticket_id: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
