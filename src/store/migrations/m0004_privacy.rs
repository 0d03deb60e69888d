//! Personal data at rest: `tickets.requester_index`, the requester's lookup key (the normalised
//! address in a row written without a key ring, its keyed blind index in a sealed row), indexed in
//! the listing's keyset order; and `tickets.sealed_with`, the id of the key a row's sealed values are
//! under (empty for a plain row), indexed so that start-up checks and key rotations find the rows of
//! a key without reading the table. Rows stored before this migration are plain: their lookup key is
//! filled in here, normalised as the service normalises (surrounding white space is already trimmed
//! on every stored address; ASCII letters lower-cased, nothing else changed).

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

/// Adds the two columns and their indexes, and fills in the lookup key of the rows already stored.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    RequesterIndex,
    SealedWith,
    CreatedAt,
    TicketId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tickets::RequesterIndex, Tickets::SealedWith] {
            m.alter_table(Table::alter().table(Tickets::Table).add_column(text_null(column)).to_owned()).await?;
        }
        m.create_index(
            Index::create()
                .name("idx_tickets_requester_created")
                .table(Tickets::Table)
                .col(Tickets::RequesterIndex)
                .col(Tickets::CreatedAt)
                .col(Tickets::TicketId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_tickets_sealed_with").table(Tickets::Table).col(Tickets::SealedWith).to_owned(),
        )
        .await?;
        // ASCII lower case in both: SQLite's lower() folds ASCII letters only; on PostgreSQL lower()
        // follows the database's locale, so translate() spells the same mapping out.
        let fold = match m.get_database_backend() {
            DbBackend::Postgres => {
                "translate(requester_email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
            }
            _ => "lower(requester_email)",
        };
        m.get_connection().execute_unprepared(&format!("UPDATE tickets SET requester_index = {fold}")).await?;
        Ok(())
    }

    /// Applied as one transaction, so a failure leaves no half-made schema behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, Statement};
    use sea_orm_migration::MigratorTrait;

    use crate::store::migrations::Migrator;

    #[tokio::test]
    async fn rows_stored_before_get_their_normalised_lookup_key_and_stay_plain() {
        let db = Database::connect("sqlite::memory:").await.expect("sqlite");
        Migrator::up(&db, Some(3)).await.expect("the first three migrations");
        db.execute_unprepared(
            "INSERT INTO tickets (ticket_id, title, description, requester_email, category, priority, \
             priority_given, status, created_at, updated_at, tags_json, metadata_json, assigned_queue) VALUES \
             ('TKT-20261127-AAAAAAAA', 't', 'd', 'Ana.Élise@Example.COM', NULL, 'LOW', false, 'NEW', 0, 0, '[]', \
             '{}', NULL)",
        )
        .await
        .expect("an old row");
        Migrator::up(&db, None).await.expect("m0004");
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT requester_index, sealed_with FROM tickets",
            ))
            .await
            .expect("read")
            .expect("a row");
        let index: Option<String> = row.try_get("", "requester_index").expect("column");
        let sealed: Option<String> = row.try_get("", "sealed_with").expect("column");
        assert_eq!(index.as_deref(), Some("ana.Élise@example.com"));
        assert_eq!(index.as_deref().map(str::to_owned), Some(crate::privacy::normalize_email("Ana.Élise@Example.COM")));
        assert_eq!(sealed, None);
    }
}
