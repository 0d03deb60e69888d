//! The `audit_exports` table: which audit entries were exported, so a purge can check it first.

use sea_orm::entity::prelude::*;

/// One completed export.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_exports")]
pub struct Model {
    /// Row number.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The export's cutoff in microseconds, if it had one.
    pub before: Option<i64>,
    /// Sequence of the last exported entry.
    pub up_to_sequence: i64,
    /// How many entries were exported.
    pub entry_count: i64,
    /// Microseconds since the epoch.
    pub exported_at: i64,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
