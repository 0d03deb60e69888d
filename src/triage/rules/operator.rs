//! Field tests `{field, op, value}`: the operators, their values checked against the field's kind
//! (regexes compiled once, within the document's budget), and how each is evaluated.

use std::fmt;

use serde_json::{Map, Value};

use super::{
    condition::{Problem, limit_problem, problem},
    field::{Actual, Facts, Field, Kind, canonical_name},
    limits::{Budget, Pattern, RegexRefusal},
};
/// Tolerance of numeric equality.
pub const EPSILON: f64 = 1e-9;
/// Every operator, for error messages.
pub const OPERATORS: &str = "eq, ne, in, contains, contains_any, matches, gt, gte, lt, lte, exists";

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
    /// Not equal (true for an absent field).
    Ne(Operand),
    /// Equal to one of the values (for a list field: any element is).
    In(Vec<Operand>),
    /// Substring of a text field, or element of a list field.
    Contains(String),
    /// Any of these is a substring of a text field, or an element of a list field.
    ContainsAny(Vec<String>),
    /// The regex (compiled once, case-insensitive) matches the text or any element of a list.
    Matches(Pattern),
    /// Above.
    Gt(f64),
    /// At least.
    Gte(f64),
    /// Below.
    Lt(f64),
    /// At most.
    Lte(f64),
    /// With `true`: the field is present (metadata, predicted queue) or not empty (lists); with
    /// `false`, the opposite.
    Exists(bool),
}

/// A value compared against.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Lower-cased text (named values in their canonical spelling).
    Text(String),
    /// A number.
    Number(f64),
    /// True or false.
    Bool(bool),
}

impl Test {
    /// Checks the test written as `map` at `path`, compiling a regex within `budget`.
    pub fn parse(map: &Map<String, Value>, path: &str, budget: &mut Budget) -> Result<Test, Problem> {
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
        let op = parse_op(&field, op_name, value, path, budget).map_err(|p| match p {
            Refusal::Op(why) => problem(&format!("{path}.op"), format!("{op_name} {why} (field {name})")),
            Refusal::At(p) => p,
        })?;
        Ok(Test { field, op })
    }

    /// Whether the test holds for these facts.
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        self.op.holds_for(&self.field.read(facts))
    }
}

