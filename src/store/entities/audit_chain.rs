//! The `audit_chain` table: one row (id 1), the head of the audit chain and where verification starts.

use sea_orm::entity::prelude::*;

/// The id of the only row.
pub const HEAD_ID: i32 = 1;

/// The chain's head and anchor.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_chain")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Sequence of the newest entry (0 for an empty log).
    pub last_sequence: i64,
    /// Hash of the newest entry (the genesis hash for an empty log).
    pub last_hash: String,
    /// Sequence of the last purged entry (0 when nothing was purged).
    pub anchor_sequence: i64,
    /// Hash of the last purged entry, which the first remaining entry links to.
    pub anchor_hash: String,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
