//! The pure triage pipeline: validate -> normalise -> text signals -> classify -> score -> route ->
//! escalate -> result. No I/O: deterministic for a ticket, settings, rules and clock.

pub mod result;
pub mod settings;

pub use result::TriageResult;
pub use settings::TriageSettings;
