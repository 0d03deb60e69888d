//! The escalation sweeper: a periodic task that escalates tickets left open past
//! `escalation_threshold_hours`, each with a `ticket.escalated` audit entry. With several instances on
//! one database only the holder of the `escalation-sweep` lease sweeps; it renews the lease on every
//! run, and when it stops (or crashes) another instance takes over once the lease lapses.

mod clock;
mod settings;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::{sync::watch, time::MissedTickBehavior};

pub use clock::{Clock, ManualClock, SystemClock};
pub use settings::SweepSettings;

use crate::{
    domain::Actor,
    metrics::record,
    service::cause_chain,
    store::{Store, StoreError},
    triage::{TriageSettings, escalate},
};

/// The lease the sweeping instance holds.
pub const LEASE: &str = "escalation-sweep";
/// The actor of the sweep's audit entries.
pub const ACTOR: &str = "system:escalation-sweep";

/// What one run of the sweeper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepOutcome {
    /// Another instance holds the lease; nothing was looked at.
    Standby,
    /// This instance holds the lease and escalated this many tickets.
    Swept(usize),
}

/// Escalates ageing tickets, one sweeping instance at a time.
pub struct Sweeper {
    store: Store,
    settings: SweepSettings,
    triage: TriageSettings,
    clock: Arc<dyn Clock>,
    holder: String,
}

impl Sweeper {
    /// A sweeper over `store` reading the time from `clock`, known to other instances as `holder`.
    pub fn new(
        store: Store,
        settings: SweepSettings,
        triage: TriageSettings,
        clock: Arc<dyn Clock>,
        holder: impl Into<String>,
    ) -> Sweeper {
        Sweeper { store, settings, triage, clock, holder: holder.into() }
    }

    /// A name for this process among the instances: host, process id and a random suffix.
    pub fn instance_name() -> String {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "helpdesk".into());
        format!("{host}:{}:{:08x}", std::process::id(), rand::random::<u32>())
    }

    /// The name this sweeper holds the lease under.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Takes or renews the lease, then escalates every open ticket over the threshold, in batches.
    pub async fn sweep_once(&self) -> Result<SweepOutcome, StoreError> {
        let now = self.clock.now();
        if !self.store.try_lease(LEASE, &self.holder, now, self.settings.lease()).await? {
            return Ok(SweepOutcome::Standby);
        }
        let cutoff = now.checked_sub_signed(escalate::age_threshold(&self.triage)).unwrap_or(DateTime::<Utc>::MIN_UTC);
        let batch = u64::from(self.settings.batch_size);
        let mut total = 0;
        loop {
            let decide =
                |t: &crate::domain::Ticket| escalate::for_age(t.priority, t.status, now - t.created_at, &self.triage);
            let swept = self.store.escalate_overdue(cutoff, now, batch, &Actor::named(ACTOR), decide).await?;
            for ticket in &swept {
                record::swept(&ticket.escalation);
                tracing::info!(ticket_id = %ticket.ticket.ticket_id, level = ticket.escalation.level.as_str(), "sweep: ticket escalated");
            }
            total += swept.len();
            if (swept.len() as u64) < batch {
                return Ok(SweepOutcome::Swept(total));
            }
        }
    }

    /// Sweeps every `interval_secs` until `stopping` turns true, then gives the lease up so another
    /// instance takes over at once.
    pub async fn run(self, mut stopping: watch::Receiver<bool>) {
        let mut ticks = tokio::time::interval(self.settings.interval());
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        tracing::info!(holder = %self.holder, interval_secs = self.settings.interval_secs, "sweep: started");
        loop {
            tokio::select! {
                _ = ticks.tick() => match self.sweep_once().await {
                    Ok(SweepOutcome::Swept(n)) if n > 0 => tracing::info!(escalated = n, "sweep: done"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %cause_chain(&e), "sweep: failed; retrying at the next interval"),
                },
                _ = async { let _ = stopping.wait_for(|s| *s).await; } => break,
            }
        }
        if let Err(e) = self.store.release_lease(LEASE, &self.holder).await {
            tracing::warn!(error = %cause_chain(&e), "sweep: could not release the lease; it lapses on its own");
        }
    }
}
