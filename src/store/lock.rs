//! The lock that keeps a restore from replacing a SQLite store under a running server: every server
//! on the store holds `helpdesk.lock` beside the database shared, a restore holds it exclusively.

use std::{
    fs::{File, OpenOptions, TryLockError},
    path::Path,
};

use super::error::StoreError;

/// The lock file's name inside `store_path`.
pub const LOCK_FILE: &str = "helpdesk.lock";

/// A held store lock; dropping it lets go.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// Who is holding the lock in a way that conflicts with the one asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// A server using the store (many at once).
    Shared,
    /// A restore replacing the store (alone).
    Exclusive,
}

impl StoreLock {
    /// Takes the lock of the store folder `dir` (created 0700 if missing; the lock file 0600) without
    /// waiting; refuses with `FailedPrecondition` when it is held in a conflicting way.
    pub fn acquire(dir: &Path, mode: LockMode) -> Result<StoreLock, StoreError> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let io = |e: std::io::Error| {
            StoreError::FailedPrecondition(format!("cannot lock the store at {}: {e}", dir.display()))
        };
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(dir.join(LOCK_FILE))
            .map_err(io)?;
        let taken = match mode {
            LockMode::Shared => file.try_lock_shared(),
            LockMode::Exclusive => file.try_lock(),
        };
        match taken {
            Ok(()) => Ok(StoreLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(StoreError::FailedPrecondition(match mode {
                LockMode::Shared => {
                    format!("the store at {} is being restored; start again when that is done", dir.display())
                }
                LockMode::Exclusive => {
                    format!("a server is using the store at {}; stop it first", dir.display())
                }
            })),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_share_the_lock_and_a_restore_needs_it_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = StoreLock::acquire(dir.path(), LockMode::Shared).expect("first server");
        let b = StoreLock::acquire(dir.path(), LockMode::Shared).expect("second server");
        let err = StoreLock::acquire(dir.path(), LockMode::Exclusive).expect_err("servers run");
        assert!(err.to_string().contains("a server is using the store"), "{err}");
        drop((a, b));
        let restore = StoreLock::acquire(dir.path(), LockMode::Exclusive).expect("no server");
        let err = StoreLock::acquire(dir.path(), LockMode::Shared).expect_err("restoring");
        assert!(err.to_string().contains("is being restored"), "{err}");
        drop(restore);
    }

    #[test]
    fn the_lock_file_and_a_folder_it_creates_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("store");
        let _lock = StoreLock::acquire(&store, LockMode::Shared).expect("locked");
        let mode = |path: &Path| std::fs::metadata(path).expect("exists").permissions().mode() & 0o777;
        assert_eq!((mode(&store), mode(&store.join(LOCK_FILE))), (0o700, 0o600));
    }
}
