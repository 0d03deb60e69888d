//! The audit chain's signatures: `audit_signatures`, one row per signed chain head, looked up by the
//! sequence it covers.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `audit_signatures` and its index on `sequence`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditSignatures {
    Table,
    Id,
    Sequence,
    HeadHash,
    FirstSequence,
    AnchorSequence,
    AnchorHash,
    KeyId,
    Signature,
    SignedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditSignatures::Table)
                .col(big_pk_auto(AuditSignatures::Id))
                .col(big_integer(AuditSignatures::Sequence))
                .col(text(AuditSignatures::HeadHash))
                .col(big_integer(AuditSignatures::FirstSequence))
                .col(big_integer(AuditSignatures::AnchorSequence))
                .col(text(AuditSignatures::AnchorHash))
                .col(text(AuditSignatures::KeyId))
                .col(text(AuditSignatures::Signature))
                .col(big_integer(AuditSignatures::SignedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_signatures_sequence")
                .table(AuditSignatures::Table)
                .col(AuditSignatures::Sequence)
                .to_owned(),
        )
        .await
    }

    /// Applied as one transaction, so a failure leaves no half-made schema behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
