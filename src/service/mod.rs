//! The application service layer: every operation of the service, whatever way it comes in (a gRPC
//! call, a batch or stream item, the command line), goes through here. It validates, triages,
//! decides what runs on the blocking pool, builds the audit records of its decisions and hands the
//! store what to persist; it answers with one error type carrying a small set of codes.

mod audit;
mod blocking;
mod duplicates;
mod engine;
mod error;
mod intake;
pub(crate) mod records;
mod rules;
pub mod similar;
mod tickets;

use std::{sync::Arc, time::Duration};

use tokio::sync::watch;

pub use audit::{Audit, EntryReceiver, WatchFilter};
pub use blocking::{Decision, decide_off_runtime};
pub use engine::{EngineError, engine_from_settings, rules_source};
pub use error::{ServiceError, ServiceErrorCode};
pub use intake::{Accepted, BatchItem, Intake, IntakeOptions};
pub use rules::{BacktestRequest, Candidate, Rules, RulesInForce, TrialOutcome};
pub use tickets::{Tickets, parse_ticket_id};

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
        let limits = settings.triage_settings().limits;
        let intake = Intake::new(engine, store.clone(), limits).with_duplicates(settings.duplicates);
        Services {
            tickets: Tickets::new(store.clone(), limits),
            rules: Rules::new(intake.clone(), rules_source(settings)),
            audit: Audit::new(store, stopping, Duration::from_millis(settings.audit_watch_poll_interval_ms)),
            intake,
        }
    }
}
