//! Reading a rule's `then`: the actions a matching rule takes, each checked.

use serde_json::{Map, Value};

use super::{
    load::{invalid, known_keys, name_at},
    model::{Actions, RulesError},
};
use crate::domain::{Priority, validation::MAX_NAME_CHARS};

/// Every action, for error messages.
const ACTIONS: &[&str] = &["queue", "set_priority", "set_sla_hours", "add_tags", "escalate"];

/// Checks the `then` of the rule `rule`.
pub(super) fn parse_actions(value: Option<&Value>, rule: Option<&str>) -> Result<Actions, RulesError> {
    let Some(Value::Object(map)) = value else {
        return Err(invalid(rule, "then", format!("is required: a mapping of actions ({})", ACTIONS.join(", "))));
    };
    known_keys(map, ACTIONS, rule, "then.")?;
    let set_priority = match map.get("set_priority") {
        None => None,
        Some(Value::String(s)) => Some(s.parse::<Priority>().map_err(|e| invalid(rule, "then.set_priority", e))?),
        Some(v) => return Err(invalid(rule, "then.set_priority", format!("must be a priority name, got {v}"))),
    };
    let set_sla_hours = match map.get("set_sla_hours") {
        None => None,
        Some(v) => match v.as_f64() {
            Some(hours) if hours.is_finite() && hours > 0.0 => Some(hours),
            _ => {
                return Err(invalid(
                    rule,
                    "then.set_sla_hours",
                    format!("must be a positive number of hours, got {v}"),
                ));
            }
        },
    };
    let escalate = match map.get("escalate") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid(rule, "then.escalate", "must be true or false")),
    };
    let actions = Actions {
        queue: name_at(map, "queue", rule, "then.queue")?,
        set_priority,
        set_sla_hours,
        add_tags: tags(map, rule)?,
        escalate,
    };
    if actions == Actions::default() {
        return Err(invalid(
            rule,
            "then",
            "needs at least one action (queue, set_priority, set_sla_hours, add_tags or escalate: true)",
        ));
    }
    Ok(actions)
}

/// The `add_tags` list, trimmed, without repeats.
fn tags(map: &Map<String, Value>, rule: Option<&str>) -> Result<Vec<String>, RulesError> {
    let tags = match map.get("add_tags") {
        None => return Ok(Vec::new()),
        Some(Value::Array(tags)) => tags,
        Some(_) => return Err(invalid(rule, "then.add_tags", "must be a list of tags")),
    };
    let mut out: Vec<String> = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let tag = match tag {
            Value::String(s) if !s.trim().is_empty() && s.chars().count() <= MAX_NAME_CHARS => s.trim().to_owned(),
            _ => {
                return Err(invalid(
                    rule,
                    &format!("then.add_tags[{i}]"),
                    format!("must be a non-empty tag of at most {MAX_NAME_CHARS} characters"),
                ));
            }
        };
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}
