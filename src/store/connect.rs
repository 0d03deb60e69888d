//! Opening the store: the SQLite pool (memory or file) or PostgreSQL, migrations, health pings and closing.

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QuerySelect, RuntimeErr, SqlxSqliteConnector,
    sqlx::{
        self, ConnectOptions as _,
        sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    },
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::watch;

use super::{checkpoint, entities::audit_chain, error::StoreError, group::GroupCommit, migrations::Migrator, postgres};
use super::{
    fault::{Faults, FileIdentity, StorageFault},
    observe::{StoreObserver, unobserved},
    sealing::Sealing,
    settings::{Durability, PoolSettings, StoreSettings},
};
use crate::domain::{ChainSigner, Keyring};

/// The SQLite file's name inside `store_path`.
pub const SQLITE_FILE: &str = "helpdesk.db";
/// How long a writer waits for SQLite's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Pooled connections to a SQLite file (WAL: many readers, one writer at a time).
const FILE_POOL_SIZE: u32 = 8;
/// Page cache of each pooled connection, in KiB (SQLite's default is 2,000 KiB): enough for the
/// indexes new rows land in, so a write reads back few pages; memory is taken only as pages are used.
const PAGE_CACHE_KIB: u32 = 16 * 1024;
/// Prepared statements each connection keeps (sqlx's default): the multi-row inserts come in five
/// sizes a table and the near-duplicate reads in a few, so every hot statement stays prepared.
const STATEMENT_CACHE: usize = 100;
/// How long a caller waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The ticket store: a database pool, the signal that new audit entries were committed, and the
/// keys that sign and verify the audit chain when it is given them. Cloning is cheap; every clone
/// shares the pool.
#[derive(Clone)]
pub struct Store {
    pub(super) db: DatabaseConnection,
    pub(super) audit_committed: Arc<watch::Sender<i64>>,
    pub(super) observer: Arc<dyn StoreObserver>,
    pub(super) sealing: Sealing,
    pub(super) signer: Option<Arc<ChainSigner>>,
    pub(super) keyring: Option<Arc<Keyring>>,
    /// The group-commit writer, when writes are grouped ([`Store::grouping_writes`]).
    pub(super) group: Option<GroupCommit>,
    /// The storage fault writes are in, if any.
    pub(super) faults: Faults,
    /// The database file a file store opened, checked after every commit.
    pub(super) file: Option<Arc<FileIdentity>>,
    /// A connection of its own for health checks, so a busy pool never looks like a dead database
    /// (for a store in memory, which cannot become unreachable, the connection that keeps it alive).
    pub(super) health_db: Option<DatabaseConnection>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("last_audit_sequence", &*self.audit_committed.borrow()).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store the settings name, creating it when it does not exist yet, and applies
    /// pending migrations.
    pub async fn connect(settings: &StoreSettings) -> Result<Store, StoreError> {
        Ok(Store::connect_migrating(settings).await?.0)
    }

    /// Opens the store the settings name (creating it when it does not exist yet), applies pending
    /// migrations and says which were applied.
    pub async fn connect_migrating(settings: &StoreSettings) -> Result<(Store, Vec<String>), StoreError> {
        let faults = Faults::default();
        let db = match settings {
            StoreSettings::Memory => return Store::open_memory_migrating().await,
            StoreSettings::File { dir, durability } => file_pool(dir, true, *durability, &faults).await?,
            StoreSettings::Postgres { url, pool } => postgres::pool(url, pool).await?,
        };
        let mut opened = Store::open(db, faults).await?;
        opened.0.attach(settings).await?;
        Ok(opened)
    }

    /// Opens a store that exists already, refusing (naming where it looked) one that holds no
    /// database: a file store without its file, a PostgreSQL database without the helpdesk's tables.
    /// Pending migrations are applied. An in-memory store is always new.
    pub async fn open_existing(settings: &StoreSettings) -> Result<Store, StoreError> {
        let faults = Faults::default();
        let db = match settings {
            StoreSettings::Memory => return Store::open_memory().await,
            StoreSettings::File { dir, durability } => {
                let file = dir.join(SQLITE_FILE);
                if !file.is_file() {
                    return Err(StoreError::FailedPrecondition(format!(
                        "there is no database at {} (check store_path; `helpdesk serve` or `helpdesk migrate` \
                         creates one)",
                        file.display()
                    )));
                }
                file_pool(dir, false, *durability, &faults).await?
            }
            StoreSettings::Postgres { url, pool } => {
                let db = postgres::pool(url, pool).await?;
                if !postgres::has_schema(&db).await? {
                    db.close().await.ok();
                    return Err(StoreError::FailedPrecondition(
                        "the PostgreSQL database at database_url holds no ticket store (`helpdesk serve` or \
                         `helpdesk migrate` creates one)"
                            .into(),
                    ));
                }
                db
            }
        };
        let mut store = Store::open(db, faults).await?.0;
        store.attach(settings).await?;
        Ok(store)
    }

