//! How the store reports what it waited for, without knowing who listens: a small trait the metrics
//! implement, and a no-op when nobody does.

use std::{future::Future, sync::Arc, time::Duration, time::Instant};

use super::{connect::Store, error::StoreError};

/// Hears how long each database operation took (`begin_write`, `write_transaction`, `get_ticket`, ...).
pub trait StoreObserver: Send + Sync + 'static {
    /// `operation` finished after `elapsed`.
    fn operation_finished(&self, operation: &'static str, elapsed: Duration);

    /// One shared write transaction (group commit) stored the triages of `calls` callers, `items` in
    /// all.
    fn group_written(&self, calls: usize, items: usize) {
        let _ = (calls, items);
    }

    /// A shared write transaction of `calls` callers failed with `error`; each caller's triages are
    /// written in a transaction of their own.
    fn group_split(&self, calls: usize, error: &StoreError) {
        let _ = (calls, error);
    }
}

/// Hears nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unobserved;

impl StoreObserver for Unobserved {
    fn operation_finished(&self, _: &'static str, _: Duration) {}
}

/// The observer a store starts with.
pub(super) fn unobserved() -> Arc<dyn StoreObserver> {
    Arc::new(Unobserved)
}

impl Store {
    /// The same store (and pool), reporting its operations to `observer`.
    pub fn observed_by(mut self, observer: Arc<dyn StoreObserver>) -> Store {
        self.observer = observer;
        self
    }

    /// Runs `work`, reporting how long it took as `operation`.
    pub(super) async fn timed<T>(&self, operation: &'static str, work: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let out = work.await;
        self.finished(operation, started);
        out
    }

    /// Reports the time since `started` as `operation`.
    pub(super) fn finished(&self, operation: &'static str, started: Instant) {
        self.observer.operation_finished(operation, started.elapsed());
    }
}
