//! The `ticket_fingerprints` table: the MinHash signature of each indexed ticket's text.

use sea_orm::entity::prelude::*;

/// A ticket's text fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_fingerprints")]
pub struct Model {
    /// The ticket (a foreign key; deleting the ticket deletes its fingerprint).
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: String,
    /// The ticket's creation time, microseconds since the epoch.
    pub created_at: i64,
    /// The signature, four little-endian bytes a slot.
    pub signature: Vec<u8>,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
