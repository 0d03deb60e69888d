//! Storage faults: a write that failed because the disk is full, the store is read-only or its disk
//! failed, the database file was deleted or replaced under the server, or the database cannot be
//! reached. The store remembers the fault until a write succeeds again (a caller's, or the health
//! monitor's probe), so health can say NOT_SERVING for the services that write while reads go on.

use std::{
    fmt,
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sea_orm::{DbErr, RuntimeErr, sqlx};
use tokio::sync::watch;

/// Why the store cannot write, in words a caller may be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    /// The disk (or the database's size limit) is full.
    DiskFull,
    /// The store's files or file system are read-only.
    ReadOnly,
    /// Reading or writing the store's files failed.
    Io,
    /// The database file was deleted while the server had it open.
    FileDeleted,
    /// The database file was replaced by another while the server had it open.
    FileReplaced,
    /// The database server cannot be reached (a lost or refused connection).
    Unreachable,
}

impl StorageFault {
    /// A short name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageFault::DiskFull => "disk_full",
            StorageFault::ReadOnly => "read_only",
            StorageFault::Io => "io_error",
            StorageFault::FileDeleted => "file_deleted",
            StorageFault::FileReplaced => "file_replaced",
            StorageFault::Unreachable => "unreachable",
        }
    }

    /// The fault behind a database error, if it is one (a busy lock or a saturated pool is not).
    pub(super) fn of(err: &DbErr) -> Option<StorageFault> {
        let e = match err {
            DbErr::Conn(RuntimeErr::SqlxError(e))
            | DbErr::Exec(RuntimeErr::SqlxError(e))
            | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
            _ => return None,
        };
        match e.as_ref() {
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => Some(StorageFault::Unreachable),
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // By primary result code: SQLITE_READONLY (8), SQLITE_IOERR (10), SQLITE_CORRUPT (11),
                    // SQLITE_FULL (13), SQLITE_CANTOPEN (14), SQLITE_NOTADB (26).
                    match code.parse::<i64>().map(|c| c & 0xff) {
                        Ok(13) => Some(StorageFault::DiskFull),
                        Ok(8) => Some(StorageFault::ReadOnly),
                        Ok(10 | 11 | 14 | 26) => Some(StorageFault::Io),
                        _ => None,
                    }
                } else {
                    // PostgreSQL: disk full, read-only transaction, connection exceptions, shutting down.
                    match code.as_ref() {
                        "53100" => Some(StorageFault::DiskFull),
                        "25006" => Some(StorageFault::ReadOnly),
                        c if c.starts_with("08") || c.starts_with("57P0") || c.starts_with("58") => {
                            Some(StorageFault::Unreachable)
                        }
                        _ => None,
                    }
                }
            }
            _ => None,
        }
    }
}

impl fmt::Display for StorageFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StorageFault::DiskFull => "the disk holding the store is full",
            StorageFault::ReadOnly => "the store is read-only",
            StorageFault::Io => "the store's disk failed to read or write",
            StorageFault::FileDeleted => "the database file was deleted while the server ran (restart the server)",
            StorageFault::FileReplaced => "the database file was replaced while the server ran (restart the server)",
            StorageFault::Unreachable => "the database cannot be reached",
        })
    }
}

/// The fault the store's writes are in, shared by every clone of a store, and when the last one
/// ended.
#[derive(Debug, Clone)]
pub(super) struct Faults {
    state: Arc<watch::Sender<Option<StorageFault>>>,
    recovered_at: Arc<Mutex<Option<Instant>>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults { state: Arc::new(watch::channel(None).0), recovered_at: Arc::default() }
    }
}

impl Faults {
    /// Remembers `fault` (logged when it is new).
    pub(super) fn raise(&self, fault: StorageFault) {
        let changed = self.state.send_if_modified(|now| {
            let new = *now != Some(fault);
            *now = Some(fault);
            new
        });
        if changed {
            tracing::error!(fault = fault.as_str(), "store: writes fail: {fault}");
        }
    }

    /// A write succeeded: the fault, if any, is over (logged).
    pub(super) fn clear(&self) {
        if self.state.borrow().is_none() {
            return;
        }
        if let Some(was) = self.state.send_replace(None) {
            *self.recovered_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
            tracing::info!(fault = was.as_str(), "store: writes succeed again");
        }
    }

    /// The fault writes are in now, if any.
    pub(super) fn current(&self) -> Option<StorageFault> {
        *self.state.borrow()
    }

    /// Whether a connection handed back now is closed rather than kept: while a fault of the files'
    /// contents or permissions lasts (a connection opened in it may be read-only for good). Not
    /// while the file is deleted or replaced: the connections open on the store's own file are the
    /// ones that still read it.
    pub(super) fn discards_connections(&self) -> bool {
        matches!(*self.state.borrow(), Some(f) if !matches!(f, StorageFault::FileDeleted | StorageFault::FileReplaced))
    }

    /// Whether a connection opened `age` ago was opened before the last fault ended: it may have
    /// been opened read-only (SQLite falls back to that when it cannot open a file for writing)
    /// or seen a file that is no longer there, so it is not lent again.
    pub(super) fn opened_before_recovery(&self, age: Duration) -> bool {
        let recovered = *self.recovered_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        recovered.is_some_and(|at| Instant::now().checked_sub(age).is_none_or(|opened| opened < at))
    }

    pub(super) fn subscribe(&self) -> watch::Receiver<Option<StorageFault>> {
        self.state.subscribe()
    }
}

/// The database file a file store opened, by device and inode, to tell when it is deleted or
/// replaced under the server: SQLite goes on writing to the file it has open, which nobody will
/// ever read again.
#[derive(Debug, Clone)]
pub(super) struct FileIdentity {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

/// Room a full disk must have again before a probe write may end its fault: a probe rewrites a page
/// SQLite already has, which can succeed on a disk with no room for a ticket.
pub(super) const ROOM_AFTER_DISK_FULL: u64 = 1 << 20;

impl FileIdentity {
    /// Whether the file system holding the file has [`ROOM_AFTER_DISK_FULL`] available to the
    /// server (true when it cannot tell).
    pub(super) fn has_room(&self) -> bool {
        let folder = self.path.parent().unwrap_or(&self.path);
        match rustix::fs::statvfs(folder) {
            Ok(stats) => stats.f_bavail.saturating_mul(stats.f_frsize) >= ROOM_AFTER_DISK_FULL,
            Err(_) => true,
        }
    }

    /// The identity of the file at `path` now.
    pub(super) fn of(path: &Path) -> std::io::Result<FileIdentity> {
        let meta = std::fs::metadata(path)?;
        Ok(FileIdentity { path: path.to_path_buf(), dev: meta.dev(), ino: meta.ino() })
    }

    /// Whether the path still names the file that was opened (one `stat`).
    pub(super) fn check(&self) -> Result<(), StorageFault> {
        match std::fs::metadata(&self.path) {
            Ok(meta) if meta.dev() == self.dev && meta.ino() == self.ino => Ok(()),
            Ok(_) => Err(StorageFault::FileReplaced),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StorageFault::FileDeleted),
            Err(_) => Err(StorageFault::Io),
        }
    }
}

#[cfg(test)]
mod tests;
