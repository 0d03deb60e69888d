//! Reading a rules file: YAML, TOML or JSON text to a checked [`RuleSet`], its version, the
//! built-in rules, and the one place in triage that reads a file.

use std::{collections::HashMap, fmt::Write as _, path::Path};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{
    condition::{Condition, Problem},
    model::{Actions, Rule, RuleSet, RulesError, RulesFormat},
};
use crate::domain::{Priority, validation::MAX_NAME_CHARS};

/// The rules shipped with the service (`rules/default.yaml`).
const BUILTIN: &str = include_str!("../../../rules/default.yaml");

impl RuleSet {
    /// The built-in default rules.
    pub fn builtin() -> RuleSet {
        RuleSet::parse(BUILTIN, RulesFormat::Yaml)
            .expect("the built-in rules/default.yaml is valid (checked by a unit test)")
    }

    /// Reads and checks a rules file; the format follows the extension. Errors name the file.
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        let format = RulesFormat::from_path(path).ok_or_else(|| RulesError::UnknownFormat { path: path.to_owned() })?;
        let text =
            std::fs::read_to_string(path).map_err(|source| RulesError::Read { path: path.to_owned(), source })?;
        RuleSet::parse(&text, format).map_err(|e| RulesError::InFile { path: path.to_owned(), source: Box::new(e) })
    }

    /// Checks rules written in `format`.
    pub fn parse(text: &str, format: RulesFormat) -> Result<RuleSet, RulesError> {
        let syntax = |message: String| RulesError::Syntax { format, message };
        let document: Value = match format {
            RulesFormat::Yaml => serde_norway::from_str(text).map_err(|e| syntax(e.to_string()))?,
            RulesFormat::Toml => toml::from_str(text).map_err(|e| syntax(e.to_string()))?,
            RulesFormat::Json => serde_json::from_str(text).map_err(|e| syntax(e.to_string()))?,
        };
        from_document(&document)
    }
}

fn invalid(rule: Option<&str>, path: &str, message: impl Into<String>) -> RulesError {
    RulesError::Invalid { rule: rule.map(str::to_owned), path: path.to_owned(), message: message.into() }
}

/// Checks keys of a mapping against the allowed ones.
fn known_keys(map: &Map<String, Value>, allowed: &[&str], rule: Option<&str>, prefix: &str) -> Result<(), RulesError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(invalid(
            rule,
            &format!("{prefix}{key}"),
            format!("unknown key; expected one of {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// A non-empty string of at most [`MAX_NAME_CHARS`] characters, if present.
fn name_at(map: &Map<String, Value>, key: &str, rule: Option<&str>, path: &str) -> Result<Option<String>, RulesError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= MAX_NAME_CHARS => {
            Ok(Some(s.trim().to_owned()))
        }
        Some(_) => {
            Err(invalid(rule, path, format!("must be a non-empty string of at most {MAX_NAME_CHARS} characters")))
        }
    }
}

fn bool_at(map: &Map<String, Value>, key: &str, default: bool, rule: Option<&str>) -> Result<bool, RulesError> {
    match map.get(key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid(rule, key, "must be true or false")),
    }
}

fn from_document(document: &Value) -> Result<RuleSet, RulesError> {
    let Value::Object(top) = document else {
        return Err(invalid(None, "(document)", "must be a mapping with name, default_queue and rules"));
    };
    known_keys(top, &["name", "description", "default_queue", "rules"], None, "")?;
    let name = name_at(top, "name", None, "name")?.ok_or_else(|| invalid(None, "name", "is required"))?;
    let default_queue = name_at(top, "default_queue", None, "default_queue")?
        .ok_or_else(|| invalid(None, "default_queue", "is required"))?;
    let items = match top.get("rules") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid(None, "rules", "must be a list of rules")),
    };
    let mut rules: Vec<Rule> = Vec::with_capacity(items.len());
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut priorities: HashMap<i64, String> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let rule = parse_rule(item, index)?;
        if ids.insert(rule.id.clone(), index).is_some() {
            return Err(invalid(Some(&rule.id), "id", "is used by more than one rule"));
        }
        if let Some(other) = priorities.insert(rule.priority, rule.id.clone()) {
            return Err(invalid(
                Some(&rule.id),
                "priority",
                format!("{} is also the priority of rule {other:?}", rule.priority),
            ));
        }
        rules.push(rule);
    }
    rules.sort_by_key(|r| r.priority);
    let version = format!("{name}@{}", &content_hash(document)[..12]);
    Ok(RuleSet { name, default_queue, rules, version })
}

