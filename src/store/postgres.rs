//! The PostgreSQL pool and the advisory lock that lets several instances start at once: the first one
//! migrates while the others wait, then find nothing left to do.

use std::{str::FromStr, sync::Arc};

use sea_orm::{
    DatabaseConnection, DbErr, RuntimeErr, SqlxPostgresConnector,
    sqlx::{
        self, ConnectOptions as _, Postgres,
        pool::PoolConnection,
        postgres::{PgConnectOptions, PgListener, PgPoolOptions},
    },
};
use tokio::sync::watch;

use super::{error::StoreError, settings::PoolSettings};

/// The advisory lock key migrations run under ("helpdesk" in ASCII); the same in every instance.
const MIGRATION_LOCK_KEY: i64 = 0x6865_6c70_6465_736b;

/// Opens a pool on `url` and checks that the database answers within the connect timeout (logged,
/// but for the one-connection pool of health checks).
pub(super) async fn pool(url: &str, settings: &PoolSettings) -> Result<DatabaseConnection, StoreError> {
    // The URL may hold a password: say what is wrong without echoing it.
    let options = PgConnectOptions::from_str(url)
        .map_err(|_| StoreError::FailedPrecondition("database_url is not a valid PostgreSQL URL".into()))?
        .application_name("helpdesk")
        .disable_statement_logging();
    let target = format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or("?"));
    let connecting = PgPoolOptions::new()
        .max_connections(settings.size)
        .min_connections(settings.min_idle)
        .acquire_timeout(settings.acquire_timeout())
        .idle_timeout(settings.idle_timeout())
        .after_release(|conn, _| Box::pin(super::connect::outside_transaction(conn)))
        .connect_with(options);
    let cannot = |why: String| {
        StoreError::Unavailable(DbErr::Conn(RuntimeErr::Internal(format!(
            "cannot connect to PostgreSQL at {target}: {why}"
        ))))
    };
    let pool = match tokio::time::timeout(settings.connect_timeout(), connecting).await {
        Ok(Ok(pool)) => pool,
        Ok(Err(e)) => return Err(cannot(e.to_string())),
        Err(_) => return Err(cannot(format!("no answer within {} s", settings.connect_timeout_secs))),
    };
    // Whether the connection is encrypted (the URL's sslmode: prefer by default, require, verify-ca,
    // verify-full with sslrootcert), so operators see it at start.
    let tls: bool =
        sqlx::query_scalar("SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)")
            .fetch_one(&pool)
            .await
            .map_err(unavailable)?;
    if settings.size > 1 {
        tracing::info!(%target, pool_size = settings.size, tls, "store: connected to PostgreSQL");
    }
    Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
}

/// Whether the database holds the helpdesk's tables (its migrations table, at least).
pub(super) async fn has_schema(db: &DatabaseConnection) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT to_regclass('seaql_migrations') IS NOT NULL")
        .fetch_one(db.get_postgres_connection_pool())
        .await
        .map_err(unavailable)
}

/// A session-level advisory lock held on its own connection while migrations run on others. The
/// connection is closed rather than returned to the pool, so the lock cannot outlive this value even
/// when unlocking fails.
pub(super) struct MigrationLock {
    conn: PoolConnection<Postgres>,
}

impl MigrationLock {
    /// Waits until no other instance is migrating this database, then holds the lock.
    pub(super) async fn acquire(db: &DatabaseConnection) -> Result<MigrationLock, StoreError> {
        let mut conn = db.get_postgres_connection_pool().acquire().await.map_err(unavailable)?;
        conn.close_on_drop();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK_KEY)
            .execute(&mut *conn)
            .await
            .map_err(unavailable)?;
        Ok(MigrationLock { conn })
    }

    /// Lets the next instance in.
    pub(super) async fn release(mut self) {
        if let Err(e) =
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK_KEY).execute(&mut *self.conn).await
        {
            tracing::warn!(error = %e, "store: releasing the migration lock failed; closing its connection releases it");
        }
    }
}

/// The channel every instance notifies, in the committing transaction, with the last audit sequence.
pub(super) const AUDIT_CHANNEL: &str = "helpdesk_audit";

/// Listens on [`AUDIT_CHANNEL`] so this instance's audit watchers hear about entries committed by
/// other instances at once (they also poll, so a lost notification only delays them). The task ends
/// when every clone of the store is gone or the pool is closed.
pub(super) async fn listen_for_audit_commits(
    db: &DatabaseConnection,
    committed: &Arc<watch::Sender<i64>>,
) -> Result<(), StoreError> {
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await.map_err(unavailable)?;
    listener.listen(AUDIT_CHANNEL).await.map_err(unavailable)?;
    let committed = Arc::downgrade(committed);
    tokio::spawn(async move {
        loop {
            let sequence = match listener.try_recv().await {
                Ok(Some(note)) => note.payload().parse::<i64>().ok(),
                // The connection was lost and is re-established; entries may have been missed meanwhile.
                Ok(None) => Some(i64::MAX),
                Err(sqlx::Error::PoolClosed) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "store: audit notifications interrupted; watchers fall back to polling");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    None
                }
            };
            let Some(sender) = committed.upgrade() else { return };
            if let Some(sequence) = sequence {
                sender.send_if_modified(|seen| {
                    // After a reconnect, wake the watchers without claiming a sequence.
                    let newer = sequence > *seen;
                    if newer && sequence != i64::MAX {
                        *seen = sequence;
                    }
                    newer
                });
            }
        }
    });
    Ok(())
}

/// `postgres://user:secret@host/db` becomes `postgres://user:***@host/db` (also inside a longer text,
/// such as an error message quoting the URL).
pub fn mask_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_owned() };
    let authority_end = url[scheme_end..].find('/').map_or(url.len(), |i| scheme_end + i);
    let Some(at) = url[scheme_end..authority_end].rfind('@').map(|i| scheme_end + i) else { return url.to_owned() };
    match url[scheme_end..at].find(':').map(|i| scheme_end + i) {
        Some(colon) => format!("{}***{}", &url[..=colon], &url[at..]),
        None => url.to_owned(),
    }
}

fn unavailable(err: sqlx::Error) -> StoreError {
    StoreError::Unavailable(DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err))))
}

#[cfg(test)]
mod tests {
    use super::mask_password;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(mask_password("postgres://ana:s3cret@db:5432/helpdesk"), "postgres://ana:***@db:5432/helpdesk");
        assert_eq!(mask_password("postgres://db/helpdesk"), "postgres://db/helpdesk");
        assert_eq!(mask_password("postgres://ana@db/helpdesk"), "postgres://ana@db/helpdesk");
        assert_eq!(mask_password("bad URL postgres://ana:pw@db:x/h"), "bad URL postgres://ana:***@db:x/h");
    }
}
