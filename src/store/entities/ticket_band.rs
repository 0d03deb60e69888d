//! The `ticket_bands` table: the LSH band keys of each indexed ticket, looked up by key and time to
//! find the tickets whose text may be similar. The primary key is the lookup order; on SQLite the
//! table is stored in it (`WITHOUT ROWID`), so a ticket's keys cost one B-tree insert each.

use sea_orm::entity::prelude::*;

/// One band key of a ticket's fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_bands")]
pub struct Model {
    /// The band's key, mixed with the band number.
    #[sea_orm(primary_key, auto_increment = false)]
    pub band_key: i64,
    /// The ticket's creation time, microseconds since the epoch.
    #[sea_orm(primary_key, auto_increment = false)]
    pub created_at: i64,
    /// The ticket.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: String,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
