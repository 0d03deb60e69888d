//! Settings: built-in defaults < config file (`--config` or `HELPDESK_CONFIG`) < `HELPDESK_*`
//! environment variables, parsed and checked once at start. Nothing else reads the environment.

use std::path::PathBuf;

use config::{Config, File, FileFormat};
use serde::{Deserialize, Serialize};

mod check;

use crate::{
    domain::{Limits, Priority},
    store::PoolSettings,
    sweeper::SweepSettings,
    triage::settings::{DuplicateSettings, PriorityBands, ScoreWeights, SlaHours, TriageSettings},
};

/// Each file key that an environment variable can override, with its variable.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("store_type", "HELPDESK_STORE_TYPE"),
    ("store_path", "HELPDESK_STORE_PATH"),
    ("database_url", "HELPDESK_DATABASE_URL"),
    ("database_pool.size", "HELPDESK_DATABASE_POOL_SIZE"),
    ("database_pool.connect_timeout_secs", "HELPDESK_DATABASE_CONNECT_TIMEOUT"),
    ("database_pool.acquire_timeout_secs", "HELPDESK_DATABASE_ACQUIRE_TIMEOUT"),
    ("cache_enabled", "HELPDESK_CACHE_ENABLED"),
    ("cache_ttl", "HELPDESK_CACHE_TTL"),
    ("escalation_threshold_hours", "HELPDESK_ESCALATION_THRESHOLD"),
    ("auto_escalate_critical", "HELPDESK_AUTO_ESCALATE_CRITICAL"),
    ("max_ticket_title_length", "HELPDESK_MAX_TICKET_TITLE_LENGTH"),
    ("max_ticket_description_length", "HELPDESK_MAX_TICKET_DESCRIPTION_LENGTH"),
    ("default_priority", "HELPDESK_DEFAULT_PRIORITY"),
    ("log_level", "HELPDESK_LOG_LEVEL"),
    ("log_format", "HELPDESK_LOG_FORMAT"),
    ("listen_addr", "HELPDESK_LISTEN_ADDR"),
    ("metrics_addr", "HELPDESK_METRICS_ADDR"),
    ("rules_path", "HELPDESK_RULES_PATH"),
    ("models.category.path", "HELPDESK_CATEGORY_MODEL"),
    ("models.queue.path", "HELPDESK_QUEUE_MODEL"),
    ("escalation_sweep.enabled", "HELPDESK_ESCALATION_SWEEP_ENABLED"),
    ("escalation_sweep.interval_secs", "HELPDESK_ESCALATION_SWEEP_INTERVAL"),
];

/// The variable that names a config file when `--config` is not given.
pub const CONFIG_FILE_VAR: &str = "HELPDESK_CONFIG";

/// Where tickets are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreType {
    /// SQLite in memory; gone when the process ends.
    Memory,
    /// SQLite file `<store_path>/helpdesk.db`.
    File,
    /// PostgreSQL at `database_url`.
    Postgres,
}

/// A learned model file and the confidence its predictions must reach to be used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// The model file written by `helpdesk train`.
    pub path: PathBuf,
    /// Predictions below this confidence are not used (0 to 1; default 0.5).
    #[serde(default = "default_min_confidence")]
    pub min_confidence: f64,
}

fn default_min_confidence() -> f64 {
    0.5
}

/// The learned models the service loads, one per predicted field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelFiles {
    /// Predicts the category (trained on a category column).
    pub category: Option<ModelFile>,
    /// Predicts the queue (trained on a queue column).
    pub queue: Option<ModelFile>,
}

