//! Settings: built-in defaults < config file (`--config` or `HELPDESK_CONFIG`) < `HELPDESK_*`
//! environment variables, parsed into typed values and checked once at start, so nothing later
//! checks them again. Nothing else reads the environment.

use std::{net::SocketAddr, path::PathBuf};

use serde::{Deserialize, Serialize};

mod check;
mod load;
pub mod security;
pub mod values;

pub use load::{CONFIG_FILE_VAR, ConfigError, ENV_VARS, OTHER_VARS, Source, load};
pub use security::{AuditSettings, AuthSettings, JwtSettings, PrivacySettings, ReflectionAccess, TlsSettings};
pub use values::{LogFormat, LogLevel, StoreType};

use crate::{
    domain::{Limits, Priority},
    grpc::RateLimit,
    store::{Durability, PoolSettings, StoreSettings},
    sweeper::SweepSettings,
    triage::settings::{DuplicateSettings, Hours, PriorityBands, ScoreWeights, SlaHours, TriageSettings, Weights},
};

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
    /// What an acknowledged write of the SQLite file store survives: `power-loss` (fsync at every
    /// commit) or `process-crash`.
    pub durability: Durability,
    /// PostgreSQL URL.
    pub database_url: Option<String>,
    /// PostgreSQL connection pool.
    pub database_pool: PoolSettings,
    /// Cache triage results.
    pub cache_enabled: bool,
    /// Seconds a cached result lives (0 to 30 days).
    pub cache_ttl: u64,
    /// Detect every ticket's language, not only when a rule tests `signals.language`.
    pub detect_language: bool,
    /// Hours after which an open ticket is escalated.
    pub escalation_threshold_hours: Hours,
    /// Escalate CRITICAL tickets at once.
    pub auto_escalate_critical: bool,
    /// Longest title.
    pub max_ticket_title_length: usize,
    /// Longest description.
    pub max_ticket_description_length: usize,
    /// Priority of tickets that declare none.
    #[serde(with = "values::priority")]
    pub default_priority: Priority,
    /// How much is logged.
    pub log_level: LogLevel,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Address the gRPC server listens on.
    #[serde(with = "values::address")]
    pub listen_addr: SocketAddr,
    /// Address of the Prometheus endpoint (`GET /metrics`); none serves no metrics.
    #[serde(with = "values::address::optional")]
    pub metrics_addr: Option<SocketAddr>,
    /// Routing rules file; the built-in rules when absent.
    pub rules_path: Option<PathBuf>,
    /// Milliseconds between looks at the rules and principals files for changes.
    pub reload_poll_interval_ms: u64,
    /// Milliseconds between a watcher's looks for audit entries written by other instances.
    pub audit_watch_poll_interval_ms: u64,
    /// Milliseconds between database health checks.
    pub health_check_interval_ms: u64,
    /// Score weights (normalised to add up to 1).
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
    /// Requests handled at once in the whole server (health and reflection aside); more are shed at
    /// once with RESOURCE_EXHAUSTED and a RetryInfo.
    pub max_in_flight_requests: usize,
    /// Calls a second per caller (principal, or address when anonymous); none by default.
    pub rate_limit: RateLimit,
    /// Seconds in-flight requests get to finish at shutdown.
    pub shutdown_grace_secs: u64,
    /// Idle seconds before TCP keepalive probes an accepted connection; 0 turns keepalive off.
    pub tcp_keepalive_secs: u64,
    /// Seconds between HTTP/2 PING frames on an idle connection; 0 sends none.
    pub http2_keepalive_interval_secs: u64,
    /// Learned models.
    pub models: ModelFiles,
    /// Near-duplicate detection.
    pub duplicates: DuplicateSettings,
    /// The background sweep that escalates ageing tickets.
    pub escalation_sweep: SweepSettings,
    /// Who may call.
    pub auth: AuthSettings,
    /// TLS on the gRPC port.
    pub tls: TlsSettings,
    /// Personal data encrypted at rest.
    pub privacy: PrivacySettings,
    /// The audit log's signing key.
    pub audit: AuditSettings,
    /// Limits on what a caller controls (docs/limits.md).
    pub limits: crate::limits::LimitSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            store_type: StoreType::File,
            store_path: PathBuf::from("./data"),
            durability: Durability::PowerLoss,
            database_url: None,
            database_pool: PoolSettings::default(),
            cache_enabled: false,
            cache_ttl: 3600,
            detect_language: false,
            escalation_threshold_hours: TriageSettings::default().escalation_threshold,
            auto_escalate_critical: true,
            max_ticket_title_length: 200,
            max_ticket_description_length: 10_000,
            default_priority: Priority::Medium,
            log_level: LogLevel::Info,
            log_format: LogFormat::Text,
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 50051)),
            metrics_addr: None,
            rules_path: None,
            reload_poll_interval_ms: 2_000,
            audit_watch_poll_interval_ms: 500,
            health_check_interval_ms: 2_000,
            score_weights: ScoreWeights::default(),
            priority_bands: PriorityBands::default(),
            sla_hours: SlaHours::default(),
            request_timeout_secs: 30,
            max_message_bytes: 4 * 1024 * 1024,
            max_concurrent_requests_per_connection: 256,
            max_in_flight_requests: 1024,
            rate_limit: RateLimit::default(),
            shutdown_grace_secs: 10,
            tcp_keepalive_secs: 60,
            http2_keepalive_interval_secs: 30,
            models: ModelFiles::default(),
            duplicates: DuplicateSettings::default(),
            escalation_sweep: SweepSettings::default(),
            auth: AuthSettings::default(),
            tls: TlsSettings::default(),
            privacy: PrivacySettings::default(),
            audit: AuditSettings::default(),
            limits: crate::limits::LimitSettings::default(),
        }
    }
}

impl Settings {
    /// The settings the triage pipeline reads.
    pub fn triage_settings(&self) -> TriageSettings {
        TriageSettings {
            limits: Limits {
                max_title_chars: self.max_ticket_title_length,
                max_description_chars: self.max_ticket_description_length,
                default_priority: self.default_priority,
            },
            escalation_threshold: self.escalation_threshold_hours,
            auto_escalate_critical: self.auto_escalate_critical,
            // Checked at load: the weights can be normalised.
            weights: self.score_weights.normalised().unwrap_or_else(|_| Weights::default()),
            bands: self.priority_bands,
            sla_hours: self.sla_hours,
            detect_language: self.detect_language,
        }
    }

    /// Where the store keeps its data.
    pub fn store_settings(&self) -> StoreSettings {
        match self.store_type {
            StoreType::Memory => StoreSettings::Memory,
            StoreType::File => StoreSettings::File { dir: self.store_path.clone(), durability: self.durability },
            StoreType::Postgres => {
                StoreSettings::Postgres { url: self.database_url.clone().unwrap_or_default(), pool: self.database_pool }
            }
        }
    }

    /// The SQLite file for the `file` store.
    pub fn sqlite_file(&self) -> PathBuf {
        self.store_path.join(crate::store::SQLITE_FILE)
    }
}