    /// What a store on disk has besides its pool: for a file, its identity (to notice it deleted or
    /// replaced) and the WAL checkpointer; for a file or PostgreSQL, a connection for health checks.
    async fn attach(&mut self, settings: &StoreSettings) -> Result<(), StoreError> {
        match settings {
            StoreSettings::Memory => {}
            StoreSettings::File { dir, durability } => {
                let file = dir.join(SQLITE_FILE);
                let identity = FileIdentity::of(&file).map_err(|e| unavailable(sqlx::Error::Io(e)))?;
                self.file = Some(Arc::new(identity));
                checkpoint::start(self.db.clone(), Arc::downgrade(&self.audit_committed));
                self.health_db = Some(file_health_connection(&file, *durability).await?);
            }
            StoreSettings::Postgres { url, pool } => {
                let one = PoolSettings { size: 1, min_idle: 1, ..*pool };
                self.health_db = Some(postgres::pool(url, &one).await?);
            }
        }
        Ok(())
    }

    /// A fresh, migrated store in memory (one shared connection).
    pub async fn open_memory() -> Result<Store, StoreError> {
        Ok(Store::open_memory_migrating().await?.0)
    }

    async fn open_memory_migrating() -> Result<(Store, Vec<String>), StoreError> {
        let (db, anchor) = memory_pool().await?;
        let (mut store, applied) = Store::open(db, Faults::default()).await?;
        store.health_db = Some(anchor);
        Ok((store, applied))
    }

    async fn open(db: DatabaseConnection, faults: Faults) -> Result<(Store, Vec<String>), StoreError> {
        let (tx, _) = watch::channel(0);
        let store = Store {
            db,
            audit_committed: Arc::new(tx),
            observer: unobserved(),
            sealing: Sealing::default(),
            signer: None,
            keyring: None,
            group: None,
            faults,
            file: None,
            health_db: None,
        };
        let applied = store.migrate().await?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "store: migrations applied");
        }
        let last = store.last_audit_sequence().await?;
        store.audit_committed.send_replace(last);
        if store.db.get_database_backend() == DbBackend::Postgres {
            postgres::listen_for_audit_commits(&store.db, &store.audit_committed).await?;
        }
        Ok((store, applied))
    }

    /// Applies pending migrations; returns the names of those applied now. On PostgreSQL an advisory
    /// lock makes instances that start together migrate one after the other.
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let lock = match self.db.get_database_backend() {
            DbBackend::Postgres => Some(postgres::MigrationLock::acquire(&self.db).await?),
            _ => None,
        };
        let migrated = self.migrate_unlocked().await;
        if let Some(lock) = lock {
            lock.release().await;
        }
        migrated
    }

    async fn migrate_unlocked(&self) -> Result<Vec<String>, StoreError> {
        let pending = Migrator::get_pending_migrations(&self.db).await?;
        let names: Vec<String> = pending.iter().map(|m| m.name().to_owned()).collect();
        if !names.is_empty() {
            Migrator::up(&self.db, None).await?;
        }
        Ok(names)
    }

    /// A trivial query: succeeds when the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        ping(&self.db).await
    }

    /// The health check: a trivial query on the store's own health connection, which request traffic
    /// never holds, so a saturated pool is not taken for an unreachable database. A store in memory
    /// answers until it is closed.
    pub async fn health_ping(&self) -> Result<(), StoreError> {
        let in_memory = self.file.is_none() && self.db.get_database_backend() == DbBackend::Sqlite;
        match &self.health_db {
            // `SELECT 1` touches no table, so it never waits for a writer's lock on the shared cache.
            Some(db) if in_memory => {
                db.execute_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, "SELECT 1")).await?;
                Ok(())
            }
            Some(db) => ping(db).await,
            None => Ok(()),
        }
    }

    /// The storage fault the store's writes are in now, and its changes from here on.
    pub fn write_fault(&self) -> watch::Receiver<Option<StorageFault>> {
        self.faults.subscribe()
    }

    /// Tries a write that changes nothing (the chain head rewritten as it is, committed with its
    /// fsync, the file's identity checked) while writes are in a fault: success ends the fault.
    /// Nothing is done when there is none; after a full disk, not before the disk has room again
    /// (a rewritten page can fit where a ticket does not).
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        let Some(fault) = self.faults.current() else {
            return Ok(());
        };
        if fault == StorageFault::DiskFull && self.file.as_ref().is_some_and(|file| !file.has_room()) {
            return Err(StoreError::found(fault));
        }
        let write = self.begin_write().await?;
        // A change SQLite cannot skip (it does not write a row updated to what it holds), undone in
        // the same transaction: the page goes to the log and is synced.
        for change in ["last_sequence + 1", "last_sequence - 1"] {
            let probe = sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("UPDATE audit_chain SET last_sequence = {change} WHERE id = {}", audit_chain::HEAD_ID),
            );
            let changed = write.conn().execute_raw(probe).await.map_err(StoreError::from);
            self.note_write(changed)?;
        }
        self.commit(write).await
    }

    /// The steps of SQLite's plan for `read` (`EXPLAIN QUERY PLAN`), for tests of index use.
    #[cfg(test)]
    pub(super) async fn sqlite_plan(&self, read: sea_orm::Statement) -> Vec<String> {
        use sea_orm::ConnectionTrait;
        let explain = sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {}", read.sql),
            read.values.map(|v| v.0).unwrap_or_default(),
        );
        let rows = self.db.query_all_raw(explain).await.expect("plan");
        rows.iter().map(|row| row.try_get::<String>("", "detail").expect("detail")).collect()
    }

    /// Closes every pooled connection (for all clones of this store).
    pub async fn close(self) -> Result<(), StoreError> {
        if let Some(health) = &self.health_db {
            health.close_by_ref().await.ok();
        }
        self.db.close().await?;
        Ok(())
    }
}

