//! The pure triage pipeline: validate -> normalise -> text signals -> classify -> score -> route ->
//! escalate -> result. No I/O (except [`RuleSet::load`]): deterministic for a ticket, settings, rules
//! and clock.

pub mod backtest;
pub mod cache;
pub mod classify;
pub mod escalate;
pub mod explain;
pub mod lexicon;
pub mod pipeline;
pub mod predict;
pub mod result;
pub mod rules;
pub mod score;
pub mod settings;
pub mod signals;
pub mod similarity;
pub mod text;

pub use cache::TriageEngine;
pub use pipeline::Triager;
pub use predict::{ModelUse, Models, TextModel};
pub use result::TriageResult;
pub use rules::{RuleSet, RulesError, RulesFormat, RulesLimits};
pub use settings::TriageSettings;
pub use text::TicketText;
