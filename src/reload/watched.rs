//! A file watched for changes by its content's digest, and the poll that looks at it: what the rules
//! and the principals reloaders share.

use std::{
    future::Future,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, MutexGuard, watch};

/// One watched file. Cheap to clone; clones share what was seen.
#[derive(Clone)]
pub(super) struct WatchedFile {
    path: PathBuf,
    /// Digest of the content last looked at, so an unchanged (or an already refused) file is not
    /// loaded again by the poll.
    seen: Arc<Mutex<Option<[u8; 32]>>>,
}

/// Held while one reload runs: reloads of one file never overlap.
pub(super) type ReloadGuard<'a> = MutexGuard<'a, Option<[u8; 32]>>;

impl WatchedFile {
    /// Watches `path`; its current content counts as seen (it is what is in force).
    pub(super) fn new(path: &Path) -> WatchedFile {
        let seen = std::fs::read(path).ok().map(|bytes| digest(&bytes));
        WatchedFile { path: path.to_owned(), seen: Arc::new(Mutex::new(seen)) }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a reload: waits for any other to end, and counts the file's content now as seen.
    pub(super) async fn begin_reload(&self) -> ReloadGuard<'_> {
        let mut seen = self.seen.lock().await;
        if let Ok(bytes) = tokio::fs::read(&self.path).await {
            *seen = Some(digest(&bytes));
        }
        seen
    }

    /// Whether the content differs from what was last seen (an unreadable file has not changed:
    /// it is looked at again on the next poll).
    pub(super) async fn changed(&self) -> bool {
        match tokio::fs::read(&self.path).await {
            Ok(bytes) => *self.seen.lock().await != Some(digest(&bytes)),
            Err(_) => false,
        }
    }
}

/// Runs `look` every `interval` until `stop` turns true; a slow look delays the next, never piles up.
pub(super) async fn poll<F, Fut>(interval: Duration, mut stop: watch::Receiver<bool>, mut look: F)
where
    F: FnMut() -> Fut,
    Fut: Future,
{
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => { look().await; }
            changed = stop.changed() => if changed.is_err() || *stop.borrow() { return },
        }
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