async fn ping(db: &DatabaseConnection) -> Result<(), StoreError> {
    audit_chain::Entity::find().select_only().column(audit_chain::Column::Id).into_tuple::<i32>().one(db).await?;
    Ok(())
}

/// SQLite in memory: exactly one pooled connection that never expires, so every caller sees one
/// database, and a second connection outside the pool that keeps the database alive should the
/// pool close its connection and open another (after a failed transaction). The database is shared
/// by those two connections only (sqlx names each `sqlite::memory:` database apart).
async fn memory_pool() -> Result<(DatabaseConnection, DatabaseConnection), StoreError> {
    let options = SqliteConnectOptions::from_str("sqlite::memory:")
        .map_err(unavailable)?
        .foreign_keys(true)
        .disable_statement_logging();
    let one = || {
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(ACQUIRE_TIMEOUT)
    };
    let anchor = one().connect_with(options.clone()).await.map_err(unavailable)?;
    let pool = one()
        .after_release(|conn, _| Box::pin(outside_transaction(conn)))
        .connect_with(options)
        .await
        .map_err(unavailable)?;
    Ok((SqlxSqliteConnector::from_sqlx_sqlite_pool(pool), SqlxSqliteConnector::from_sqlx_sqlite_pool(anchor)))
}

/// SQLite file `<dir>/helpdesk.db` in WAL mode (created, with its folder, when `create`); every
/// pooled connection gets the same pragmas. A folder it creates is private to the owner (0700), and
/// so is a database file it creates (0600; SQLite gives its -wal and -shm files the same mode).
///
/// While writes are in a storage fault, a connection handed back is closed rather than kept, and one
/// opened before the fault ended is not lent again: SQLite opens a file it cannot write read-only and
/// stays so, and a connection may hold a file that was replaced since.
async fn file_pool(
    dir: &Path,
    create: bool,
    durability: Durability,
    faults: &Faults,
) -> Result<DatabaseConnection, StoreError> {
    if create {
        let (dir, file) = (dir.to_path_buf(), dir.join(SQLITE_FILE));
        tokio::task::spawn_blocking(move || create_private(&dir, &file))
            .await
            .map_err(|e| StoreError::internal(format!("creating the store folder failed: {e}")))?
            .map_err(|e| unavailable(sqlx::Error::Io(e)))?;
    }
    // The file is made above (with its mode); a connection never creates one, so a file deleted under
    // the server is not silently replaced by an empty database.
    let options = file_options(&dir.join(SQLITE_FILE), durability)
        .pragma("cache_size", format!("-{}", PAGE_CACHE_KIB))
        .pragma("wal_autocheckpoint", checkpoint::AUTOCHECKPOINT_PAGES.to_string())
        .pragma("journal_size_limit", checkpoint::JOURNAL_SIZE_LIMIT.to_string())
        .statement_cache_capacity(STATEMENT_CACHE);
    let (released, acquired) = (faults.clone(), faults.clone());
    let pool = SqlitePoolOptions::new()
        .max_connections(FILE_POOL_SIZE)
        .min_connections(1)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_release(move |conn, _| {
            let in_fault = released.discards_connections();
            Box::pin(async move { if in_fault { Ok(false) } else { outside_transaction(conn).await } })
        })
        .before_acquire(move |_, meta| {
            let stale = acquired.opened_before_recovery(meta.age);
            Box::pin(async move { Ok(!stale) })
        })
        .connect_with(options)
        .await
        .map_err(unavailable)?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// What every connection to the file gets: WAL, the durability's `synchronous`, the busy timeout,
/// foreign keys.
fn file_options(file: &Path, durability: Durability) -> SqliteConnectOptions {
    let synchronous = match durability {
        Durability::PowerLoss => SqliteSynchronous::Full,
        Durability::ProcessCrash => SqliteSynchronous::Normal,
    };
    SqliteConnectOptions::new()
        .filename(file)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .disable_statement_logging()
}

/// The health connection of a file store: one connection, a small page cache, never a writer.
async fn file_health_connection(file: &Path, durability: Durability) -> Result<DatabaseConnection, StoreError> {
    let options = file_options(file, durability).pragma("cache_size", "-256");
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(unavailable)?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// Whether a connection handed back to the pool may be lent again: not while it is still inside a
/// transaction. A COMMIT that failed (a full disk, say) leaves sqlx counting the transaction as
/// open, and the next `BEGIN` on that connection would become a mere savepoint of it: writes
/// acknowledged as committed that never reach the database. Such a connection is closed (SQLite
/// rolls back what it holds) and the pool opens a fresh one. A rollback the dropped transaction
/// queued runs first (the ping waits for it).
pub(super) async fn outside_transaction<C: sqlx::Connection>(conn: &mut C) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("store: a connection left inside a failed transaction is closed, not reused");
        return Ok(false);
    }
    Ok(true)
}

