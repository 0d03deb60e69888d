//! Rule evaluation: enabled rules in ascending priority, the first match wins unless it says
//! `continue`; the routing decision that results.

use super::{field::Facts, model::RuleSet};
use crate::domain::Priority;

/// Name given as the matched rule when no rule set the queue.
pub const DEFAULT_RULE: &str = "default";

/// What the rules decided for one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// Queue the ticket goes to.
    pub queue: String,
    /// Rule that set the queue, or `default`.
    pub matched_rule: String,
    /// Every rule that matched, in evaluation order.
    pub matched_rules: Vec<String>,
    /// Priority set by a rule (the last one that set it) and that rule's id.
    pub set_priority: Option<(Priority, String)>,
    /// Tags added by the matching rules, without duplicates, in order.
    pub tags: Vec<String>,
    /// The first matching rule that escalates, if any.
    pub escalated_by: Option<String>,
    /// Response-time target in hours set by a rule (the last one that set it) and that rule's id.
    pub sla_hours: Option<(f64, String)>,
}

impl RuleSet {
    /// Routes a ticket: applies the actions of every matching rule up to and including the first
    /// one without `continue`. The queue, priority and SLA hours come from the last of them that sets
    /// each.
    pub fn route(&self, facts: &Facts<'_>) -> Routing {
        let mut routing = Routing {
            queue: self.default_queue.clone(),
            matched_rule: DEFAULT_RULE.to_owned(),
            matched_rules: Vec::new(),
            set_priority: None,
            tags: Vec::new(),
            escalated_by: None,
            sla_hours: None,
        };
        for rule in self.rules.iter().filter(|r| r.enabled) {
            if !rule.when.holds(facts) {
                continue;
            }
            routing.matched_rules.push(rule.id.clone());
            let then = &rule.then;
            if let Some(queue) = &then.queue {
                routing.queue = queue.clone();
                routing.matched_rule = rule.id.clone();
            }
            if let Some(priority) = then.set_priority {
                routing.set_priority = Some((priority, rule.id.clone()));
            }
            if let Some(hours) = then.set_sla_hours {
                routing.sla_hours = Some((hours, rule.id.clone()));
            }
            for tag in &then.add_tags {
                if !routing.tags.contains(tag) {
                    routing.tags.push(tag.clone());
                }
            }
            if then.escalate && routing.escalated_by.is_none() {
                routing.escalated_by = Some(rule.id.clone());
            }
            if !rule.continue_ {
                break;
            }
        }
        routing
    }
}