/// Why a test is refused: the operator does not suit the field, or a key is wrong.
enum Refusal {
    Op(&'static str),
    At(Problem),
}

impl From<Problem> for Refusal {
    fn from(p: Problem) -> Self {
        Refusal::At(p)
    }
}

fn parse_op(field: &Field, op_name: &str, value: &Value, path: &str, budget: &mut Budget) -> Result<Op, Refusal> {
    let value_path = format!("{path}.value");
    let kind = field.kind();
    let texts = |items: &Vec<Value>| -> Result<Vec<String>, Problem> {
        let texts = items.iter().enumerate().map(|(i, v)| plain_text(v, &format!("{value_path}[{i}]")));
        texts.map(|t| t.map(|t| t.to_lowercase())).collect()
    };
    Ok(match op_name {
        "eq" | "ne" => {
            if kind == Kind::List {
                return Err(Refusal::Op("does not apply to a list field; use contains, contains_any or in"));
            }
            let operand = operand(field, kind, value, &value_path)?;
            if op_name == "eq" { Op::Eq(operand) } else { Op::Ne(operand) }
        }
        "in" => {
            let Value::Array(items) = value else {
                return Err(problem(&value_path, "op in needs a list of values").into());
            };
            let operand_kind = if kind == Kind::List { Kind::Text } else { kind };
            let items =
                items.iter().enumerate().map(|(i, v)| operand(field, operand_kind, v, &format!("{value_path}[{i}]")));
            Op::In(items.collect::<Result<_, _>>()?)
        }
        "contains" | "contains_any" if !matches!(kind, Kind::Text | Kind::List) => {
            return Err(Refusal::Op("applies to text and list fields only"));
        }
        "contains" => Op::Contains(plain_text(value, &value_path)?.to_lowercase()),
        "contains_any" => match value {
            Value::Array(items) => Op::ContainsAny(texts(items)?),
            _ => return Err(problem(&value_path, "op contains_any needs a list of texts").into()),
        },
        "matches" => {
            if matches!(kind, Kind::Number | Kind::Bool) {
                return Err(Refusal::Op("applies to text, named and list fields only"));
            }
            let Value::String(pattern) = value else {
                return Err(problem(&value_path, "op matches needs a regex as a string").into());
            };
            Op::Matches(budget.compile(pattern).map_err(|refusal| match refusal {
                RegexRefusal::Invalid(message) => problem(&value_path, message),
                RegexRefusal::Limit(message) => limit_problem(&value_path, message),
            })?)
        }
        "gt" | "gte" | "lt" | "lte" => {
            if kind != Kind::Number {
                return Err(Refusal::Op("applies to number fields only"));
            }
            let n = number(value, &value_path, op_name)?;
            match op_name {
                "gt" => Op::Gt(n),
                "gte" => Op::Gte(n),
                "lt" => Op::Lt(n),
                _ => Op::Lte(n),
            }
        }
        "exists" => {
            if !field.can_be_missing() {
                return Err(Refusal::Op(
                    "applies to metadata.<key>, predicted_queue, tags and signals.urgency_phrases only; \
                     this field is always present",
                ));
            }
            match value {
                Value::Bool(b) => Op::Exists(*b),
                _ => return Err(problem(&value_path, format!("op exists needs true or false, got {value}")).into()),
            }
        }
        other => {
            let message = format!("unknown operator {other:?}; expected one of {OPERATORS}");
            return Err(problem(&format!("{path}.op"), message).into());
        }
    })
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
        Kind::Bool => match value {
            Value::Bool(b) => Ok(Operand::Bool(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Operand::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Operand::Bool(false)),
            _ => Err(problem(path, format!("must be true or false, got {value}"))),
        },
        Kind::Text | Kind::List => plain_text(value, path).map(|s| Operand::Text(s.to_lowercase())),
    }
}

impl Operand {
    fn equals(&self, actual: &Actual<'_>) -> bool {
        match (self, actual) {
            (Operand::Text(want), Actual::Text(Some(have))) => want == have,
            (Operand::Number(want), Actual::Number(have)) => (want - have).abs() <= EPSILON,
            (Operand::Text(want), Actual::List(items)) => items.iter().any(|i| i.to_lowercase() == *want),
            (Operand::Bool(want), Actual::Bool(have)) => want == have,
            _ => false,
        }
    }
}

impl Op {
    /// Whether the operator holds for a field's value.
    pub fn holds_for(&self, actual: &Actual<'_>) -> bool {
        match (self, actual) {
            (Op::Eq(want), _) => want.equals(actual),
            (Op::Ne(want), _) => !want.equals(actual),
            (Op::In(wants), _) => wants.iter().any(|w| w.equals(actual)),
            (Op::Contains(part), Actual::Text(Some(have))) => have.contains(part.as_str()),
            (Op::Contains(item), Actual::List(items)) => items.iter().any(|i| i.to_lowercase() == *item),
            (Op::ContainsAny(parts), Actual::Text(Some(have))) => parts.iter().any(|p| have.contains(p.as_str())),
            (Op::ContainsAny(wanted), Actual::List(items)) => items.iter().any(|i| wanted.contains(&i.to_lowercase())),
            (Op::Matches(re), Actual::Text(Some(have))) => re.is_match(have),
            (Op::Matches(re), Actual::List(items)) => items.iter().any(|i| re.is_match(i)),
            (Op::Gt(n), Actual::Number(have)) => have > n,
            (Op::Gte(n), Actual::Number(have)) => have >= n,
            (Op::Lt(n), Actual::Number(have)) => have < n,
            (Op::Lte(n), Actual::Number(have)) => have <= n,
            (Op::Exists(want), Actual::Text(have)) => have.is_some() == *want,
            (Op::Exists(want), Actual::List(items)) => items.is_empty() != *want,
            _ => false,
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Text(s) => write!(f, "{s:?}"),
            Operand::Number(n) => write!(f, "{n}"),
            Operand::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// `field op value`, as in messages: `score gte 0.8`, `category eq "billing"`.
impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: Vec<String>| format!("[{}]", items.join(", "));
        let (op, value) = match &self.op {
            Op::Eq(v) => ("eq", v.to_string()),
            Op::Ne(v) => ("ne", v.to_string()),
            Op::In(vs) => ("in", list(vs.iter().map(Operand::to_string).collect())),
            Op::Contains(s) => ("contains", format!("{s:?}")),
            Op::ContainsAny(ss) => ("contains_any", list(ss.iter().map(|s| format!("{s:?}")).collect())),
            Op::Matches(re) => ("matches", format!("{:?}", re.as_str())),
            Op::Gt(n) => ("gt", n.to_string()),
            Op::Gte(n) => ("gte", n.to_string()),
            Op::Lt(n) => ("lt", n.to_string()),
            Op::Lte(n) => ("lte", n.to_string()),
            Op::Exists(b) => ("exists", b.to_string()),
        };
        write!(f, "{} {op} {value}", self.field.name())
    }
}
