//! Unit tests of the whole pipeline.

use chrono::Duration;

use super::*;
use crate::testing::{now, ticket};
use crate::{
    domain::Category,
    triage::result::{CategorySource, EscalationLevel},
};

fn triager() -> Triager {
    Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin()))
}

#[test]
fn a_plain_question_goes_to_general_support_untouched() {
    let t = ticket("Question about opening hours", "When is your office open on public holidays?");
    let r = triager().triage(&t, now());
    assert_eq!(r.ticket_id, "TKT-20261127-AAAAAAAA");
    assert_eq!((r.classification.category, r.classification.source), (Category::General, CategorySource::Predicted));
    assert_eq!((r.queue.as_str(), r.matched_rule.as_str()), ("general-support", "default"));
    assert_eq!((r.priority, r.status), (Priority::Medium, Status::Triaged));
    assert!(!r.escalation.escalated && r.escalation.reason.is_empty());
    assert_eq!(r.sla_due_at, now() + Duration::hours(24));
    assert_eq!(r.rules_version, RuleSet::builtin().version());
    assert_eq!((r.from_cache, r.triaged_at), (false, now()));
    assert!(r.tags.is_empty());
    assert!(r.explanation.contains("Routed to general-support (the default queue)."), "{}", r.explanation);
    let sum: f64 = r.components.iter().map(|c| c.contribution).sum();
    assert!((sum - r.score).abs() < 1e-12);
}

#[test]
fn a_breach_is_critical_escalated_and_routed_to_security() {
    let t =
        ticket("Data breach: admin account hacked", "Someone logged in from abroad and exported all customer records.");
    let r = triager().triage(&t, now());
    assert_eq!(r.classification.category, Category::Security);
    assert_eq!((r.queue.as_str(), r.matched_rule.as_str()), ("security", "security-incidents"));
    assert_eq!((r.priority, r.status), (Priority::Critical, Status::Escalated));
    assert_eq!(r.escalation.level, EscalationLevel::OnCall);
    assert_eq!(r.escalation.reason, "critical priority; rule \"security-incidents\" escalates");
    assert_eq!(r.tags, ["security", "incident"]);
    assert_eq!(r.sla_due_at, now() + Duration::hours(1));
    assert!(r.explanation.contains("Priority set to CRITICAL by rule \"security-incidents\"."), "{}", r.explanation);
}

#[test]
fn an_old_angry_enterprise_outage_is_raised_by_the_score_and_paged() {
    let mut t = ticket(
        "URGENT: production outage",
        "The API is down for all users, we are losing revenue. Unacceptable, terrible, I am furious!",
    );
    t.metadata.insert("tier".into(), "enterprise".into());
    t.priority = Priority::High;
    t.created_at = now() - Duration::hours(26);
    let r = triager().triage(&t, now());
    assert_eq!(r.classification.category, Category::Technical);
    assert!(r.score >= 0.8, "{}", r.score);
    assert_eq!(r.priority, Priority::Critical);
    assert_eq!((r.queue.as_str(), r.matched_rule.as_str()), ("incident-response", "outages"));
    assert_eq!(r.escalation.level, EscalationLevel::OnCall);
    assert_eq!(
        r.escalation.reason,
        "critical priority; open for 26 h, over the 24 h threshold; rule \"outages\" escalates"
    );
    assert!(r.explanation.contains("Priority raised from HIGH to CRITICAL (score >= 0.80)."), "{}", r.explanation);
}

#[test]
fn an_old_open_ticket_goes_to_a_supervisor() {
    let mut t = ticket("Printer on floor 3", "It prints blank pages.");
    t.created_at = now() - Duration::minutes(30 * 60 + 15);
    t.priority = Priority::Low;
    let r = triager().triage(&t, now());
    assert_eq!(r.escalation.level, EscalationLevel::Supervisor);
    assert_eq!(r.escalation.reason, "open for 30 h, over the 24 h threshold");
    assert_eq!(r.status, Status::Escalated);
    assert_eq!(r.sla_due_at, t.created_at + Duration::hours(72));
}

#[test]
fn the_same_input_gives_the_same_result() {
    let t = ticket("Refund for double charge", "We were charged twice on invoice 2026-118.");
    let (a, b) = (triager().triage(&t, now()), triager().triage(&t, now()));
    assert_eq!(a, b);
    assert_eq!(a.queue, "billing");
}

#[test]
fn odd_tickets_do_not_panic() {
    let mut t = ticket("", "");
    t.requester_email = "no-at-sign".into();
    t.created_at = DateTime::<Utc>::MIN_UTC;
    let r = triager().triage(&t, now());
    assert_eq!(r.classification.source, CategorySource::Fallback);
    let huge = ticket(&"\u{202E}é\u{0301}!".repeat(10_000), &"outage ".repeat(20_000));
    assert!(triager().triage(&huge, now()).score <= 1.0);
}

#[test]
fn sla_hours_come_from_the_settings_and_never_overflow() {
    let hours = |h: f64| crate::triage::settings::Hours::new(h).expect("hours");
    let sla = SlaHours { critical: hours(0.25), high: hours(4.0), medium: hours(87_600.0), low: hours(0.5) };
    assert_eq!(sla_due_at(now(), Priority::Critical, &sla), now() + Duration::minutes(15));
    assert_eq!(sla_due_at(now(), Priority::High, &sla), now() + Duration::hours(4));
    assert_eq!(sla_due_at(now(), Priority::Medium, &sla), now() + Duration::hours(87_600));
    assert_eq!(sla_due_at(now(), Priority::Low, &sla), now() + Duration::minutes(30));
    assert_eq!(sla_due_at(DateTime::<Utc>::MAX_UTC, Priority::Low, &SlaHours::default()), DateTime::<Utc>::MAX_UTC);
}
