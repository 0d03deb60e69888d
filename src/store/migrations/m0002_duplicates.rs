//! Near-duplicate lookup: each indexed ticket's text fingerprint, and its band keys indexed by key and
//! creation time. Tickets stored before this migration are not indexed; the lookup only looks back
//! `duplicates.window_hours`, so they age out of it.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `ticket_fingerprints` and `ticket_bands` with the lookup index.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    TicketId,
}

#[derive(DeriveIden)]
enum TicketFingerprints {
    Table,
    TicketId,
    CreatedAt,
    Signature,
}

#[derive(DeriveIden)]
enum TicketBands {
    Table,
    TicketId,
    Band,
    BandKey,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TicketFingerprints::Table)
                .col(text(TicketFingerprints::TicketId).primary_key())
                .col(big_integer(TicketFingerprints::CreatedAt))
                .col(blob(TicketFingerprints::Signature))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_ticket_fingerprints_ticket")
                        .from(TicketFingerprints::Table, TicketFingerprints::TicketId)
                        .to(Tickets::Table, Tickets::TicketId)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TicketBands::Table)
                .col(text(TicketBands::TicketId))
                .col(integer(TicketBands::Band))
                .col(big_integer(TicketBands::BandKey))
                .col(big_integer(TicketBands::CreatedAt))
                .primary_key(Index::create().col(TicketBands::TicketId).col(TicketBands::Band))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_ticket_bands_fingerprint")
                        .from(TicketBands::Table, TicketBands::TicketId)
                        .to(TicketFingerprints::Table, TicketFingerprints::TicketId)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The lookup: `band_key IN (...) AND created_at BETWEEN ...`, answered from the index alone.
        m.create_index(
            Index::create()
                .name("idx_ticket_bands_key_created")
                .table(TicketBands::Table)
                .col(TicketBands::BandKey)
                .col(TicketBands::CreatedAt)
                .col(TicketBands::TicketId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    /// Applied as one transaction, so a failure leaves no half-made schema behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
