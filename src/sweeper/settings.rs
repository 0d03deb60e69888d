//! Settings of the escalation sweeper (config key `escalation_sweep`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

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
        if self.interval_secs == 0 || self.batch_size == 0 {
            return Some("interval_secs and batch_size must be at least 1".into());
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
        Duration::from_secs(self.interval_secs)
    }

    /// How long a lease lasts.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.lease_secs).unwrap_or(i64::MAX / 1000))
    }
}
