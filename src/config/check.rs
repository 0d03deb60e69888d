//! The checks of values whose type is right but whose meaning is not, each naming its key.

use std::net::SocketAddr;

use super::{ConfigError, Settings, StoreType, invalid};

impl Settings {
    /// Checks values whose type is right but whose meaning is not.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.default_priority().map_err(|e| invalid("default_priority", e))?;
        self.log_filter().map_err(|e| invalid("log_level", e))?;
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(invalid("log_format", format!("must be text or json, got {:?}", self.log_format)));
        }
        let listen = self.listen_addr.parse::<SocketAddr>().map_err(|e| {
            invalid("listen_addr", format!("{:?} is not an address with a port: {e}", self.listen_addr))
        })?;
        if let Some(addr) = self.metrics_addr.as_deref() {
            let metrics = addr
                .parse::<SocketAddr>()
                .map_err(|e| invalid("metrics_addr", format!("{addr:?} is not an address with a port: {e}")))?;
            if metrics == listen && metrics.port() != 0 {
                return Err(invalid("metrics_addr", "must differ from listen_addr"));
            }
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
        if self.max_ticket_title_length == 0 {
            return Err(invalid("max_ticket_title_length", "must be at least 1"));
        }
        if self.max_ticket_description_length == 0 {
            return Err(invalid("max_ticket_description_length", "must be at least 1"));
        }
        if !self.escalation_threshold_hours.is_finite() || self.escalation_threshold_hours <= 0.0 {
            return Err(invalid("escalation_threshold_hours", "must be a positive number of hours"));
        }
        if let Some(problem) = self.score_weights.problem() {
            return Err(invalid("score_weights", problem));
        }
        let bands = self.priority_bands;
        if !(0.0..=1.0).contains(&bands.high) || !(0.0..=1.0).contains(&bands.critical) || bands.high > bands.critical {
            return Err(invalid("priority_bands", "need 0 <= high <= critical <= 1"));
        }
        for (name, hours) in [
            ("critical", self.sla_hours.critical),
            ("high", self.sla_hours.high),
            ("medium", self.sla_hours.medium),
            ("low", self.sla_hours.low),
        ] {
            if !hours.is_finite() || hours <= 0.0 {
                return Err(invalid(&format!("sla_hours.{name}"), "must be a positive number of hours"));
            }
        }
        if self.max_message_bytes < 1024 {
            return Err(invalid("max_message_bytes", "must be at least 1024"));
        }
        for (name, model) in [("category", &self.models.category), ("queue", &self.models.queue)] {
            if let Some(m) = model.as_ref().filter(|m| !(0.0..=1.0).contains(&m.min_confidence)) {
                return Err(invalid(
                    &format!("models.{name}.min_confidence"),
                    format!("must be 0 to 1, got {}", m.min_confidence),
                ));
            }
        }
        if let Some(problem) = self.duplicates.problem() {
            return Err(invalid("duplicates", problem));
        }
        if self.request_timeout_secs == 0 || self.max_concurrent_requests_per_connection == 0 {
            return Err(invalid("request_timeout_secs", "timeouts and limits must be at least 1"));
        }
        Ok(())
    }
}
