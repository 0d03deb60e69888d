//! Reads that stay flat however many tickets are stored. `ticket_counts` holds the number of tickets
//! in total and per status, category, priority and queue, kept by triggers on `tickets` in the very
//! transaction that inserts, changes or deletes a row (every write path alike, none can forget it),
//! so GetStats reads a few dozen rows instead of grouping the whole table. And one index per pair of
//! the listing's equality filters, in keyset order, so a listing filtered on two of them walks only
//! the matching rows, newest first, instead of every row of one filter.

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

/// Creates `ticket_counts` (filled from the rows already stored), its triggers, and the pair indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TicketCounts {
    Table,
    Field,
    Value,
    N,
}

/// The counted columns, with the `field` name each is counted under.
const COUNTED: [(&str, &str); 4] =
    [("status", "status"), ("category", "category"), ("priority", "priority"), ("queue", "assigned_queue")];

/// The listing's equality filters, paired in the pair indexes.
const FILTERS: [&str; 4] = ["status", "category", "priority", "assigned_queue"];

/// The `(field, value)` rows a ticket row counts in: `total`, then one per counted column (an empty
/// value for NULL). `row` is `NEW` or `OLD`.
fn counted_values(row: &str) -> String {
    let mut values = vec!["('total', '')".to_owned()];
    values.extend(COUNTED.iter().map(|(field, column)| format!("('{field}', COALESCE({row}.{column}, ''))")));
    values.join(", ")
}

/// Adds one to the counts of the row `row` (`NEW`).
fn count_in(row: &str) -> String {
    format!(
        "INSERT INTO ticket_counts (field, value, n) SELECT column1, column2, 1 FROM (VALUES {}) AS v \
         WHERE true ON CONFLICT (field, value) DO UPDATE SET n = ticket_counts.n + 1",
        counted_values(row)
    )
}

/// Takes one from the counts of the row `row` (`OLD`).
fn count_out(row: &str) -> String {
    let pairs = counted_values(row);
    format!("UPDATE ticket_counts SET n = n - 1 WHERE (field, value) IN (VALUES {pairs})")
}

/// The triggers (SQLite: three, one per operation; PostgreSQL: one function for all three).
fn triggers(backend: DbBackend) -> Vec<String> {
    let changed = "status, category, priority, assigned_queue";
    match backend {
        DbBackend::Postgres => {
            let insert = count_in("NEW");
            vec![
                format!(
                    "CREATE FUNCTION helpdesk_count_tickets() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF TG_OP <> 'INSERT' THEN {out}; END IF; \
                     IF TG_OP <> 'DELETE' THEN {insert}; END IF; \
                     RETURN NULL; END $$",
                    out = count_out("OLD"),
                ),
                format!(
                    "CREATE TRIGGER tickets_counted AFTER INSERT OR DELETE OR UPDATE OF {changed} ON tickets \
                     FOR EACH ROW EXECUTE FUNCTION helpdesk_count_tickets()"
                ),
            ]
        }
        _ => vec![
            format!("CREATE TRIGGER tickets_counted_in AFTER INSERT ON tickets BEGIN {}; END", count_in("NEW")),
            format!("CREATE TRIGGER tickets_counted_out AFTER DELETE ON tickets BEGIN {}; END", count_out("OLD")),
            format!(
                "CREATE TRIGGER tickets_counted_again AFTER UPDATE OF {changed} ON tickets BEGIN {}; {}; END",
                count_out("OLD"),
                count_in("NEW")
            ),
        ],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TicketCounts::Table)
                .col(text(TicketCounts::Field))
                .col(text(TicketCounts::Value))
                .col(big_integer(TicketCounts::N))
                .primary_key(Index::create().col(TicketCounts::Field).col(TicketCounts::Value))
                .to_owned(),
        )
        .await?;
        let conn = m.get_connection();
        conn.execute_unprepared(
            "INSERT INTO ticket_counts (field, value, n) SELECT 'total', '', COUNT(*) FROM tickets",
        )
        .await?;
        for (field, column) in COUNTED {
            conn.execute_unprepared(&format!(
                "INSERT INTO ticket_counts (field, value, n) SELECT '{field}', COALESCE({column}, ''), COUNT(*) \
                 FROM tickets GROUP BY COALESCE({column}, '')"
            ))
            .await?;
        }
        for trigger in triggers(m.get_database_backend()) {
            conn.execute_unprepared(&trigger).await?;
        }
        for (i, first) in FILTERS.iter().enumerate() {
            for second in &FILTERS[i + 1..] {
                let name = format!("idx_tickets_{first}_{second}_created");
                conn.execute_unprepared(&format!(
                    "CREATE INDEX {name} ON tickets ({first}, {second}, created_at, ticket_id)"
                ))
                .await?;
            }
        }
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

    async fn counts(db: &sea_orm::DatabaseConnection) -> Vec<(String, String, i64)> {
        let read = Statement::from_string(
            db.get_database_backend(),
            "SELECT field, value, n FROM ticket_counts ORDER BY 1, 2",
        );
        let rows = db.query_all_raw(read).await.expect("counts");
        rows.iter()
            .map(|r| {
                (
                    r.try_get_by_index(0).expect("field"),
                    r.try_get_by_index(1).expect("value"),
                    r.try_get_by_index(2).expect("n"),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn rows_stored_before_are_counted_and_later_writes_keep_the_counts() {
        let db = Database::connect("sqlite::memory:").await.expect("sqlite");
        Migrator::up(&db, Some(5)).await.expect("the first five migrations");
        let insert = |id: &str, queue: &str| {
            let queue = if queue.is_empty() { "NULL".to_owned() } else { format!("'{queue}'") };
            format!(
                "INSERT INTO tickets (ticket_id, title, description, requester_email, category, priority, \
                 priority_given, status, created_at, updated_at, tags_json, metadata_json, assigned_queue) VALUES \
                 ('{id}', 't', 'd', 'a@example.com', NULL, 'LOW', false, 'NEW', 0, 0, '[]', '{{}}', {queue})"
            )
        };
        db.execute_unprepared(&insert("TKT-20261127-AAAAAAAA", "network")).await.expect("insert");
        db.execute_unprepared(&insert("TKT-20261127-BBBBBBBB", "")).await.expect("insert");
        Migrator::up(&db, None).await.expect("the rest");
        let row = |f: &str, v: &str, n: i64| (f.to_owned(), v.to_owned(), n);
        assert_eq!(
            counts(&db).await,
            [
                row("category", "", 2),
                row("priority", "LOW", 2),
                row("queue", "", 1),
                row("queue", "network", 1),
                row("status", "NEW", 2),
                row("total", "", 2)
            ]
        );
        db.execute_unprepared(
            "UPDATE tickets SET status = 'TRIAGED', assigned_queue = 'billing' WHERE ticket_id LIKE '%B'",
        )
        .await
        .expect("update");
        db.execute_unprepared("DELETE FROM tickets WHERE ticket_id LIKE '%A'").await.expect("delete");
        assert_eq!(
            counts(&db).await,
            [
                row("category", "", 1),
                row("priority", "LOW", 1),
                row("queue", "", 0),
                row("queue", "billing", 1),
                row("queue", "network", 0),
                row("status", "NEW", 0),
                row("status", "TRIAGED", 1),
                row("total", "", 1)
            ]
        );
    }
}
