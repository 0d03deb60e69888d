//! The `tickets` table: one row per ticket, tags and metadata as JSON text.

use sea_orm::entity::prelude::*;

/// A stored ticket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    /// `TKT-YYYYMMDD-XXXXXXXX`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: String,
    /// Short summary.
    pub title: String,
    /// Full text.
    pub description: String,
    /// Requester's address.
    pub requester_email: String,
    /// Canonical upper-case category, if known.
    pub category: Option<String>,
    /// Canonical upper-case priority.
    pub priority: String,
    /// Whether the requester gave the priority.
    pub priority_given: bool,
    /// Canonical upper-case status.
    pub status: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
    /// Tags as a JSON array.
    pub tags_json: String,
    /// Metadata as a JSON object.
    pub metadata_json: String,
    /// Queue, if routed.
    pub assigned_queue: Option<String>,
    /// When the escalation sweep escalated it (microseconds); it does so once per ticket.
    pub swept_at: Option<i64>,
    /// The requester's lookup key: the normalised address in a plain row, its blind index (hex
    /// HMAC-SHA256) in a sealed one.
    pub requester_index: Option<String>,
    /// The id of the key the row's sealed values are under; `None` for a plain row.
    pub sealed_with: Option<String>,
}

/// No relations are declared; queries join by hand where needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
