//! The triage of one validated ticket: signals, category, score, routing, priority, escalation,
//! SLA and explanation, put together into a [`TriageResult`].

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::{
    classify::classify,
    classify::model_text,
    escalate::{self, EscalationInput},
    explain::{Decision, explain},
    predict::Models,
    result::{QueuePrediction, QueueSource, SimilarTicket, TriageResult},
    rules::{DEFAULT_RULE, Facts, RuleSet},
    score::{age_hours, banded_priority, score},
    settings::{SlaHours, TriageSettings},
    signals,
};
use crate::domain::{Priority, Status, Ticket};

/// Triages tickets with fixed settings and rules.
#[derive(Debug, Clone)]
pub struct Triager {
    settings: TriageSettings,
    rules: Arc<RuleSet>,
    models: Models,
    version: String,
}

impl Triager {
    /// A triager with these settings and rules, and no learned models.
    pub fn new(settings: TriageSettings, rules: Arc<RuleSet>) -> Self {
        Triager::with_models(settings, rules, Models::default())
    }

    /// A triager with these settings, rules and learned models.
    pub fn with_models(settings: TriageSettings, rules: Arc<RuleSet>, models: Models) -> Self {
        let version = match models.version() {
            m if m.is_empty() => rules.version().to_owned(),
            m => format!("{};{m}", rules.version()),
        };
        Triager { settings, rules, models, version }
    }

    /// The same settings and models with other rules (a reload).
    pub fn with_rules(&self, rules: Arc<RuleSet>) -> Self {
        Triager::with_models(self.settings.clone(), rules, self.models.clone())
    }

    /// Everything besides the ticket that decides a result: the rules version and the models in
    /// use. Cache keys include it.
    pub fn decision_version(&self) -> &str {
        &self.version
    }

    /// The learned models in use.
    pub fn models(&self) -> &Models {
        &self.models
    }

    /// Version of the rules in force.
    pub fn rules_version(&self) -> &str {
        self.rules.version()
    }

    /// The settings in force.
    pub fn settings(&self) -> &TriageSettings {
        &self.settings
    }

    /// The rules in force.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The rules in force, shared.
    pub fn rules_arc(&self) -> Arc<RuleSet> {
        self.rules.clone()
    }

    /// Triages a validated ticket as of `now`. The same ticket, settings, rules and `now` always
    /// give the same result.
    pub fn triage(&self, ticket: &Ticket, now: DateTime<Utc>) -> TriageResult {
        self.triage_with(ticket, &[], now)
    }

    /// Triages a validated ticket as of `now`, knowing the earlier tickets that look like the same
    /// request (most similar first); rules can test them and the result lists them.
    pub fn triage_with(&self, ticket: &Ticket, similar: &[SimilarTicket], now: DateTime<Utc>) -> TriageResult {
        let settings = &self.settings;
        let signals = signals::read(&ticket.title, &ticket.description);
        // The text the learned models read, built once for both.
        let text = if self.models.category.is_some() || self.models.queue.is_some() {
            model_text(&ticket.title, &ticket.description)
        } else {
            String::new()
        };
        let category_model = self.models.category.as_ref().map(|m| (m, text.as_str()));
        let classification = classify(&ticket.title, &ticket.description, ticket.category, category_model);
        let queue_prediction = self.models.queue.as_ref().and_then(|m| {
            let (queue, confidence, confident) = m.predict(&text)?;
            Some(QueuePrediction { queue, confidence, confident })
        });
        let score = score(ticket, classification.category, &signals, settings, now);
        let age_hours = age_hours(ticket.created_at, now);
        let facts = Facts {
            ticket,
            classification: &classification,
            signals: &signals,
            score: score.value,
            age_hours,
            queue_prediction: queue_prediction.as_ref(),
            similar,
        };
        let mut routing = self.rules.route(&facts);
        let queue_source = if !routing.matched_rule.eq(DEFAULT_RULE) {
            QueueSource::Rule
        } else if let Some(p) = queue_prediction.as_ref().filter(|p| p.confident) {
            routing.queue = p.queue.clone();
            QueueSource::Model
        } else {
            QueueSource::Default
        };
        let banded = banded_priority(ticket.priority, score.value, &settings.bands);
        let priority = routing.set_priority.as_ref().map_or(banded, |(p, _)| *p);
        let escalation = escalate::decide(
            &EscalationInput { priority, status: ticket.status, age_hours, rule: routing.escalated_by.as_deref() },
            settings,
        );
        let sla_due_at = match &routing.sla_hours {
            Some((hours, _)) => due_after(ticket.created_at, *hours),
            None => sla_due_at(ticket.created_at, priority, &settings.sla_hours),
        };
        let explanation = explain(&Decision {
            classification: &classification,
            score: score.value,
            components: &score.components,
            declared: ticket.priority,
            priority_given: ticket.priority_given,
            banded,
            bands: &settings.bands,
            routing: &routing,
            queue_source,
            queue_prediction: queue_prediction.as_ref(),
            similar,
            escalation: &escalation,
            sla_due_at,
        });
        TriageResult {
            ticket_id: ticket.ticket_id.to_string(),
            priority,
            declared_priority: Some(ticket.priority),
            score: score.value,
            components: score.components,
            queue: routing.queue,
            matched_rule: routing.matched_rule,
            queue_source,
            queue_prediction,
            matched_rules: routing.matched_rules,
            similar_tickets: similar.to_vec(),
            status: if escalation.escalated { Status::Escalated } else { Status::Triaged },
            escalation,
            sla_due_at,
            signals,
            explanation,
            from_cache: false,
            rules_version: self.rules.version().to_owned(),
            tags: routing.tags,
            classification,
            triaged_at: now,
        }
    }
}

