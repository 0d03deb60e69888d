//! Reading a rules file: YAML, TOML or JSON text to a checked [`RuleSet`], the built-in rules, and
//! the one place in triage that reads a file. Every problem of a document is collected (the lint
//! reports them all); loading stops at the first. A document over its limits (size, nesting, number
//! of rules, regex memory) is refused before it costs more than they allow.

use std::{collections::HashMap, io::Read, path::Path};

use serde_json::{Map, Value};

use super::{
    actions::parse_actions,
    condition::{Condition, Problem},
    limits::{Budget, RulesLimits},
    model::{Rule, RuleSet, RulesError, RulesFormat},
    nesting::{self, Refusal},
    version::version,
};
use crate::domain::{over_limit, validation::MAX_NAME_CHARS};

/// The rules shipped with the service (`rules/default.yaml`).
const BUILTIN: &str = include_str!("../../../rules/default.yaml");

/// One problem of a rules document, with what the lint needs to report it.
#[derive(Debug)]
pub(super) struct LoadError {
    /// Position in the file of the rule concerned; `None` for the document.
    pub index: Option<usize>,
    /// `syntax`, `invalid`, `limit`, `duplicate-id`, `duplicate-priority` or `undeclared-queue`.
    pub kind: &'static str,
    /// The problem.
    pub error: RulesError,
}

impl RuleSet {
    /// The built-in default rules.
    pub fn builtin() -> RuleSet {
        RuleSet::parse(BUILTIN, RulesFormat::Yaml)
            .expect("the built-in rules/default.yaml is valid (checked by a unit test)")
    }

    /// Reads and checks a rules file within the default limits; the format follows the extension.
    /// Errors name the file.
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        RuleSet::load_within(path, &RulesLimits::default())
    }

    /// Reads and checks a rules file within `limits` (a file over `max_document_bytes` is not read).
    pub fn load_within(path: &Path, limits: &RulesLimits) -> Result<RuleSet, RulesError> {
        let format = RulesFormat::from_path(path).ok_or_else(|| RulesError::UnknownFormat { path: path.to_owned() })?;
        let text = read_document(path, limits)?;
        RuleSet::parse_within(&text, format, limits)
            .map_err(|e| RulesError::InFile { path: path.to_owned(), source: Box::new(e) })
    }

    /// Checks rules written in `format` within the default limits; the error is the first problem.
    pub fn parse(text: &str, format: RulesFormat) -> Result<RuleSet, RulesError> {
        RuleSet::parse_within(text, format, &RulesLimits::default())
    }

    /// Checks rules written in `format` within `limits`; the error is the first problem found.
    pub fn parse_within(text: &str, format: RulesFormat, limits: &RulesLimits) -> Result<RuleSet, RulesError> {
        check(text, format, limits).map_err(|errors| match errors.into_iter().next() {
            Some(first) => first.error,
            None => invalid(None, "(document)", "is not a valid rules document"),
        })
    }
}

