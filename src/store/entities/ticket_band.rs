//! The `ticket_bands` table: the LSH band keys of each indexed ticket, looked up by key and time to
//! find the tickets whose text may be similar.

use sea_orm::entity::prelude::*;

/// One band key of a ticket's fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_bands")]
pub struct Model {
    /// The ticket (a foreign key to its fingerprint).
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: String,
    /// Band number, from 0.
    #[sea_orm(primary_key, auto_increment = false)]
    pub band: i32,
    /// The band's key, mixed with the band number.
    pub band_key: i64,
    /// The ticket's creation time, microseconds since the epoch.
    pub created_at: i64,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
