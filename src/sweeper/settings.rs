//! Settings of the escalation sweeper (config key `escalation_sweep`), bounded so that no time
//! computed from them can overflow.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The longest interval between sweeps: one day.
const MAX_INTERVAL_SECS: u64 = 86_400;
/// The longest lease: seven days.
const MAX_LEASE_SECS: u64 = 7 * 86_400;
/// The largest batch.
const MAX_BATCH: u32 = 10_000;

/// How often the sweeper runs and how long its lease lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepSettings {
    /// Run the sweeper in `helpdesk serve`.
    pub enabled: bool,
    /// Seconds between sweeps.
    pub interval_secs: u64,
    /// Seconds the sweeping instance's lease lasts without renewal; another instance takes over after it.
    pub lease_secs: u64,
    /// Most tickets escalated in one transaction.
    pub batch_size: u32,
}

impl Default for SweepSettings {
    fn default() -> Self {
        SweepSettings { enabled: true, interval_secs: 60, lease_secs: 180, batch_size: 200 }
    }
}

impl SweepSettings {
    /// Why these settings cannot be used, if they cannot.
    pub fn problem(&self) -> Option<String> {
        if !(1..=MAX_INTERVAL_SECS).contains(&self.interval_secs) {
            return Some(format!(
                "interval_secs must be between 1 and {MAX_INTERVAL_SECS}, got {}",
                self.interval_secs
            ));
        }
        if !(1..=MAX_BATCH).contains(&self.batch_size) {
            return Some(format!("batch_size must be between 1 and {MAX_BATCH}, got {}", self.batch_size));
        }
        if self.lease_secs > MAX_LEASE_SECS {
            return Some(format!("lease_secs must be at most {MAX_LEASE_SECS}, got {}", self.lease_secs));
        }
        if self.lease_secs <= self.interval_secs {
            return Some(format!(
                "lease_secs ({}) must be longer than interval_secs ({}) so the sweeping instance renews its lease in time",
                self.lease_secs, self.interval_secs
            ));
        }
        None
    }

    /// Time between sweeps.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval_secs.min(MAX_INTERVAL_SECS))
    }

    /// How long a lease lasts.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.lease_secs.min(MAX_LEASE_SECS) as i64)
    }
}
