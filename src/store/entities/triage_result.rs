//! The `triage_results` table: every triage decision, the whole result kept as JSON.

use sea_orm::entity::prelude::*;

/// A stored triage result.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "triage_results")]
pub struct Model {
    /// Row number.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Ticket decided about.
    pub ticket_id: String,
    /// Microseconds since the epoch.
    pub triaged_at: i64,
    /// Queue decided.
    pub queue: String,
    /// Final priority.
    pub priority: String,
    /// Score in [0, 1].
    pub score: f64,
    /// Rules version that decided it.
    pub rules_version: String,
    /// Whether the ticket was escalated.
    pub escalated: bool,
    /// The whole `TriageResult` as JSON.
    pub result_json: String,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