/// The text of the rules file at `path`, never read past `limits.max_document_bytes`: a larger file
/// is a limit error naming the file.
pub fn read_document(path: &Path, limits: &RulesLimits) -> Result<String, RulesError> {
    let failed = |source| RulesError::Read { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(failed)?;
    let size = file.metadata().map_err(failed)?.len();
    let mut text = String::new();
    file.take(limits.max_document_bytes as u64 + 1).read_to_string(&mut text).map_err(failed)?;
    let bytes = usize::try_from(size).unwrap_or(usize::MAX).max(text.len());
    match limits.document_refusal(bytes) {
        Some(message) => Err(RulesError::InFile { path: path.to_owned(), source: Box::new(document_limit(message)) }),
        None => Ok(text),
    }
}

/// A limit of the whole document.
fn document_limit(message: String) -> RulesError {
    RulesError::Limit { rule: None, path: "(document)".to_owned(), message }
}

/// Checks rules written in `format` within `limits`, collecting every problem (in file order, the
/// document's first). Its size and nesting are checked before it is parsed.
pub(super) fn check(text: &str, format: RulesFormat, limits: &RulesLimits) -> Result<RuleSet, Vec<LoadError>> {
    let refused = |message: String| vec![LoadError { index: None, kind: "limit", error: document_limit(message) }];
    if let Some(message) = limits.document_refusal(text.len()) {
        return Err(refused(message));
    }
    match nesting::check(text, format, limits.max_nesting()) {
        Ok(()) => {}
        Err(Refusal::TooDeep { depth }) => {
            let (max, conditions) = (limits.max_nesting(), limits.max_depth);
            return Err(refused(format!(
                "the document nests at least {depth} levels deep; at most {max} are allowed \
                 (limits.max_rules_depth = {conditions} condition levels, two document levels each, and 16 more)"
            )));
        }
        Err(Refusal::Alias { line }) => {
            return Err(refused(format!(
                "line {line}: YAML aliases (*name) are not accepted in rules: an alias repeats its anchor's content, \
                 so a short document could stand for a huge one; write the content out"
            )));
        }
    }
    let syntax = |message: String| {
        vec![LoadError { index: None, kind: "syntax", error: RulesError::Syntax { format, message } }]
    };
    let document: Value = match format {
        RulesFormat::Yaml => serde_norway::from_str(text).map_err(|e| syntax(e.to_string()))?,
        RulesFormat::Toml => toml::from_str(text).map_err(|e| syntax(e.to_string()))?,
        RulesFormat::Json => serde_json::from_str(text).map_err(|e| syntax(e.to_string()))?,
    };
    from_document(&document, limits)
}

/// An `invalid` problem of the rule `rule` (or of the document) at `path`.
pub(super) fn invalid(rule: Option<&str>, path: &str, message: impl Into<String>) -> RulesError {
    RulesError::Invalid { rule: rule.map(str::to_owned), path: path.to_owned(), message: message.into() }
}

/// Checks keys of a mapping against the allowed ones.
pub(super) fn known_keys(
    map: &Map<String, Value>,
    allowed: &[&str],
    rule: Option<&str>,
    prefix: &str,
) -> Result<(), RulesError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(invalid(
            rule,
            &format!("{prefix}{key}"),
            format!("unknown key; expected one of {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// A non-empty string of at most [`MAX_NAME_CHARS`] characters, trimmed, if present.
pub(super) fn name_at(
    map: &Map<String, Value>,
    key: &str,
    rule: Option<&str>,
    path: &str,
) -> Result<Option<String>, RulesError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => name(value).map(Some).ok_or_else(|| {
            invalid(rule, path, format!("must be a non-empty string of at most {MAX_NAME_CHARS} characters"))
        }),
    }
}

fn name(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() && s.chars().count() <= MAX_NAME_CHARS => Some(s.trim().to_owned()),
        _ => None,
    }
}

fn bool_at(map: &Map<String, Value>, key: &str, default: bool, rule: Option<&str>) -> Result<bool, RulesError> {
    match map.get(key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid(rule, key, "must be true or false")),
    }
}

