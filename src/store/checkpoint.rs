//! The WAL checkpointer of a SQLite file store: copies committed pages from the write-ahead log into
//! the database file from a task of its own, so no request pays for a checkpoint (and its fsync) on
//! its way out, as SQLite's automatic checkpoint at commit would have it do.

use std::{sync::Weak, time::Duration};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tokio::sync::watch;

/// How often the checkpointer looks at the log.
const EVERY: Duration = Duration::from_millis(100);

/// WAL pages after which a committing connection checkpoints by itself (SQLite's automatic
/// checkpoint, 1,000 pages by default): a backstop, reached only when the checkpointer falls behind.
pub(super) const AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// Bytes the log file is cut back to after a checkpoint reset it (it grows again under load).
pub(super) const JOURNAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// Starts the checkpointer of `db`: a passive checkpoint (it waits for no reader or writer) every
/// 100 ms while anything was committed since the last. It ends when the store is gone (`alive` has
/// no owner left) or its pool was closed.
pub(super) fn start(db: DatabaseConnection, alive: Weak<watch::Sender<i64>>) {
    tokio::spawn(async move {
        let mut last_seen = None;
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(committed) = alive.upgrade() else { return };
            // The last committed audit sequence changes with every commit that matters here.
            let sequence = *committed.borrow();
            drop(committed);
            if last_seen == Some(sequence) {
                continue;
            }
            let checkpoint = Statement::from_string(db.get_database_backend(), "PRAGMA wal_checkpoint(PASSIVE)");
            match db.query_one_raw(checkpoint).await {
                Ok(_) => last_seen = Some(sequence),
                Err(_) if db.ping().await.is_err() => return, // closed
                Err(err) => tracing::debug!(error = %err, "store: WAL checkpoint did not run; trying again"),
            }
        }
    });
}
