//! The `leases` table: who holds each named lease and until when.

use sea_orm::entity::prelude::*;

/// One lease.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leases")]
pub struct Model {
    /// The job the lease is for (`escalation-sweep`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// The instance holding it.
    pub holder: String,
    /// When it lapses unless renewed (microseconds since the epoch, UTC).
    pub expires_at: i64,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
