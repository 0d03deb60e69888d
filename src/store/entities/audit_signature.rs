//! The `audit_signatures` table: Ed25519 signatures over the audit chain's head, one per write
//! transaction while a signing key is in use, written in the transaction whose entries they cover.

use sea_orm::entity::prelude::*;

/// One signature over a chain head.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_signatures")]
pub struct Model {
    /// Row number.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Sequence of the newest entry covered (the head after the transaction).
    pub sequence: i64,
    /// Hash of that entry.
    pub head_hash: String,
    /// First entry the transaction appended.
    pub first_sequence: i64,
    /// The chain's anchor sequence when signed.
    pub anchor_sequence: i64,
    /// The chain's anchor hash when signed.
    pub anchor_hash: String,
    /// First 16 hex digits of the SHA-256 of the public key.
    pub key_id: String,
    /// The Ed25519 signature, hex.
    pub signature: String,
    /// Microseconds since the epoch.
    pub signed_at: i64,
}

/// No relations are declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
