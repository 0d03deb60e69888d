//! Ordered routing rules from a YAML, TOML or JSON file: the model, conditions, loading,
//! evaluation and the lint that finds mistakes loading does not.

mod actions;
mod analysis;
pub mod condition;
pub mod engine;
pub mod field;
pub mod limits;
pub mod lint;
pub mod load;
pub mod model;
mod nesting;
pub mod operator;
mod values;
mod version;

#[cfg(test)]
mod analysis_tests;
#[cfg(test)]
mod field_tests;
#[cfg(test)]
mod lint_tests;
#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod tests;

pub use condition::Condition;
pub use engine::{DEFAULT_RULE, Routing};
pub use field::{Facts, Field};
pub use limits::{Pattern, RulesLimits};
pub use lint::{Finding, LintReport, Severity, lint_text, lint_text_within};
pub use model::{Actions, Rule, RuleSet, RulesError, RulesFormat};
pub use operator::{Op, Operand, Test};
