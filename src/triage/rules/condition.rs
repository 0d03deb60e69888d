//! Rule conditions: `all` / `any` groups and `{field, op, value}` tests, checked and compiled
//! (regexes included) when the rules are loaded, then evaluated against a ticket's facts.

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use super::field::{Actual, Facts, Field, Kind, canonical_name};

/// Deepest nesting of `all` / `any` groups accepted.
const MAX_DEPTH: usize = 32;
/// Largest compiled regex accepted, in bytes.
const MAX_REGEX_BYTES: usize = 1 << 20;
/// Tolerance of numeric equality.
const EPSILON: f64 = 1e-9;

/// When a rule applies.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Every inner condition holds (true when empty).
    All(Vec<Condition>),
    /// At least one inner condition holds (false when empty).
    Any(Vec<Condition>),
    /// One field test.
    Test(Test),
}

/// A `{field, op, value}` test.
#[derive(Debug, Clone)]
pub struct Test {
    /// The field tested.
    pub field: Field,
    /// The operator with its checked value.
    pub op: Op,
}

/// An operator with its value, ready to evaluate. Text is compared without regard to case.
#[derive(Debug, Clone)]
pub enum Op {
    /// Equal.
    Eq(Operand),
    /// Not equal (true for absent metadata).
    Ne(Operand),
    /// Equal to one of the values (for a list field: any element is).
    In(Vec<Operand>),
    /// Substring of a text field, or element of a list field.
    Contains(String),
    /// The regex (compiled once, case-insensitive) matches the text or any element of a list.
    Matches(Regex),
    /// At least.
    Gte(f64),
    /// At most.
    Lte(f64),
}

/// A value compared against.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Lower-cased text (named values in their canonical spelling).
    Text(String),
    /// A number.
    Number(f64),
}

/// Where a condition is wrong and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path of the key (`when.all[1].field`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn problem(path: &str, message: impl Into<String>) -> Problem {
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
            Condition::Test(test) => test.holds(facts),
        }
    }
}

fn parse(value: &Value, path: &str, depth: usize) -> Result<Condition, Problem> {
    if depth > MAX_DEPTH {
        return Err(problem(path, format!("conditions nest deeper than {MAX_DEPTH} levels")));
    }
    let Value::Object(map) = value else {
        return Err(problem(path, "must be a mapping with `all`, `any` or `field`"));
    };
    let group = |key: &str| -> Result<Vec<Condition>, Problem> {
        if map.len() != 1 {
            return Err(problem(path, format!("`{key}` must be the only key of its condition")));
        }
        let inner_path = format!("{path}.{key}");
        let Some(Value::Array(items)) = map.get(key) else {
            return Err(problem(&inner_path, "must be a list of conditions"));
        };
        items.iter().enumerate().map(|(i, item)| parse(item, &format!("{inner_path}[{i}]"), depth + 1)).collect()
    };
    if map.contains_key("all") {
        return group("all").map(Condition::All);
    }
    if map.contains_key("any") {
        return group("any").map(Condition::Any);
    }
    if map.is_empty() {
        return Err(problem(path, "must have `all`, `any` or `field`"));
    }
    parse_test(map, path).map(Condition::Test)
}

