//! Backups of a SQLite store: a consistent snapshot of the live database (`VACUUM INTO`), and the
//! checks a snapshot passes before it may replace a store (integrity, the helpdesk schema, the audit
//! chain).

use std::{path::Path, sync::Arc};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, PaginatorTrait, SqlxSqliteConnector, Statement,
    sqlx::{
        ConnectOptions as _,
        sqlite::{SqliteConnectOptions, SqlitePoolOptions},
    },
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::watch;

use super::{
    connect::Store,
    entities::{audit_entry, ticket},
    error::StoreError,
    migrations::Migrator,
};

/// Tables every helpdesk database has, whatever its schema version.
const REQUIRED_TABLES: [&str; 5] = ["seaql_migrations", "tickets", "triage_results", "audit_entries", "audit_chain"];

/// What a checked snapshot holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotReport {
    /// Stored tickets.
    pub tickets: u64,
    /// Audit entries (all of them verified).
    pub audit_entries: u64,
    /// The migrations the snapshot has, oldest first.
    pub migrations: Vec<String>,
    /// This program's migrations the snapshot lacks (applied when the store is next opened).
    pub pending_migrations: Vec<String>,
}

/// Tickets and audit entries in a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCounts {
    /// Stored tickets.
    pub tickets: u64,
    /// Audit entries.
    pub audit_entries: u64,
}

impl StoredCounts {
    /// True when the database holds neither tickets nor audit entries.
    pub fn is_empty(&self) -> bool {
        self.tickets == 0 && self.audit_entries == 0
    }
}

impl Store {
    /// Writes a consistent snapshot of the whole database to `path` (`VACUUM INTO`; the file must not
    /// exist or be empty). Writers go on while it runs; the snapshot holds what was committed when it began.
    pub async fn snapshot_into(&self, path: &Path) -> Result<(), StoreError> {
        if self.db.get_database_backend() != DbBackend::Sqlite {
            return Err(StoreError::FailedPrecondition("only a SQLite store can be snapshotted".into()));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::FailedPrecondition(format!("{} is not a UTF-8 path", path.display())))?;
        let statement = Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO ?", [target.into()]);
        self.db.execute_raw(statement).await?;
        Ok(())
    }

    /// Checks the SQLite file at `path` without changing it: the integrity check, the helpdesk tables,
    /// a schema no newer than this program's, and the audit chain. A refusal is `FailedPrecondition`
    /// with the reason.
    pub async fn inspect_snapshot(path: &Path) -> Result<SnapshotReport, StoreError> {
        let db = open_sqlite(path, true).await?;
        let report = inspect(&db).await;
        let _ = db.close().await;
        report
    }

    /// The tickets and audit entries in the SQLite file at `path`; `None` when there is no file.
    /// Opens it read-write (so a write-ahead log is read and then checkpointed) and changes nothing else.
    pub async fn counts_at(path: &Path) -> Result<Option<StoredCounts>, StoreError> {
        if !path.exists() {
            return Ok(None);
        }
        let db = open_sqlite(path, false).await?;
        let counts = async {
            let tables = strings(&db, "SELECT name FROM sqlite_master WHERE type = 'table'").await?;
            let has = |name: &str| tables.iter().any(|t| t == name);
            let tickets = if has("tickets") { ticket::Entity::find().count(&db).await? } else { 0 };
            let audit_entries = if has("audit_entries") { audit_entry::Entity::find().count(&db).await? } else { 0 };
            Ok::<_, DbErr>(StoredCounts { tickets, audit_entries })
        }
        .await
        .map_err(unreadable);
        let _ = db.close().await;
        counts.map(Some)
    }
}

fn refused(reason: String) -> StoreError {
    StoreError::FailedPrecondition(reason)
}

fn unreadable(err: DbErr) -> StoreError {
    refused(format!("it cannot be read as a SQLite database ({err})"))
}

/// One connection to the SQLite file at `path`; `immutable` opens it read-only with no locks and no
/// journal, for a file nothing else writes.
async fn open_sqlite(path: &Path, immutable: bool) -> Result<DatabaseConnection, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(immutable)
        .immutable(immutable)
        .disable_statement_logging();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| refused(format!("it cannot be opened as a SQLite database ({e})")))?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// The first column of every row of `sql`, as text.
async fn strings(db: &DatabaseConnection, sql: &str) -> Result<Vec<String>, DbErr> {
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql)).await?;
    rows.iter().map(|row| row.try_get_by_index::<String>(0)).collect()
}

