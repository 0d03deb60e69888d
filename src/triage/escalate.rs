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

/// Decides whether and how far a ticket is escalated.
pub fn decide(input: &EscalationInput<'_>, settings: &TriageSettings) -> Escalation {
    let threshold = if settings.escalation_threshold_hours.is_finite() && settings.escalation_threshold_hours > 0.0 {
        settings.escalation_threshold_hours
    } else {
        TriageSettings::default().escalation_threshold_hours
    };
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
}