fn parse_test(map: &Map<String, Value>, path: &str) -> Result<Test, Problem> {
    if let Some(key) = map.keys().find(|k| !matches!(k.as_str(), "field" | "op" | "value")) {
        return Err(problem(&format!("{path}.{key}"), "unknown key; a test has field, op and value"));
    }
    let text_of = |key: &str| match map.get(key) {
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(_) => Err(problem(&format!("{path}.{key}"), "must be a string")),
        None => Err(problem(&format!("{path}.{key}"), "is required")),
    };
    let name = text_of("field")?;
    let field =
        Field::parse(name).ok_or_else(|| problem(&format!("{path}.field"), format!("unknown field {name:?}")))?;
    let op_name = text_of("op")?;
    let value_path = format!("{path}.value");
    let value = map.get("value").ok_or_else(|| problem(&value_path, "is required"))?;
    let kind = field.kind();
    let refuse = |why: &str| problem(&format!("{path}.op"), format!("{op_name} {why} (field {name})"));
    let op = match op_name {
        "eq" | "ne" => {
            if kind == Kind::List {
                return Err(refuse("does not apply to a list field; use contains or in"));
            }
            let operand = operand(&field, kind, value, &value_path)?;
            if op_name == "eq" { Op::Eq(operand) } else { Op::Ne(operand) }
        }
        "in" => {
            let Value::Array(items) = value else {
                return Err(problem(&value_path, "op in needs a list of values"));
            };
            let operand_kind = if kind == Kind::List { Kind::Text } else { kind };
            let items =
                items.iter().enumerate().map(|(i, v)| operand(&field, operand_kind, v, &format!("{value_path}[{i}]")));
            Op::In(items.collect::<Result<_, _>>()?)
        }
        "contains" => match kind {
            Kind::Text | Kind::List => Op::Contains(plain_text(value, &value_path)?.to_lowercase()),
            _ => return Err(refuse("applies to text and list fields only")),
        },
        "matches" => {
            if kind == Kind::Number {
                return Err(refuse("applies to text, named and list fields only"));
            }
            let Value::String(pattern) = value else {
                return Err(problem(&value_path, "op matches needs a regex as a string"));
            };
            let regex = RegexBuilder::new(pattern).case_insensitive(true).size_limit(MAX_REGEX_BYTES).build();
            Op::Matches(regex.map_err(|e| problem(&value_path, format!("invalid regex: {e}")))?)
        }
        "gte" | "lte" => {
            if kind != Kind::Number {
                return Err(refuse("applies to number fields only"));
            }
            let n = number(value, &value_path, op_name)?;
            if op_name == "gte" { Op::Gte(n) } else { Op::Lte(n) }
        }
        other => {
            return Err(problem(
                &format!("{path}.op"),
                format!("unknown operator {other:?}; expected eq, ne, in, contains, matches, gte or lte"),
            ));
        }
    };
    Ok(Test { field, op })
}

/// Text for a text field: a string, or a number or boolean written without quotes.
fn plain_text(value: &Value, path: &str) -> Result<String, Problem> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(problem(path, "must be a single text value")),
    }
}

fn number(value: &Value, path: &str, op: &str) -> Result<f64, Problem> {
    value
        .as_f64()
        .filter(|n| n.is_finite())
        .ok_or_else(|| problem(path, format!("op {op} needs a number, got {value}")))
}

fn operand(field: &Field, kind: Kind, value: &Value, path: &str) -> Result<Operand, Problem> {
    match kind {
        Kind::Number => number(value, path, "on a number field").map(Operand::Number),
        Kind::Named => {
            let Value::String(s) = value else {
                return Err(problem(path, format!("must be a name, got {value}")));
            };
            let name = canonical_name(field, s).map_err(|e| problem(path, e))?;
            Ok(Operand::Text(name.to_lowercase()))
        }
        Kind::Text | Kind::List => plain_text(value, path).map(|s| Operand::Text(s.to_lowercase())),
    }
}

impl Operand {
    fn equals(&self, actual: &Actual<'_>) -> bool {
        match (self, actual) {
            (Operand::Text(want), Actual::Text(Some(have))) => want == have,
            (Operand::Number(want), Actual::Number(have)) => (want - have).abs() <= EPSILON,
            (Operand::Text(want), Actual::List(items)) => items.iter().any(|i| i.to_lowercase() == *want),
            _ => false,
        }
    }
}

impl Test {
    /// Whether the test holds for these facts.
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        let actual = self.field.read(facts);
        match (&self.op, &actual) {
            (Op::Eq(want), _) => want.equals(&actual),
            (Op::Ne(want), _) => !want.equals(&actual),
            (Op::In(wants), _) => wants.iter().any(|w| w.equals(&actual)),
            (Op::Contains(part), Actual::Text(Some(have))) => have.contains(part.as_str()),
            (Op::Contains(item), Actual::List(items)) => items.iter().any(|i| i.to_lowercase() == *item),
            (Op::Matches(re), Actual::Text(Some(have))) => re.is_match(have),
            (Op::Matches(re), Actual::List(items)) => items.iter().any(|i| re.is_match(i)),
            (Op::Gte(n), Actual::Number(have)) => have >= n,
            (Op::Lte(n), Actual::Number(have)) => have <= n,
            _ => false,
        }
    }
}
