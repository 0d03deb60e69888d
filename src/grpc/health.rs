//! The standard gRPC health service: one status per public service and for the server as a whole
//! (`""`), NOT_SERVING while the database does not answer and from the start of shutdown; the
//! services that write also while the store's writes are in a storage fault.

use std::{future::Future, time::Duration};

use tokio::sync::watch;
use tonic_health::{ServingStatus, server::HealthReporter};

use crate::store::{Store, StoreError};

/// The public services, by full name, as health and reflection list them.
pub const SERVICES: [&str; 4] = [
    "helpdesk.v1.TriageService",
    "helpdesk.v1.BatchTriageService",
    "helpdesk.v1.TicketStoreService",
    "helpdesk.v1.AuditService",
];

/// The services whose every call stores what it is given: NOT_SERVING while the store's writes are
/// in a storage fault (disk full, read-only, its file deleted or replaced), when the others, which
/// mostly read, keep serving.
pub const WRITING_SERVICES: [&str; 2] = ["helpdesk.v1.TriageService", "helpdesk.v1.BatchTriageService"];

/// Sets the status of every service at once.
#[derive(Clone)]
pub struct Health {
    reporter: HealthReporter,
}

impl Health {
    /// Health statuses published through `reporter`.
    pub fn new(reporter: HealthReporter) -> Self {
        Health { reporter }
    }

    /// Marks every service and the server as a whole serving or not.
    pub async fn set_all(&self, serving: bool) {
        self.set(serving, serving).await;
    }

    /// Marks the writing services by `writes`, the other services and the server as a whole by
    /// `reads`.
    pub async fn set(&self, reads: bool, writes: bool) {
        let status = |ok: bool| if ok { ServingStatus::Serving } else { ServingStatus::NotServing };
        for name in SERVICES.iter().copied().chain([""]) {
            let ok = if WRITING_SERVICES.contains(&name) { writes } else { reads };
            self.reporter.set_service_status(name, status(ok)).await;
        }
    }
}

/// Every `interval` pings the store on its health connection (never queued behind request traffic)
/// and, while its writes are in a storage fault, tries a probe write that ends the fault when it
/// succeeds; a fault raised or cleared by any write is published at once. Until `stopping` turns
/// true; from then on everything stays NOT_SERVING.
pub async fn monitor(store: Store, health: Health, mut stopping: watch::Receiver<bool>, interval: Duration) {
    let mut faults = store.write_fault();
    let mut shown = (true, true);
    loop {
        let tick = tokio::select! {
            _ = tokio::time::sleep(interval) => true,
            changed = faults.changed() => {
                if changed.is_err() {
                    return; // the store is gone
                }
                false
            }
            _ = async { let _ = stopping.wait_for(|s| *s).await; } => return,
        };
        let reads = if tick { checked(interval, store.health_ping(), "database health check").await } else { shown.0 };
        if tick && reads && faults.borrow().is_some() {
            checked(interval, store.probe_write(), "probe write").await;
        }
        let fault = *faults.borrow_and_update();
        let now = (reads, reads && fault.is_none());
        if now != shown && !*stopping.borrow() {
            tracing::info!(
                reads_serving = now.0,
                writes_serving = now.1,
                fault = fault.map(|f| f.as_str()),
                "health status changed"
            );
            health.set(now.0, now.1).await;
            shown = now;
        }
    }
}

/// Whether `work` succeeded within `within`, logging why not.
async fn checked(within: Duration, work: impl Future<Output = Result<(), StoreError>>, what: &str) -> bool {
    match tokio::time::timeout(within, work).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %crate::service::cause_chain(&e), "{what} failed");
            false
        }
        Err(_) => {
            tracing::warn!("{what} timed out");
            false
        }
    }
}
