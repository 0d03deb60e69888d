//! The checks of values whose type is right but whose meaning is not: bounds, combinations, and
//! the values a component would otherwise have to refuse later. Each error names its key.

use super::{Settings, StoreType, load::ConfigError, load::invalid};

/// The longest a cached result may live: 30 days.
const MAX_CACHE_TTL_SECS: u64 = 30 * 24 * 3600;
/// The longest request timeout: one hour.
const MAX_REQUEST_TIMEOUT_SECS: u64 = 3600;
/// The longest shutdown grace: ten minutes.
const MAX_SHUTDOWN_GRACE_SECS: u64 = 600;
/// The largest message: 64 MiB.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// The longest text a title or description may be configured to allow.
const MAX_TEXT_CHARS: usize = 10_000_000;
/// The bounds of a poll interval in milliseconds: 10 ms to one hour.
const POLL_MS: (u64, u64) = (10, 3_600_000);

/// `value` within `low..=high`, or an error naming `key` and the bounds.
fn within<T: PartialOrd + std::fmt::Display>(key: &str, value: T, low: T, high: T) -> Result<(), ConfigError> {
    if value < low || value > high {
        return Err(invalid(key, format!("must be between {low} and {high}, got {value}")));
    }
    Ok(())
}

impl Settings {
    /// Checks values whose type is right but whose meaning is not.
    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(metrics) = self.metrics_addr
            && metrics == self.listen_addr
            && metrics.port() != 0
        {
            return Err(invalid("metrics_addr", "must differ from listen_addr"));
        }
        match self.database_url.as_deref() {
            None | Some("") if self.store_type == StoreType::Postgres => {
                return Err(invalid("database_url", "is required when store_type is postgres"));
            }
            Some(url) if !(url.is_empty() || url.starts_with("postgres://") || url.starts_with("postgresql://")) => {
                return Err(invalid("database_url", "must start with postgres:// or postgresql://"));
            }
            _ => {}
        }
        if let Some(problem) = self.database_pool.problem() {
            return Err(invalid("database_pool", problem));
        }
        if let Some(problem) = self.escalation_sweep.problem() {
            return Err(invalid("escalation_sweep", problem));
        }
        within("cache_ttl", self.cache_ttl, 0, MAX_CACHE_TTL_SECS)?;
        within("max_ticket_title_length", self.max_ticket_title_length, 1, MAX_TEXT_CHARS)?;
        within("max_ticket_description_length", self.max_ticket_description_length, 1, MAX_TEXT_CHARS)?;
        if let Err(problem) = self.score_weights.normalised() {
            return Err(invalid("score_weights", problem));
        }
        if let Some(problem) = self.priority_bands.problem() {
            return Err(invalid("priority_bands", problem));
        }
        within("max_message_bytes", self.max_message_bytes, 1024, MAX_MESSAGE_BYTES)?;
        for (name, model) in [("category", &self.models.category), ("queue", &self.models.queue)] {
            if let Some(m) = model.as_ref().filter(|m| !(0.0..=1.0).contains(&m.min_confidence)) {
                return Err(invalid(
                    &format!("models.{name}.min_confidence"),
                    format!("must be 0 to 1, got {}", m.min_confidence),
                ));
            }
        }
        if let Some((key, problem)) = self.limits.problem() {
            return Err(invalid(key, problem));
        }
        if let Some(problem) = self.duplicates.problem() {
            return Err(invalid("duplicates", problem));
        }
        within("request_timeout_secs", self.request_timeout_secs, 1, MAX_REQUEST_TIMEOUT_SECS)?;
        within("shutdown_grace_secs", self.shutdown_grace_secs, 0, MAX_SHUTDOWN_GRACE_SECS)?;
        within("tcp_keepalive_secs", self.tcp_keepalive_secs, 0, 7_200)?;
        within("http2_keepalive_interval_secs", self.http2_keepalive_interval_secs, 0, 3_600)?;
        within("max_concurrent_requests_per_connection", self.max_concurrent_requests_per_connection, 1, 100_000)?;
        within("max_in_flight_requests", self.max_in_flight_requests, 1, 1_000_000)?;
        within("rate_limit.requests_per_second", self.rate_limit.requests_per_second, 0, 1_000_000)?;
        within("rate_limit.burst", self.rate_limit.burst, 0, 1_000_000)?;
        within("reload_poll_interval_ms", self.reload_poll_interval_ms, POLL_MS.0, POLL_MS.1)?;
        within("audit_watch_poll_interval_ms", self.audit_watch_poll_interval_ms, POLL_MS.0, POLL_MS.1)?;
        within("health_check_interval_ms", self.health_check_interval_ms, POLL_MS.0, POLL_MS.1)?;
        if let Some(jwt) = &self.auth.jwt {
            within("auth.jwt.leeway_secs", jwt.leeway_secs, 0, 3600)?;
            if jwt.issuer.trim().is_empty() || jwt.audience.trim().is_empty() {
                return Err(invalid("auth.jwt", "issuer and audience must not be empty"));
            }
        }
        match (&self.tls.cert_file, &self.tls.key_file) {
            (Some(_), None) => return Err(invalid("tls.key_file", "is required with tls.cert_file")),
            (None, Some(_)) => return Err(invalid("tls.cert_file", "is required with tls.key_file")),
            _ => {}
        }
        if self.tls.client_ca_file.is_some() && self.tls.cert_file.is_none() {
            return Err(invalid("tls.client_ca_file", "needs tls.cert_file and tls.key_file (mTLS is TLS first)"));
        }
        if self.privacy.key_file.is_none() && !self.privacy.encrypted_metadata_keys.is_empty() {
            return Err(invalid("privacy.encrypted_metadata_keys", "needs privacy.key_file"));
        }
        if self.audit.signing_key_file.is_none() && !self.audit.previous_public_key_files.is_empty() {
            return Err(invalid("audit.previous_public_key_files", "needs audit.signing_key_file"));
        }
        Ok(())
    }
}
