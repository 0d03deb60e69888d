//! Near-duplicate lookup: each indexed ticket's text fingerprint, and its band keys indexed by key and
//! creation time. Tickets stored before this migration are not indexed; the lookup only looks back
//! `duplicates.window_hours`, so they age out of it.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `ticket_fingerprints` (cascading from `tickets`) and `ticket_bands`, keyed for the lookup.
/// The band rows have no foreign key: the store deletes them with their ticket (by their keys, which
/// the stored signature gives), and a check per row would slow down the inserts that dominate storing
/// a ticket's fingerprint.
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
    BandKey,
    CreatedAt,
    TicketId,
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

        // The primary key is the lookup, `band_key IN (...) AND created_at BETWEEN ...`, and holds every
        // column, so it answers the lookup alone. SQLite stores the table in it (no rowid table, no
        // second index): storing a ticket's keys costs one B-tree insert each.
        let mut bands = Table::create();
        bands
            .table(TicketBands::Table)
            .col(big_integer(TicketBands::BandKey))
            .col(big_integer(TicketBands::CreatedAt))
            .col(text(TicketBands::TicketId))
            .primary_key(
                Index::create().col(TicketBands::BandKey).col(TicketBands::CreatedAt).col(TicketBands::TicketId),
            );
        if m.get_database_backend() == sea_orm::DbBackend::Sqlite {
            bands.extra("WITHOUT ROWID");
        }
        m.create_table(bands).await?;
        Ok(())
    }

    /// Applied as one transaction, so a failure leaves no half-made schema behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
