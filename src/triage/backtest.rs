//! Backtesting candidate rules: stored tickets are put back as they arrived and triaged again, as of
//! the moment they were first triaged, under the rules in force and under the candidate; the report
//! counts the decisions that change, per queue and priority, with examples.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{pipeline::Triager, result::CategorySource, result::TriageResult};
use crate::domain::{Priority, Status, Ticket};

/// One decision that the candidate changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedDecision {
    /// The ticket.
    pub ticket_id: String,
    /// Its title.
    pub title: String,
    /// Queue under the rules in force.
    pub queue_before: String,
    /// Queue under the candidate.
    pub queue_after: String,
    /// Priority under the rules in force.
    pub priority_before: Priority,
    /// Priority under the candidate.
    pub priority_after: Priority,
    /// Rule that decided the queue under the rules in force.
    pub rule_before: String,
    /// Rule that decided the queue under the candidate.
    pub rule_after: String,
    /// Escalated under the rules in force.
    pub escalated_before: bool,
    /// Escalated under the candidate.
    pub escalated_after: bool,
}

/// How many tickets one queue or priority gets before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountChange {
    /// The queue or priority.
    pub name: String,
    /// Tickets under the rules in force.
    pub before: u64,
    /// Tickets under the candidate.
    pub after: u64,
}

/// What replaying a candidate over stored tickets found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    /// Version of the rules in force.
    pub current_version: String,
    /// Version of the candidate.
    pub candidate_version: String,
    /// Tickets replayed.
    pub replayed: u64,
    /// Tickets whose queue, priority or escalation changes.
    pub changed: u64,
    /// Tickets whose queue changes.
    pub queue_changed: u64,
    /// Tickets whose priority changes.
    pub priority_changed: u64,
    /// Tickets whose escalation changes.
    pub escalation_changed: u64,
    /// Tickets per queue before and after (every queue either side names).
    pub queues: Vec<CountChange>,
    /// Tickets per priority before and after.
    pub priorities: Vec<CountChange>,
    /// The first changed decisions, at most the number asked for.
    pub examples: Vec<ChangedDecision>,
}

/// The ticket as it arrived, from the stored (settled) ticket and its first triage result: the
/// category only if the requester gave it, the declared priority, status NEW, without the tags the
/// rules added and without a queue.
pub fn as_received(stored: &Ticket, first: &TriageResult) -> Ticket {
    let mut ticket = stored.clone();
    if first.classification.source != CategorySource::Requester {
        ticket.category = None;
    }
    ticket.priority = first.declared_priority.unwrap_or(stored.priority);
    ticket.status = Status::New;
    ticket.tags.retain(|t| !first.tags.contains(t));
    ticket.assigned_queue = None;
    ticket
}

/// A backtest under way: what the tickets replayed so far add up to. Tickets are replayed a page at
/// a time ([`replay`](Tally::replay)), so a backtest holds one page and this tally, whatever the store
/// holds.
#[derive(Debug, Clone)]
pub struct Tally {
    report: BacktestReport,
    queues: BTreeMap<String, (u64, u64)>,
    priorities: BTreeMap<Priority, (u64, u64)>,
    max_examples: usize,
}

impl Tally {
    /// An empty tally of `current` against `candidate`, keeping at most `max_examples` changes.
    pub fn new(current: &Triager, candidate: &Triager, max_examples: usize) -> Tally {
        Tally {
            report: BacktestReport {
                current_version: current.rules_version().to_owned(),
                candidate_version: candidate.rules_version().to_owned(),
                replayed: 0,
                changed: 0,
                queue_changed: 0,
                priority_changed: 0,
                escalation_changed: 0,
                queues: Vec::new(),
                priorities: Vec::new(),
                examples: Vec::new(),
            },
            queues: BTreeMap::new(),
            priorities: BTreeMap::new(),
            max_examples,
        }
    }

    /// Tickets replayed so far.
    pub fn replayed(&self) -> u64 {
        self.report.replayed
    }