async fn inspect(db: &DatabaseConnection) -> Result<SnapshotReport, StoreError> {
    let problems: Vec<String> =
        strings(db, "PRAGMA integrity_check").await.map_err(unreadable)?.into_iter().filter(|p| p != "ok").collect();
    if !problems.is_empty() {
        let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
        return Err(refused(format!("the SQLite integrity check failed: {}", shown.join("; "))));
    }
    let tables = strings(db, "SELECT name FROM sqlite_master WHERE type = 'table'").await.map_err(unreadable)?;
    if let Some(missing) = REQUIRED_TABLES.iter().find(|name| !tables.iter().any(|t| t == *name)) {
        return Err(refused(format!("it is not a helpdesk database (it has no {missing} table)")));
    }
    let migrations = strings(db, "SELECT version FROM seaql_migrations ORDER BY version").await.map_err(unreadable)?;
    let known: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    if let Some(newer) = migrations.iter().find(|m| !known.contains(m)) {
        return Err(refused(format!(
            "its schema is newer than this program's (migration {newer} is unknown here); use a newer helpdesk"
        )));
    }
    let pending_migrations = known.into_iter().filter(|k| !migrations.contains(k)).collect();
    let (tx, _) = watch::channel(0);
    let store = Store {
        db: db.clone(),
        audit_committed: Arc::new(tx),
        observer: super::observe::unobserved(),
        sealing: super::sealing::Sealing::default(),
        signer: None,
        keyring: None,
        group: None,
        faults: super::fault::Faults::default(),
        file: None,
        health_db: None,
    };
    let chain = store.verify_audit().await.map_err(|e| refused(format!("its audit log cannot be read ({e})")))?;
    if !chain.valid {
        return Err(refused(format!(
            "its audit chain is broken at entry {}: {}",
            chain.first_broken_sequence.unwrap_or_default(),
            chain.reason.unwrap_or_default()
        )));
    }
    Ok(SnapshotReport {
        tickets: ticket::Entity::find().count(db).await.map_err(unreadable)?,
        audit_entries: audit_entry::Entity::find().count(db).await.map_err(unreadable)?,
        migrations,
        pending_migrations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{domain::Category, testing::triaged};

    #[tokio::test]
    async fn a_snapshot_of_a_live_store_passes_every_check() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = crate::store::StoreSettings::file(dir.path().join("s"));
        let store = Store::connect(&settings).await.expect("opened");
        for n in 0..3u32 {
            triaged(&store, n, i64::from(n), "network", Category::Technical).await;
        }
        let copy = dir.path().join("copy.db");
        store.snapshot_into(&copy).await.expect("snapshot");
        let report = Store::inspect_snapshot(&copy).await.expect("a good snapshot");
        assert_eq!((report.tickets, report.audit_entries), (3, 3));
        assert!(report.pending_migrations.is_empty(), "{report:?}");
        let counts = Store::counts_at(&settings.sqlite_file().expect("a file store")).await.expect("counted");
        assert_eq!(counts, Some(StoredCounts { tickets: 3, audit_entries: 3 }));
        assert_eq!(Store::counts_at(&dir.path().join("none.db")).await.expect("no file"), None);

        // A snapshot from a newer program (a migration unknown here) is refused.
        store
            .db
            .execute_unprepared("INSERT INTO seaql_migrations (version, applied_at) VALUES ('m9999_future', 0)")
            .await
            .expect("a future migration");
        let newer = dir.path().join("newer.db");
        store.snapshot_into(&newer).await.expect("snapshot");
        let err = Store::inspect_snapshot(&newer).await.expect_err("newer schema");
        assert!(err.to_string().contains("m9999_future is unknown here"), "{err}");
    }

    #[tokio::test]
    async fn bad_files_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().expect("temp dir");
        let noise = dir.path().join("noise.db");
        std::fs::write(&noise, vec![0x5a_u8; 8192]).expect("write");
        let err = Store::inspect_snapshot(&noise).await.expect_err("not SQLite");
        assert!(matches!(err, StoreError::FailedPrecondition(ref m) if m.contains("SQLite")), "{err:?}");

        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").expect("write");
        let err = Store::inspect_snapshot(&empty).await.expect_err("no tables");
        assert!(err.to_string().contains("not a helpdesk database"), "{err}");
    }
}
