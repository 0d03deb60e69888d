//! Rule conditions: `all` / `any` / `not` groups over `{field, op, value}` tests, checked when the
//! rules are loaded, then evaluated against a ticket's facts.

use serde_json::Value;

use super::{
    field::{Facts, Field},
    operator::Test,
};

/// Deepest nesting of `all` / `any` / `not` groups accepted.
const MAX_DEPTH: usize = 32;

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
}

/// A problem at `path`.
pub(super) fn problem(path: &str, message: impl Into<String>) -> Problem {
    Problem { path: path.to_owned(), message: message.into() }
}

impl Condition {
    /// Checks and compiles the condition at `path` in a rules document.
    pub fn parse(value: &Value, path: &str) -> Result<Condition, Problem> {
        parse(value, path, 0)
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

fn parse(value: &Value, path: &str, depth: usize) -> Result<Condition, Problem> {
    if depth > MAX_DEPTH {
        return Err(problem(path, format!("conditions nest deeper than {MAX_DEPTH} levels")));
    }
    let Value::Object(map) = value else {
        return Err(problem(path, "must be a mapping with `all`, `any`, `not` or `field`"));
    };
    let Some(key) = ["all", "any", "not"].into_iter().find(|k| map.contains_key(*k)) else {
        if map.is_empty() {
            return Err(problem(path, "must have `all`, `any`, `not` or `field`"));
        }
        return Test::parse(map, path).map(Condition::Test);
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
        return parse(inner, &inner_path, depth + 1).map(|c| Condition::Not(Box::new(c)));
    }
    let Value::Array(items) = inner else {
        return Err(problem(&inner_path, "must be a list of conditions"));
    };
    let items: Vec<Condition> = items
        .iter()
        .enumerate()
        .map(|(i, item)| parse(item, &format!("{inner_path}[{i}]"), depth + 1))
        .collect::<Result<_, _>>()?;
    Ok(if key == "all" { Condition::All(items) } else { Condition::Any(items) })
}
