//! Connection pool settings for the PostgreSQL store (config key `database_pool`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the service pools its PostgreSQL connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoolSettings {
    /// Most connections one instance opens (the sum over instances must stay under the server's
    /// `max_connections`).
    pub size: u32,
    /// Connections kept open while idle.
    pub min_idle: u32,
    /// Seconds to wait for a new connection to the database.
    pub connect_timeout_secs: u64,
    /// Seconds a request waits for a free pooled connection before it is answered UNAVAILABLE.
    pub acquire_timeout_secs: u64,
    /// Seconds an idle connection is kept before it is closed.
    pub idle_timeout_secs: u64,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            size: 10,
            min_idle: 1,
            connect_timeout_secs: 5,
            acquire_timeout_secs: 10,
            idle_timeout_secs: 600,
        }
    }
}

impl PoolSettings {
    /// Why these settings cannot be used, if they cannot.
    pub fn problem(&self) -> Option<String> {
        if self.size < 2 {
            return Some(format!(
                "size must be at least 2 (one connection holds the migration lock), got {}",
                self.size
            ));
        }
        if self.min_idle > self.size {
            return Some(format!("min_idle ({}) must not exceed size ({})", self.min_idle, self.size));
        }
        if self.connect_timeout_secs == 0 || self.acquire_timeout_secs == 0 {
            return Some("connect_timeout_secs and acquire_timeout_secs must be at least 1".into());
        }
        None
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }

    /// How long a caller waits for a pooled connection.
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.acquire_timeout_secs)
    }

    /// How long an idle connection lives (none when 0).
    pub fn idle_timeout(&self) -> Option<Duration> {
        (self.idle_timeout_secs > 0).then(|| Duration::from_secs(self.idle_timeout_secs))
    }
}
