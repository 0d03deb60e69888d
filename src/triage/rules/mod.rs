//! Ordered routing rules from a YAML, TOML or JSON file: the model, conditions, loading and
//! evaluation.

mod actions;
pub mod condition;
pub mod engine;
pub mod field;
pub mod load;
pub mod model;
pub mod operator;
mod version;

#[cfg(test)]
mod field_tests;
#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod tests;

pub use condition::Condition;
pub use engine::{DEFAULT_RULE, Routing};
pub use field::{Facts, Field};
pub use model::{Actions, Rule, RuleSet, RulesError, RulesFormat};
pub use operator::{Op, Operand, Test};
