//! Ordered routing rules from a YAML, TOML or JSON file: the model, conditions, loading and
//! evaluation.

pub mod condition;
pub mod engine;
pub mod field;
pub mod load;
pub mod model;
#[cfg(test)]
mod tests;

pub use condition::Condition;
pub use engine::{DEFAULT_RULE, Routing};
pub use field::{Facts, Field};
pub use model::{Actions, Rule, RuleSet, RulesError, RulesFormat};