fn parse_rule(item: &Value, index: usize) -> Result<Rule, RulesError> {
    let Value::Object(map) = item else {
        return Err(invalid(None, &format!("rules[{index}]"), "must be a mapping"));
    };
    let id = name_at(map, "id", None, &format!("rules[{index}].id"))?
        .ok_or_else(|| invalid(None, &format!("rules[{index}].id"), "is required"))?;
    let rule = Some(id.as_str());
    known_keys(map, &["id", "name", "description", "priority", "enabled", "when", "then", "continue"], rule, "")?;
    let name = match map.get("name") {
        None => id.clone(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(invalid(rule, "name", "must be a string")),
    };
    let priority = match map.get("priority") {
        Some(v) => v.as_i64().ok_or_else(|| invalid(rule, "priority", format!("must be a whole number, got {v}")))?,
        None => return Err(invalid(rule, "priority", "is required (rules run in ascending priority)")),
    };
    let when = map.get("when").ok_or_else(|| invalid(rule, "when", "is required"))?;
    let when = Condition::parse(when, "when").map_err(|Problem { path, message }| invalid(rule, &path, message))?;
    let then = parse_actions(map.get("then"), rule)?;
    Ok(Rule {
        id: id.clone(),
        name,
        priority,
        enabled: bool_at(map, "enabled", true, rule)?,
        when,
        then,
        continue_: bool_at(map, "continue", false, rule)?,
    })
}

fn parse_actions(value: Option<&Value>, rule: Option<&str>) -> Result<Actions, RulesError> {
    let Some(Value::Object(map)) = value else {
        return Err(invalid(
            rule,
            "then",
            "is required: a mapping of actions (queue, set_priority, add_tags, escalate)",
        ));
    };
    known_keys(map, &["queue", "set_priority", "add_tags", "escalate"], rule, "then.")?;
    let set_priority = match map.get("set_priority") {
        None => None,
        Some(Value::String(s)) => Some(s.parse::<Priority>().map_err(|e| invalid(rule, "then.set_priority", e))?),
        Some(v) => return Err(invalid(rule, "then.set_priority", format!("must be a priority name, got {v}"))),
    };
    let add_tags = match map.get("add_tags") {
        None => Vec::new(),
        Some(Value::Array(tags)) => {
            let mut out: Vec<String> = Vec::new();
            for (i, tag) in tags.iter().enumerate() {
                let tag = match tag {
                    Value::String(s) if !s.trim().is_empty() && s.chars().count() <= MAX_NAME_CHARS => {
                        s.trim().to_owned()
                    }
                    _ => {
                        return Err(invalid(
                            rule,
                            &format!("then.add_tags[{i}]"),
                            "must be a non-empty tag of at most 100 characters",
                        ));
                    }
                };
                if !out.contains(&tag) {
                    out.push(tag);
                }
            }
            out
        }
        Some(_) => return Err(invalid(rule, "then.add_tags", "must be a list of tags")),
    };
    let escalate = match map.get("escalate") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid(rule, "then.escalate", "must be true or false")),
    };
    let actions = Actions { queue: name_at(map, "queue", rule, "then.queue")?, set_priority, add_tags, escalate };
    if actions == Actions::default() {
        return Err(invalid(
            rule,
            "then",
            "needs at least one action (queue, set_priority, add_tags or escalate: true)",
        ));
    }
    Ok(actions)
}

/// SHA-256 (hex) of the document written as JSON with sorted keys and no spaces.
fn content_hash(document: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(document, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}
