//! Rule conditions: `all` / `any` / `not` groups over `{field, op, value}` tests, checked when the
//! rules are loaded, then evaluated against a ticket's facts.

use serde_json::Value;

use super::{
    field::{Facts, Field},
    limits::{Budget, RulesLimits},
    operator::Test,
};

/// When a rule applies.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Every inner condition holds (true when empty).
    All(Vec<Condition>),
    /// At least one inner condition holds (false when empty).
    Any(Vec<Condition>),
    /// The inner condition does not hold.
    Not(Box<Condition>),
    /// One field test.
    Test(Test),
}

/// Where a condition is wrong and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path of the key (`when.all[1].field`).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// Whether a limit of the document was reached (the message names it), rather than a mistake.
    pub limit: bool,
}

/// A problem at `path`.
pub(super) fn problem(path: &str, message: impl Into<String>) -> Problem {
    Problem { path: path.to_owned(), message: message.into(), limit: false }
}

/// A limit of the document reached at `path` (the message names it).
pub(super) fn limit_problem(path: &str, message: impl Into<String>) -> Problem {
    Problem { path: path.to_owned(), message: message.into(), limit: true }
}

impl Condition {
    /// Checks and compiles the condition at `path` in a rules document, within the default limits.
    pub fn parse(value: &Value, path: &str) -> Result<Condition, Problem> {
        Condition::parse_within(value, path, &mut Budget::new(RulesLimits::default()))
    }

    /// Checks and compiles the condition at `path`, spending `budget` on its regexes.
    pub fn parse_within(value: &Value, path: &str, budget: &mut Budget) -> Result<Condition, Problem> {
        parse(value, path, 0, budget)
    }

    /// Whether the condition holds for these facts.
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        match self {
            Condition::All(inner) => inner.iter().all(|c| c.holds(facts)),
            Condition::Any(inner) => inner.iter().any(|c| c.holds(facts)),
            Condition::Not(inner) => !inner.holds(facts),
            Condition::Test(test) => test.holds(facts),
        }
    }

    /// Whether some test in the condition reads `field`.
    pub fn tests(&self, field: &Field) -> bool {
        match self {
            Condition::All(inner) | Condition::Any(inner) => inner.iter().any(|c| c.tests(field)),
            Condition::Not(inner) => inner.tests(field),
            Condition::Test(test) => test.field == *field,
        }
    }
}

fn parse(value: &Value, path: &str, depth: usize, budget: &mut Budget) -> Result<Condition, Problem> {
    let max = budget.limits().max_depth;
    if depth > max {
        let message =
            format!("conditions nest deeper than {max} levels; at most {max} are allowed (limits.max_rules_depth)");
        return Err(limit_problem(path, message));
    }
    let Value::Object(map) = value else {
        return Err(problem(path, "must be a mapping with `all`, `any`, `not` or `field`"));
    };
    let Some(key) = ["all", "any", "not"].into_iter().find(|k| map.contains_key(*k)) else {
        if map.is_empty() {
            return Err(problem(path, "must have `all`, `any`, `not` or `field`"));
        }
        return Test::parse(map, path, budget).map(Condition::Test);
    };
    if map.len() != 1 {
        return Err(problem(path, format!("`{key}` must be the only key of its condition")));
    }
    let inner_path = format!("{path}.{key}");
    let inner = &map[key];
    if key == "not" {
        if inner.is_array() {
            return Err(problem(
                &inner_path,
                "must be one condition; to negate several, write `not: { any: [...] }` or `not: { all: [...] }`",
            ));
        }
        return parse(inner, &inner_path, depth + 1, budget).map(|c| Condition::Not(Box::new(c)));
    }
    let Value::Array(items) = inner else {
        return Err(problem(&inner_path, "must be a list of conditions"));
    };
    let items: Vec<Condition> = items
        .iter()
        .enumerate()
        .map(|(i, item)| parse(item, &format!("{inner_path}[{i}]"), depth + 1, budget))
        .collect::<Result<_, _>>()?;
    Ok(if key == "all" { Condition::All(items) } else { Condition::Any(items) })
}