    /// Replays `tickets` (each stored ticket with its first triage result) under `current` and
    /// `candidate` and adds them up.
    pub fn replay(&mut self, current: &Triager, candidate: &Triager, tickets: &[(Ticket, TriageResult)]) {
        let report = &mut self.report;
        for (stored, first) in tickets {
            let ticket = as_received(stored, first);
            let at = first.triaged_at;
            let before = current.triage_with(&ticket, &first.similar_tickets, at);
            let after = candidate.triage_with(&ticket, &first.similar_tickets, at);
            report.replayed += 1;
            self.queues.entry(before.queue.clone()).or_default().0 += 1;
            self.queues.entry(after.queue.clone()).or_default().1 += 1;
            self.priorities.entry(before.priority).or_default().0 += 1;
            self.priorities.entry(after.priority).or_default().1 += 1;
            let queue = before.queue != after.queue;
            let priority = before.priority != after.priority;
            let escalation = before.escalation.escalated != after.escalation.escalated;
            report.queue_changed += u64::from(queue);
            report.priority_changed += u64::from(priority);
            report.escalation_changed += u64::from(escalation);
            if before.decision_differs(&after) {
                report.changed += 1;
                if report.examples.len() < self.max_examples {
                    report.examples.push(ChangedDecision {
                        ticket_id: stored.ticket_id.to_string(),
                        title: stored.title.clone(),
                        queue_before: before.queue,
                        queue_after: after.queue,
                        priority_before: before.priority,
                        priority_after: after.priority,
                        rule_before: before.matched_rule,
                        rule_after: after.matched_rule,
                        escalated_before: before.escalation.escalated,
                        escalated_after: after.escalation.escalated,
                    });
                }
            }
        }
    }

    /// The report of every ticket replayed.
    pub fn finish(self) -> BacktestReport {
        let mut report = self.report;
        let count = |name: String, (before, after): (u64, u64)| CountChange { name, before, after };
        report.queues = self.queues.into_iter().map(|(q, n)| count(q, n)).collect();
        report.priorities = self.priorities.into_iter().rev().map(|(p, n)| count(p.as_str().to_owned(), n)).collect();
        report
    }
}

/// Replays `tickets` (each stored ticket with its first triage result) under `current` and
/// `candidate`; lists at most `max_examples` changed decisions.
pub fn backtest(
    current: &Triager,
    candidate: &Triager,
    tickets: &[(Ticket, TriageResult)],
    max_examples: usize,
) -> BacktestReport {
    let mut tally = Tally::new(current, candidate, max_examples);
    tally.replay(current, candidate, tickets);
    tally.finish()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::testing::{now, ticket};
    use crate::triage::{RuleSet, RulesFormat, TriageSettings};

    fn triager(yaml: &str) -> Triager {
        Triager::new(TriageSettings::default(), Arc::new(RuleSet::parse(yaml, RulesFormat::Yaml).expect("valid")))
    }

    #[test]
    fn a_stored_ticket_is_put_back_as_it_arrived() {
        let current = Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin()));
        let mut t = ticket("Data breach: admin account hacked", "Someone exported all customer records.");
        t.tags = vec!["vip".into()];
        let first = current.triage(&t, now());
        let settled = first.settle(t.clone());
        assert_eq!((settled.priority, settled.status), (Priority::Critical, Status::Escalated));
        assert!(settled.tags.contains(&"security".to_owned()));
        let back = as_received(&settled, &first);
        assert_eq!((back.category, back.priority, back.status), (None, Priority::Medium, Status::New));
        assert_eq!(back.tags, ["vip"]);
        assert_eq!(current.triage(&back, now()), first, "replaying under the same rules gives the same decision");
    }

    #[test]
    fn the_report_counts_changes_per_queue_and_priority() {
        let current = triager("name: a\ndefault_queue: general\nrules: []\n");
        let candidate = triager(
            "name: b\ndefault_queue: general\nrules:\n  - id: refunds\n    priority: 1\n    \
             when: { field: text, op: contains, value: refund }\n    then: { queue: billing, set_priority: HIGH }\n",
        );
        let refund = ticket("Refund please", "I was charged twice.");
        let other = ticket("Printer", "It prints blank pages.");
        let stored: Vec<(Ticket, TriageResult)> = [refund, other]
            .into_iter()
            .map(|t| {
                let r = current.triage(&t, now());
                (r.settle(t), r)
            })
            .collect();
        let report = backtest(&current, &candidate, &stored, 10);
        assert_eq!((report.replayed, report.changed, report.queue_changed, report.priority_changed), (2, 1, 1, 1));
        assert_eq!(report.current_version, current.rules_version());
        assert_eq!(
            report.queues,
            [
                CountChange { name: "billing".into(), before: 0, after: 1 },
                CountChange { name: "general".into(), before: 2, after: 1 }
            ]
        );
        assert!(report.priorities.contains(&CountChange { name: "HIGH".into(), before: 0, after: 1 }));
        let example = &report.examples[0];
        assert_eq!((example.queue_before.as_str(), example.queue_after.as_str()), ("general", "billing"));
        assert_eq!((example.rule_before.as_str(), example.rule_after.as_str()), ("default", "refunds"));
        assert_eq!(backtest(&current, &candidate, &stored, 0).examples.len(), 0);
        let mut paged = Tally::new(&current, &candidate, 10);
        for page in stored.chunks(1) {
            paged.replay(&current, &candidate, page);
        }
        assert_eq!(paged.finish(), report, "a page at a time adds up to the same report");
    }
}
