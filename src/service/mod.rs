//! The application service layer: every operation of the service, whatever way it comes in (a gRPC
//! call, a batch or stream item, the command line), goes through here. It validates, triages,
//! decides what runs on the blocking pool, builds the audit records of its decisions and hands the
//! store what to persist; it answers with one error type carrying a small set of codes.

mod audit;
mod audit_hub;
mod blocking;
mod duplicates;
mod engine;
mod error;
mod export;
mod intake;
pub(crate) mod records;
mod refusals;
mod rules;
mod services;
pub mod similar;
mod tickets;

pub use audit::{Audit, EntryReceiver, ExportReceiver, WatchFilter};
pub use blocking::{Decision, decide_off_runtime};
pub use engine::{EngineError, engine_from_settings, rules_source};
pub use error::{ServiceError, ServiceErrorCode, cause_chain};
pub use export::{ExportItem, ExportRun};
pub use intake::{Accepted, BatchItem, Intake, IntakeOptions};
pub use refusals::Refusals;
pub use rules::{BacktestLimits, BacktestRequest, Candidate, REPLAY_PAGE, Rules, RulesInForce, TrialOutcome};
pub use services::Services;
pub use tickets::{Tickets, parse_ticket_id};