fn from_document(document: &Value, limits: &RulesLimits) -> Result<RuleSet, Vec<LoadError>> {
    let Value::Object(top) = document else {
        let error = invalid(None, "(document)", "must be a mapping with name, default_queue and rules");
        return Err(vec![LoadError { index: None, kind: "invalid", error }]);
    };
    let mut errors: Vec<LoadError> = Vec::new();
    let mut fail = |index: Option<usize>, kind: &'static str, error: RulesError| {
        errors.push(LoadError { index, kind, error });
    };
    let top_keys = ["name", "description", "default_queue", "queues", "rules"];
    if let Err(e) = known_keys(top, &top_keys, None, "") {
        fail(None, "invalid", e);
    }
    let mut required = |key: &str| match name_at(top, key, None, key) {
        Ok(Some(value)) => Some(value),
        Ok(None) => {
            fail(None, "invalid", invalid(None, key, "is required"));
            None
        }
        Err(e) => {
            fail(None, "invalid", e);
            None
        }
    };
    let (name, default_queue) = (required("name"), required("default_queue"));
    let queues = declared_queues(top).unwrap_or_else(|e| {
        fail(None, "invalid", e);
        None
    });
    let no_rules = Vec::new();
    let items = match top.get("rules") {
        None | Some(Value::Null) => &no_rules,
        Some(Value::Array(items)) => items,
        Some(_) => {
            fail(None, "invalid", invalid(None, "rules", "must be a list of rules"));
            &no_rules
        }
    };
    if items.len() > limits.max_rules {
        let message = over_limit(items.len(), "rules", limits.max_rules, "limits.max_rules");
        return Err(vec![LoadError {
            index: None,
            kind: "limit",
            error: RulesError::Limit { rule: None, path: "rules".into(), message },
        }]);
    }
    let mut budget = Budget::new(*limits);
    let mut rules: Vec<(usize, Rule)> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match parse_rule(item, index, &mut budget) {
            Ok(rule) => rules.push((index, rule)),
            Err(e @ RulesError::Limit { .. }) => fail(Some(index), "limit", e),
            Err(e) => fail(Some(index), "invalid", e),
        }
    }
    duplicates(items, &mut fail);
    if let Some(declared) = &queues {
        let undeclared = |queue: &str| !declared.iter().any(|d| d == queue);
        let list = declared.join(", ");
        if let Some(queue) = default_queue.as_deref().filter(|q| undeclared(q)) {
            fail(
                None,
                "undeclared-queue",
                invalid(None, "default_queue", format!("{queue:?} is not in queues ({list})")),
            );
        }
        for (index, rule) in &rules {
            if let Some(queue) = rule.then.queue.as_deref().filter(|q| undeclared(q)) {
                let message = format!("{queue:?} is not in queues ({list})");
                fail(Some(*index), "undeclared-queue", invalid(Some(&rule.id), "then.queue", message));
            }
        }
    }
    match (name, default_queue) {
        (Some(name), Some(default_queue)) if errors.is_empty() => {
            let mut rules: Vec<Rule> = rules.into_iter().map(|(_, rule)| rule).collect();
            rules.sort_by_key(|r| r.priority);
            Ok(RuleSet { version: version(&name, document), name, default_queue, queues, rules })
        }
        _ => {
            errors.sort_by_key(|e| e.index.map_or(0, |i| i + 1));
            Err(errors)
        }
    }
}

/// The `queues` list, if present: distinct queue names.
fn declared_queues(top: &Map<String, Value>) -> Result<Option<Vec<String>>, RulesError> {
    let items = match top.get("queues") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid(None, "queues", "must be a list of queue names")),
    };
    let mut queues: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("queues[{i}]");
        let queue = name(item).ok_or_else(|| {
            invalid(None, &path, format!("must be a non-empty string of at most {MAX_NAME_CHARS} characters"))
        })?;
        if queues.contains(&queue) {
            return Err(invalid(None, &path, format!("{queue:?} is declared twice")));
        }
        queues.push(queue);
    }
    Ok(Some(queues))
}

/// The id of a rule as written, if it is a usable one.
fn raw_id(item: &Value) -> Option<String> {
    item.get("id").and_then(name)
}

/// Reports every rule whose id or priority an earlier rule already has, naming that rule.
fn duplicates(items: &[Value], fail: &mut impl FnMut(Option<usize>, &'static str, RulesError)) {
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut priorities: HashMap<i64, (usize, Option<String>)> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let id = raw_id(item);
        if let Some(id) = &id {
            if let Some(first) = ids.get(id) {
                let message = format!("is used by more than one rule (rules[{first}] and rules[{index}])");
                fail(Some(index), "duplicate-id", invalid(Some(id), "id", message));
            } else {
                ids.insert(id.clone(), index);
            }
        }
        let Some(priority) = item.get("priority").and_then(Value::as_i64) else { continue };
        if let Some((first, first_id)) = priorities.get(&priority) {
            let other = match first_id {
                Some(o) if Some(o) != id.as_ref() => format!("rule {o:?}"),
                _ => format!("the rule at rules[{first}]"),
            };
            let message = format!("{priority} is also the priority of {other}");
            let path = if id.is_some() { "priority".to_owned() } else { format!("rules[{index}].priority") };
            fail(Some(index), "duplicate-priority", invalid(id.as_deref(), &path, message));
        } else {
            priorities.insert(priority, (index, id));
        }
    }
}

fn parse_rule(item: &Value, index: usize, budget: &mut Budget) -> Result<Rule, RulesError> {
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
    let when =
        Condition::parse_within(when, "when", budget).map_err(|Problem { path, message, limit }| match limit {
            true => RulesError::Limit { rule: rule.map(str::to_owned), path, message },
            false => invalid(rule, &path, message),
        })?;
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
