//! What the store needs to know to open: where the data lives, and how PostgreSQL connections are
//! pooled (config key `database_pool`). The configuration builds these; the store reads nothing else.

use std::{path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

/// Where the store keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSettings {
    /// SQLite in memory (one shared connection); gone when the process ends.
    Memory,
    /// The SQLite file `helpdesk.db` in this folder.
    File {
        /// The folder (`store_path`).
        dir: PathBuf,
        /// What an acknowledged write survives (`durability`).
        durability: Durability,
    },
    /// PostgreSQL.
    Postgres {
        /// The connection URL (`database_url`).
        url: String,
        /// The pool.
        pool: PoolSettings,
    },
}

impl StoreSettings {
    /// The SQLite file of a file store.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match self {
            StoreSettings::File { dir, .. } => Some(dir.join(super::connect::SQLITE_FILE)),
            _ => None,
        }
    }

    /// Where the data is, in words: the SQLite file, "in memory" or "PostgreSQL".
    pub fn describe(&self) -> String {
        match self {
            StoreSettings::Memory => "in memory".into(),
            StoreSettings::File { dir, .. } => dir.join(super::connect::SQLITE_FILE).display().to_string(),
            StoreSettings::Postgres { .. } => "PostgreSQL".into(),
        }
    }
}

impl StoreSettings {
    /// A file store in `dir` with the default durability.
    pub fn file(dir: impl Into<PathBuf>) -> StoreSettings {
        StoreSettings::File { dir: dir.into(), durability: Durability::default() }
    }
}

/// What an acknowledged write of a SQLite file store survives (config key `durability`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Durability {
    /// A crash of the process, of the operating system, or a power loss: every commit waits for
    /// its fsync (`synchronous=FULL`; one per group of triages).
    #[default]
    PowerLoss,
    /// A crash of the process only: a commit is in the operating system's hands, not yet on disk
    /// (`synchronous=NORMAL` in WAL mode); an OS crash or power loss may roll back acknowledged
    /// writes.
    ProcessCrash,
}

impl Durability {
    /// The value's name in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Durability::PowerLoss => "power-loss",
            Durability::ProcessCrash => "process-crash",
        }
    }
}

/// The most connections one pool opens.
const MAX_POOL_SIZE: u32 = 1_000;
/// The longest connect or acquire timeout: one hour.
const MAX_TIMEOUT_SECS: u64 = 3_600;
/// The longest an idle connection is kept: one day.
const MAX_IDLE_SECS: u64 = 86_400;

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
        if self.size > MAX_POOL_SIZE {
            return Some(format!("size must be at most {MAX_POOL_SIZE}, got {}", self.size));
        }
        for (name, secs) in
            [("connect_timeout_secs", self.connect_timeout_secs), ("acquire_timeout_secs", self.acquire_timeout_secs)]
        {
            if !(1..=MAX_TIMEOUT_SECS).contains(&secs) {
                return Some(format!("{name} must be between 1 and {MAX_TIMEOUT_SECS}, got {secs}"));
            }
        }
        if self.idle_timeout_secs > MAX_IDLE_SECS {
            return Some(format!("idle_timeout_secs must be at most {MAX_IDLE_SECS}, got {}", self.idle_timeout_secs));
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
