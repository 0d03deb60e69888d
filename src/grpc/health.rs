//! The standard gRPC health service: one status per public service and for the server as a whole
//! (`""`), NOT_SERVING while the database does not answer and from the start of shutdown.

use std::time::Duration;

use tokio::sync::watch;
use tonic_health::{ServingStatus, server::HealthReporter};

use crate::store::Store;

/// The public services, by full name, as health and reflection list them.
pub const SERVICES: [&str; 4] = [
    "helpdesk.v1.TriageService",
    "helpdesk.v1.BatchTriageService",
    "helpdesk.v1.TicketStoreService",
    "helpdesk.v1.AuditService",
];

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
        let status = if serving { ServingStatus::Serving } else { ServingStatus::NotServing };
        for name in SERVICES.iter().copied().chain([""]) {
            self.reporter.set_service_status(name, status).await;
        }
    }
}

/// Pings the store every `interval` and publishes the outcome until `stopping` turns true; from then
/// on everything stays NOT_SERVING.
pub async fn monitor(store: Store, health: Health, mut stopping: watch::Receiver<bool>, interval: Duration) {
    let mut serving = true;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = async { let _ = stopping.wait_for(|s| *s).await; } => return,
        }
        let ok = match tokio::time::timeout(interval, store.ping()).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::warn!(error = %crate::service::cause_chain(&e), "database health check failed");
                false
            }
            Err(_) => {
                tracing::warn!("database health check timed out");
                false
            }
        };
        if ok != serving && !*stopping.borrow() {
            tracing::info!(serving = ok, "health status changed");
            health.set_all(ok).await;
            serving = ok;
        }
    }
}
