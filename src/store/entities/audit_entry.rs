//! The `audit_entries` table: the hash-chained audit log; `sequence` is assigned by the store.

use sea_orm::entity::prelude::*;

/// A stored audit entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    /// Position in the log, without gaps.
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    /// Ticket concerned, if any.
    pub ticket_id: Option<String>,
    /// Action name such as `ticket.triaged`.
    pub action: String,
    /// Who did it.
    pub actor: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Details as JSON text.
    pub details_json: String,
    /// Rules version in force, for triage entries.
    pub rules_version: Option<String>,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