/// Every setting of the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Store kind.
    pub store_type: StoreType,
    /// Folder of the SQLite file.
    pub store_path: PathBuf,
    /// PostgreSQL URL.
    pub database_url: Option<String>,
    /// PostgreSQL connection pool.
    pub database_pool: PoolSettings,
    /// Cache triage results.
    pub cache_enabled: bool,
    /// Seconds a cached result lives.
    pub cache_ttl: u64,
    /// Hours after which an open ticket is escalated.
    pub escalation_threshold_hours: f64,
    /// Escalate CRITICAL tickets at once.
    pub auto_escalate_critical: bool,
    /// Longest title.
    pub max_ticket_title_length: usize,
    /// Longest description.
    pub max_ticket_description_length: usize,
    /// Priority of tickets that declare none (low, medium, high, critical).
    pub default_priority: String,
    /// trace, debug, info, warn or error (any case).
    pub log_level: String,
    /// `text` or `json`.
    pub log_format: String,
    /// Address the gRPC server listens on.
    pub listen_addr: String,
    /// Address of the Prometheus endpoint (`GET /metrics`); none serves no metrics.
    pub metrics_addr: Option<String>,
    /// Routing rules file; the built-in rules when absent.
    pub rules_path: Option<PathBuf>,
    /// Score weights.
    pub score_weights: ScoreWeights,
    /// Score bands that raise the priority.
    pub priority_bands: PriorityBands,
    /// Response-time targets per priority.
    pub sla_hours: SlaHours,
    /// Seconds a unary request may take before it is cancelled.
    pub request_timeout_secs: u64,
    /// Largest gRPC message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Requests served at once on one connection; more are refused at once with RESOURCE_EXHAUSTED.
    pub max_concurrent_requests_per_connection: usize,
    /// Seconds in-flight requests get to finish at shutdown.
    pub shutdown_grace_secs: u64,
    /// Learned models.
    pub models: ModelFiles,
    /// Near-duplicate detection.
    pub duplicates: DuplicateSettings,
    /// The background sweep that escalates ageing tickets.
    pub escalation_sweep: SweepSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            store_type: StoreType::File,
            store_path: PathBuf::from("./data"),
            database_url: None,
            database_pool: PoolSettings::default(),
            cache_enabled: true,
            cache_ttl: 3600,
            escalation_threshold_hours: 24.0,
            auto_escalate_critical: true,
            max_ticket_title_length: 200,
            max_ticket_description_length: 10_000,
            default_priority: "medium".into(),
            log_level: "INFO".into(),
            log_format: "text".into(),
            listen_addr: "127.0.0.1:50051".into(),
            metrics_addr: None,
            rules_path: None,
            score_weights: ScoreWeights::default(),
            priority_bands: PriorityBands::default(),
            sla_hours: SlaHours::default(),
            request_timeout_secs: 30,
            max_message_bytes: 4 * 1024 * 1024,
            max_concurrent_requests_per_connection: 256,
            shutdown_grace_secs: 10,
            models: ModelFiles::default(),
            duplicates: DuplicateSettings::default(),
            escalation_sweep: SweepSettings::default(),
        }
    }
}

/// Why the settings could not be loaded; the message names the key or variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or parsed, or a value has the wrong type.
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    /// A value has the right type but is not allowed.
    #[error("configuration: {key}: {reason}")]
    Invalid {
        /// The offending key.
        key: String,
        /// Why.
        reason: String,
    },
}

pub(crate) fn invalid(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.to_owned(), reason: reason.into() }
}

/// Loads the settings from an optional file and the given environment (pass `std::env::vars()`).
pub fn load(
    file: Option<&std::path::Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, ConfigError> {
    let env: Vec<(String, String)> = env.into_iter().collect();
    let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut builder = Config::builder();
    let file = file.map(PathBuf::from).or_else(|| lookup(CONFIG_FILE_VAR).filter(|v| !v.is_empty()).map(PathBuf::from));
    if let Some(path) = &file {
        if !path.exists() {
            return Err(invalid("config", format!("file {} does not exist", path.display())));
        }
        let format = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => FileFormat::Json,
            Some("toml") => FileFormat::Toml,
            Some("yaml" | "yml") => FileFormat::Yaml,
            _ => return Err(invalid("config", format!("{}: use a .json, .toml or .yaml file", path.display()))),
        };
        builder = builder.add_source(File::from(path.as_path()).format(format));
    }
    for (key, var) in ENV_VARS {
        if let Some(value) = lookup(var) {
            builder = builder.set_override(*key, value)?;
        }
    }
    let settings: Settings = builder.build()?.try_deserialize()?;
    settings.check()?;
    Ok(settings)
}

impl Settings {
    /// The default priority as a value.
    pub fn default_priority(&self) -> Result<Priority, String> {
        self.default_priority.parse()
    }

    /// The log level as a tracing filter directive (lower case).
    pub fn log_filter(&self) -> Result<String, String> {
        let level = self.log_level.trim().to_ascii_lowercase();
        let level = if level == "warning" { "warn".to_owned() } else { level };
        match level.as_str() {
            "trace" | "debug" | "info" | "warn" | "error" | "off" => Ok(level),
            _ => Err(format!("must be one of TRACE, DEBUG, INFO, WARN, ERROR, got {:?}", self.log_level)),
        }
    }

    /// The settings the triage pipeline reads.
    pub fn triage_settings(&self) -> TriageSettings {
        TriageSettings {
            limits: Limits {
                max_title_chars: self.max_ticket_title_length,
                max_description_chars: self.max_ticket_description_length,
                default_priority: self.default_priority().unwrap_or(Priority::Medium),
            },
            escalation_threshold_hours: self.escalation_threshold_hours,
            auto_escalate_critical: self.auto_escalate_critical,
            weights: self.score_weights,
            bands: self.priority_bands,
            sla_hours: self.sla_hours,
        }
    }

    /// The SQLite file for the `file` store.
    pub fn sqlite_file(&self) -> PathBuf {
        self.store_path.join("helpdesk.db")
    }
}
