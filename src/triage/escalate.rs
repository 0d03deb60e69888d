//! Escalation: critical tickets go to whoever is on call, tickets left open past the threshold to a
//! supervisor, and a rule may escalate too; every cause is named.

use super::{
    result::{Escalation, EscalationCause, EscalationLevel},
    settings::TriageSettings,
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

/// How old an open ticket gets before it is escalated for its age.
pub fn age_threshold(settings: &TriageSettings) -> chrono::Duration {
    settings.escalation_threshold.duration()
}

/// How the periodic sweep escalates an open ticket found `age` old: to whoever is on call when it is
/// critical, to a supervisor otherwise; `None` while it is under the threshold or no longer open.
pub fn for_age(
    priority: Priority,
    status: Status,
    age: chrono::Duration,
    settings: &TriageSettings,
) -> Option<Escalation> {
    let threshold = settings.escalation_threshold.get();
    let age_hours = age.num_milliseconds() as f64 / 3_600_000.0;
    if !status.is_open() || status == Status::Escalated || age_hours < threshold {
        return None;
    }
    let level = if priority == Priority::Critical { EscalationLevel::OnCall } else { EscalationLevel::Supervisor };
    let shown = (age_hours * 10.0).floor() / 10.0;
    Some(Escalation::new(level, vec![EscalationCause::Age { age_hours: shown, threshold_hours: threshold }]))
}

/// Decides whether and how far a ticket is escalated.
pub fn decide(input: &EscalationInput<'_>, settings: &TriageSettings) -> Escalation {
    let threshold = settings.escalation_threshold.get();
    let critical = input.priority == Priority::Critical;
    let mut level = EscalationLevel::None;
    let mut causes = Vec::new();
    if critical && settings.auto_escalate_critical {
        level = level.max(EscalationLevel::OnCall);
        causes.push(EscalationCause::CriticalPriority);
    }
    if input.status.is_open() && input.age_hours as f64 >= threshold {
        level = level.max(if critical { EscalationLevel::OnCall } else { EscalationLevel::Supervisor });
        causes.push(EscalationCause::Age { age_hours: input.age_hours as f64, threshold_hours: threshold });
    }
    if let Some(rule) = input.rule {
        level = level.max(EscalationLevel::Supervisor);
        causes.push(EscalationCause::Rule { rule: rule.to_owned() });
    }
    Escalation::new(level, causes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::settings::Hours;

    fn input(priority: Priority, status: Status, age_hours: i64, rule: Option<&str>) -> EscalationInput<'_> {
        EscalationInput { priority, status, age_hours, rule }
    }

    #[test]
    fn critical_tickets_go_to_on_call_when_configured() {
        let settings = TriageSettings::default();
        let e = decide(&input(Priority::Critical, Status::New, 0, None), &settings);
        assert_eq!((e.escalated, e.level, e.reason.as_str()), (true, EscalationLevel::OnCall, "critical priority"));
        assert_eq!(e.causes, [EscalationCause::CriticalPriority]);
        let off = TriageSettings { auto_escalate_critical: false, ..TriageSettings::default() };
        let e = decide(&input(Priority::Critical, Status::New, 0, None), &off);
        assert_eq!(e, Escalation::none());
    }

    #[test]
    fn open_tickets_past_the_threshold_go_to_a_supervisor() {
        let settings = TriageSettings::default();
        let e = decide(&input(Priority::Medium, Status::InProgress, 30, None), &settings);
        assert_eq!((e.escalated, e.level), (true, EscalationLevel::Supervisor));
        assert_eq!(e.reason, "open for 30 h, over the 24 h threshold");
        assert_eq!(e.causes, [EscalationCause::Age { age_hours: 30.0, threshold_hours: 24.0 }]);
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
        assert_eq!(e.causes, [EscalationCause::Rule { rule: "outages".into() }]);
        let e = decide(&input(Priority::Critical, Status::New, 0, Some("outages")), &settings);
        assert_eq!(e.level, EscalationLevel::OnCall);
    }

    #[test]
    fn the_sweep_escalates_open_tickets_over_the_threshold_only() {
        let settings = TriageSettings { escalation_threshold: Hours::new(24.0).expect("hours"), ..Default::default() };
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

    #[test]
    fn an_escalation_stored_before_causes_were_recorded_still_reads() {
        let old = r#"{"escalated": true, "level": "SUPERVISOR", "reason": "rule \"vip\" escalates"}"#;
        let e: Escalation = serde_json::from_str(old).expect("reads");
        assert_eq!((e.level, e.causes.len()), (EscalationLevel::Supervisor, 0));
    }
}