/// Creates the folder `dir` (0700) and the empty database `file` (0600) where they are missing;
/// existing ones keep their modes.
pub(super) fn create_private(dir: &Path, file: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

fn unavailable(err: sqlx::Error) -> StoreError {
    StoreError::Unavailable(DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err))))
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;
    use crate::{
        domain::Category,
        store::PoolSettings,
        testing::{at, numbered, result, triaged, write},
    };

    fn file_settings(dir: &Path) -> StoreSettings {
        StoreSettings::file(dir.join("nested"))
    }

    #[tokio::test]
    async fn a_file_store_keeps_its_data_when_reopened() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = file_settings(dir.path());
        let store = Store::connect(&settings).await.expect("opened");
        assert!(settings.sqlite_file().expect("a file store").exists());
        store.ping().await.expect("ping");
        let stored = triaged(&store, 1, 0, "network", Category::Technical).await;
        store.close().await.expect("closed");

        let store = Store::connect(&settings).await.expect("reopened");
        assert_eq!(store.migrate().await.expect("migrate"), Vec::<String>::new());
        let (read, latest) = store.get_ticket(stored.ticket.ticket_id.as_str()).await.expect("read").expect("found");
        assert_eq!((read, latest), (stored.ticket, Some(stored.result)));
        assert_eq!(store.last_audit_sequence().await.expect("seq"), 1);
        assert_eq!(*store.subscribe_audit().borrow(), 1);
    }

    #[tokio::test]
    async fn a_new_file_store_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = StoreSettings::file(dir.path().join("a/b"));
        let store = Store::connect(&settings).await.expect("opened");
        triaged(&store, 1, 0, "network", Category::Technical).await;
        let mode = |path: &Path| std::fs::metadata(path).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        for name in [SQLITE_FILE, "helpdesk.db-wal", "helpdesk.db-shm"] {
            assert_eq!(mode(&dir.path().join("a/b").join(name)), 0o600, "{name}");
        }
        store.close().await.expect("closed");
    }

    #[tokio::test]
    async fn opening_an_existing_store_never_creates_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = file_settings(dir.path());
        let err = Store::open_existing(&settings).await.expect_err("nothing there");
        let file = settings.sqlite_file().expect("a file store");
        assert!(err.to_string().contains(&file.display().to_string()), "{err}");
        assert!(!dir.path().join("nested").exists(), "no folder was created");
        Store::connect(&settings).await.expect("created").close().await.expect("closed");
        Store::open_existing(&settings).await.expect("exists now").close().await.expect("closed");
    }

    #[tokio::test]
    async fn concurrent_writers_on_a_file_all_succeed_with_a_contiguous_log() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::connect(&file_settings(dir.path())).await.expect("opened");
        let tasks: Vec<_> = (0..8u32)
            .map(|task| {
                let store = store.clone();
                tokio::spawn(async move {
                    for i in 0..10u32 {
                        let t = numbered(task * 100 + i, at(i64::from(i)));
                        let request = format!("req-{task}-{i}");
                        store
                            .record_triage(
                                &write(&t, &result(&t, "network", Category::Technical), None, &"svc".into()),
                                Some(&request),
                            )
                            .await?;
                    }
                    Ok::<_, StoreError>(())
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("joined").expect("every triage stored");
        }
        let sequences: Vec<i64> = store.audit_after(0, 1000).await.expect("audit").iter().map(|e| e.sequence).collect();
        assert_eq!(sequences, (1..=80).collect::<Vec<i64>>());
        let report = store.verify_audit().await.expect("verify");
        assert!(report.valid && report.entries_checked == 80, "{report:?}");
        assert_eq!(store.stats().await.expect("stats").total, 80);
    }

    #[tokio::test]
    async fn memory_stores_are_separate_and_an_unreachable_postgres_is_unavailable() {
        let a = Store::connect(&StoreSettings::Memory).await.expect("memory");
        let b = Store::open_memory().await.expect("memory");
        triaged(&a, 1, 0, "network", Category::Technical).await;
        assert_eq!(b.stats().await.expect("stats").total, 0);
        let pool = PoolSettings { connect_timeout_secs: 1, ..PoolSettings::default() };
        let settings = StoreSettings::Postgres { url: "postgres://helpdesk:s3cret@127.0.0.1:1/helpdesk".into(), pool };
        let err = Store::connect(&settings).await.expect_err("nothing listens on port 1");
        assert!(err.is_unavailable(), "{err:?}");
        assert_eq!(err.to_string(), "the database is unavailable");
        let settings = StoreSettings::Postgres { url: "postgres://h:notaport/db".into(), pool };
        let err = Store::connect(&settings).await.expect_err("not a PostgreSQL URL");
        assert_eq!(err.to_string(), "database_url is not a valid PostgreSQL URL");
    }

    #[tokio::test]
    async fn a_file_store_is_tuned_and_checkpointed_off_the_request_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = file_settings(dir.path());
        let store = Store::connect(&settings).await.expect("opened");
        let pragma = |name: &str| {
            let sql = format!("PRAGMA {name}");
            let db = store.db.clone();
            async move {
                let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.expect("pragma");
                row.expect("a row").try_get_by_index::<i64>(0).expect("a number")
            }
        };
        assert_eq!(pragma("cache_size").await, -i64::from(PAGE_CACHE_KIB));
        assert_eq!(pragma("wal_autocheckpoint").await, i64::from(checkpoint::AUTOCHECKPOINT_PAGES));
        let file = settings.sqlite_file().expect("a file store");
        let before = std::fs::metadata(&file).expect("db file").len();
        for n in 1..=200 {
            triaged(&store, n, 0, "network", Category::Technical).await;
        }
        // Committed pages sit in the log until a checkpoint copies them into the database file; the
        // automatic checkpoint is 16,384 pages away, so only the checkpointer can have done it.
        let mut grown = false;
        for _ in 0..50 {
            if std::fs::metadata(&file).expect("db file").len() > before {
                grown = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(grown, "no checkpoint copied the log into {} within 5 s", file.display());
        assert_eq!(store.stats().await.expect("stats").total, 200);
        store.close().await.expect("closed");
    }
}