/// When the first response is due: `created_at` plus the SLA hours of `priority` (the default
/// hours when the configured ones are unusable; the far future rather than an overflow).
pub fn sla_due_at(created_at: DateTime<Utc>, priority: Priority, sla: &SlaHours) -> DateTime<Utc> {
    let pick = |s: &SlaHours| match priority {
        Priority::Critical => s.critical,
        Priority::High => s.high,
        Priority::Medium => s.medium,
        Priority::Low => s.low,
    };
    let hours = Some(pick(sla)).filter(|h| h.is_finite() && *h > 0.0).unwrap_or_else(|| pick(&SlaHours::default()));
    due_after(created_at, hours)
}

/// `created_at` plus `hours` (the far future rather than an overflow; at once for unusable hours).
pub fn due_after(created_at: DateTime<Utc>, hours: f64) -> DateTime<Utc> {
    let hours = if hours.is_finite() { hours.max(0.0) } else { 0.0 };
    let millis = (hours.min(1e9) * 3_600_000.0).round() as i64;
    TimeDelta::try_milliseconds(millis)
        .and_then(|d| created_at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::{
        domain::Category,
        triage::{
            fixtures::{now, ticket},
            result::{CategorySource, EscalationLevel},
        },
    };

    fn triager() -> Triager {
        Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin()))
    }

    #[test]
    fn a_plain_question_goes_to_general_support_untouched() {
        let t = ticket("Question about opening hours", "When is your office open on public holidays?");
        let r = triager().triage(&t, now());
        assert_eq!(r.ticket_id, "TKT-20261127-AAAAAAAA");
        assert_eq!(
            (r.classification.category, r.classification.source),
            (Category::General, CategorySource::Predicted)
        );
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
        let t = ticket(
            "Data breach: admin account hacked",
            "Someone logged in from abroad and exported all customer records.",
        );
        let r = triager().triage(&t, now());
        assert_eq!(r.classification.category, Category::Security);
        assert_eq!((r.queue.as_str(), r.matched_rule.as_str()), ("security", "security-incidents"));
        assert_eq!((r.priority, r.status), (Priority::Critical, Status::Escalated));
        assert_eq!(r.escalation.level, EscalationLevel::OnCall);
        assert_eq!(r.escalation.reason, "critical priority; rule \"security-incidents\" escalates");
        assert_eq!(r.tags, ["security", "incident"]);
        assert_eq!(r.sla_due_at, now() + Duration::hours(1));
        assert!(
            r.explanation.contains("Priority set to CRITICAL by rule \"security-incidents\"."),
            "{}",
            r.explanation
        );
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
    fn sla_hours_fall_back_and_never_overflow() {
        let bad = SlaHours { critical: f64::NAN, high: -1.0, medium: 1e300, low: 0.5 };
        assert_eq!(sla_due_at(now(), Priority::Critical, &bad), now() + Duration::hours(1));
        assert_eq!(sla_due_at(now(), Priority::High, &bad), now() + Duration::hours(4));
        assert_eq!(sla_due_at(now(), Priority::Low, &bad), now() + Duration::minutes(30));
        assert_eq!(sla_due_at(DateTime::<Utc>::MAX_UTC, Priority::Low, &SlaHours::default()), DateTime::<Utc>::MAX_UTC);
    }
}
