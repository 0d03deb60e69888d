//! Every service of the layer, built together over one store and one engine.

use std::{sync::Arc, time::Duration};

use tokio::sync::watch;

use super::{Audit, BacktestLimits, Intake, Rules, Tickets, rules_source};
use crate::{config::Settings, store::Store, triage::TriageEngine};

/// Every service over one store and one engine. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    /// Triage of one ticket or many.
    pub intake: Intake,
    /// Ticket reads and writes.
    pub tickets: Tickets,
    /// The rules in force, checks, trials and backtests.
    pub rules: Rules,
    /// The audit log.
    pub audit: Audit,
}

impl Services {
    /// The services the settings describe over `store` and `engine`; streams end when `stopping`
    /// turns true.
    pub fn new(settings: &Settings, store: Store, engine: Arc<TriageEngine>, stopping: watch::Receiver<bool>) -> Self {
        let limits = settings.ticket_limits();
        let backtests = BacktestLimits {
            max_tickets: settings.limits.max_backtest_tickets,
            timeout: Duration::from_secs(settings.request_timeout_secs),
            ..BacktestLimits::default()
        };
        let intake = Intake::new(engine, store.clone(), limits).with_duplicates(settings.duplicates);
        Services {
            tickets: Tickets::new(store.clone(), limits),
            rules: Rules::new(intake.clone(), rules_source(settings), settings.limits.rules(), backtests),
            audit: Audit::new(store, stopping, Duration::from_millis(settings.audit_watch_poll_interval_ms)),
            intake,
        }
    }
}
