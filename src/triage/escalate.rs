//! Escalation: critical tickets go to whoever is on call, tickets left open past the threshold to a
//! supervisor, and a rule may escalate too; every reason is named.

use super::{
    result::{Escalation, EscalationLevel},
    settings::TriageSettings,
    text::hours,
};
use crate::domain::{Priority, Status};

/// What escalation looks at.
#[derive(Debug, Clone, Copy)]
pub struct EscalationInput<'a> {
    /// Final priority.
    pub priority: Priority,
    /// The ticket's status.
    pub status: Status,
    /// Whole hours since the ticket was created.
    pub age_hours: i64,
    /// The rule whose `escalate` action applied, if any.
    pub rule: Option<&'a str>,
}

/// The age threshold in hours (the default when the setting is unusable).
fn threshold_hours(settings: &TriageSettings) -> f64 {
    if settings.escalation_threshold_hours.is_finite() && settings.escalation_threshold_hours > 0.0 {
        settings.escalation_threshold_hours
    } else {
        TriageSettings::default().escalation_threshold_hours
    }
}

/// How old an open ticket gets before it is escalated for its age.
pub fn age_threshold(settings: &TriageSettings) -> chrono::Duration {
    chrono::Duration::milliseconds((threshold_hours(settings) * 3_600_000.0).round() as i64)
}

/// How the periodic sweep escalates an open ticket found `age` old: to whoever is on call when it is
/// critical, to a supervisor otherwise; `None` while it is under the threshold or no longer open.
pub fn for_age(
    priority: Priority,
    status: Status,
    age: chrono::Duration,
    settings: &TriageSettings,
) -> Option<Escalation> {
    let threshold = threshold_hours(settings);
    let age_hours = age.num_milliseconds() as f64 / 3_600_000.0;
    if !status.is_open() || status == Status::Escalated || age_hours < threshold {
        return None;
    }
    let level = if priority == Priority::Critical { EscalationLevel::OnCall } else { EscalationLevel::Supervisor };
    let shown = (age_hours * 10.0).floor() / 10.0;
    let reason = format!("open for {} h, over the {} h threshold", hours(shown), hours(threshold));
    Some(Escalation { escalated: true, level, reason })
}

/// Decides whether and how far a ticket is escalated.
pub fn decide(input: &EscalationInput<'_>, settings: &TriageSettings) -> Escalation {
    let threshold = threshold_hours(settings);
    let critical = input.priority == Priority::Critical;
    let mut level = EscalationLevel::None;
    let mut reasons: Vec<String> = Vec::new();
    if critical && settings.auto_escalate_critical {
        level = level.max(EscalationLevel::OnCall);
        reasons.push("critical priority".to_owned());
    }
    if input.status.is_open() && input.age_hours as f64 >= threshold {
        level = level.max(if critical { EscalationLevel::OnCall } else { EscalationLevel::Supervisor });
        reasons.push(format!("open for {} h, over the {} h threshold", input.age_hours, hours(threshold)));
    }
    if let Some(rule) = input.rule {
        level = level.max(EscalationLevel::Supervisor);
        reasons.push(format!("rule {rule:?} escalates"));
    }
    Escalation { escalated: level != EscalationLevel::None, level, reason: reasons.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(priority: Priority, status: Status, age_hours: i64, rule: Option<&str>) -> EscalationInput<'_> {
        EscalationInput { priority, status, age_hours, rule }
    }

    #[test]
    fn critical_tickets_go_to_on_call_when_configured() {
        let settings = TriageSettings::default();
        let e = decide(&input(Priority::Critical, Status::New, 0, None), &settings);
        assert_eq!(
            e,
            Escalation { escalated: true, level: EscalationLevel::OnCall, reason: "critical priority".into() }
        );
        let off = TriageSettings { auto_escalate_critical: false, ..TriageSettings::default() };
        let e = decide(&input(Priority::Critical, Status::New, 0, None), &off);
        assert_eq!(e, Escalation { escalated: false, level: EscalationLevel::None, reason: String::new() });
    }

    #[test]
    fn open_tickets_past_the_threshold_go_to_a_supervisor() {
        let settings = TriageSettings::default();
        let e = decide(&input(Priority::Medium, Status::InProgress, 30, None), &settings);
        assert_eq!((e.escalated, e.level), (true, EscalationLevel::Supervisor));
        assert_eq!(e.reason, "open for 30 h, over the 24 h threshold");
        assert!(!decide(&input(Priority::Medium, Status::New, 23, None), &settings).escalated);
        assert!(!decide(&input(Priority::High, Status::Resolved, 300, None), &settings).escalated);
        assert!(!decide(&input(Priority::High, Status::Closed, 300, None), &settings).escalated);

        let off = TriageSettings { auto_escalate_critical: false, ..TriageSettings::default() };
        let e = decide(&input(Priority::Critical, Status::New, 48, None), &off);
        assert_eq!(e.level, EscalationLevel::OnCall);
        let e = decide(&input(Priority::Critical, Status::New, 48, None), &settings);
        assert_eq!(e.reason, "critical priority; open for 48 h, over the 24 h threshold");
    }

    #[test]
    fn a_rule_escalates_at_least_to_a_supervisor() {
        let settings = TriageSettings::default();
        let e = decide(&input(Priority::Low, Status::New, 0, Some("outages")), &settings);
        assert_eq!(
            (e.escalated, e.level, e.reason.as_str()),
            (true, EscalationLevel::Supervisor, "rule \"outages\" escalates")
        );
        let e = decide(&input(Priority::Critical, Status::New, 0, Some("outages")), &settings);
        assert_eq!(e.level, EscalationLevel::OnCall);
    }

    #[test]
    fn the_sweep_escalates_open_tickets_over_the_threshold_only() {
        let settings = TriageSettings { escalation_threshold_hours: 24.0, ..TriageSettings::default() };
        let age = |h: i64, m: i64| chrono::Duration::hours(h) + chrono::Duration::minutes(m);
        assert_eq!(for_age(Priority::High, Status::Triaged, age(23, 59), &settings), None);
        let e = for_age(Priority::High, Status::InProgress, age(24, 30), &settings).expect("over");
        assert_eq!((e.escalated, e.level), (true, EscalationLevel::Supervisor));
        assert_eq!(e.reason, "open for 24.5 h, over the 24 h threshold");
        let e = for_age(Priority::Critical, Status::New, age(30, 0), &settings).expect("over");
        assert_eq!(e.level, EscalationLevel::OnCall);
        for done in [Status::Resolved, Status::Closed, Status::Escalated] {
            assert_eq!(for_age(Priority::High, done, age(100, 0), &settings), None, "{done:?}");
        }
    }
}
