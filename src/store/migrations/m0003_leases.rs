//! The escalation sweep's tables: leases (named, expiring claims that let one instance of several do a
//! periodic job while the others wait, and let another take over when the holder stops renewing) and
//! `tickets.swept_at`, so the sweep escalates a ticket once even if it is moved back afterwards.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `leases` and adds `tickets.swept_at`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    SweptAt,
}

#[derive(DeriveIden)]
enum Leases {
    Table,
    Name,
    Holder,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Leases::Table)
                .col(text(Leases::Name).primary_key())
                .col(text(Leases::Holder))
                .col(big_integer(Leases::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table(Tickets::Table).add_column(big_integer_null(Tickets::SweptAt)).to_owned())
            .await
    }

    /// Applied as one transaction, so a failure leaves no half-made schema behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
