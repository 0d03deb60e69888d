//! How busy the database pool is: connections in use, idle, and the most it opens.

use sea_orm::DatabaseConnectionType;

use super::connect::Store;

/// A sample of the database pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections lent out now.
    pub in_use: u32,
    /// Open connections waiting to be lent.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}

impl Store {
    /// The pool's state now; `None` for a connection that is not a pool this build knows.
    pub fn pool_status(&self) -> Option<PoolStatus> {
        match &self.db.inner {
            DatabaseConnectionType::SqlxSqlitePoolConnection(_) => Some(status(self.db.get_sqlite_connection_pool())),
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
                Some(status(self.db.get_postgres_connection_pool()))
            }
            _ => None,
        }
    }
}

/// The state of a sqlx pool of any database.
fn status<DB: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<DB>) -> PoolStatus {
    let size = pool.size();
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX).min(size);
    PoolStatus { in_use: size - idle, idle, max: pool.options().get_max_connections() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_held_connection_counts_as_in_use_until_returned() {
        use sea_orm::TransactionTrait;
        let store = Store::open_memory().await.expect("memory");
        let txn = store.db.begin().await.expect("begin");
        assert_eq!(store.pool_status(), Some(PoolStatus { in_use: 1, idle: 0, max: 1 }));
        txn.commit().await.expect("commit");
        // The pool takes a connection back on a task of its own; give it a moment.
        let mut status = store.pool_status();
        for _ in 0..100 {
            if status.is_some_and(|s| s.idle == 1) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            status = store.pool_status();
        }
        assert_eq!(status, Some(PoolStatus { in_use: 0, idle: 1, max: 1 }));
    }
}
