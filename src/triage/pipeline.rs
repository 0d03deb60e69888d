//! The triage of one validated ticket: signals, category, score, routing, priority, escalation,
//! SLA and explanation, put together into a [`TriageResult`].

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::{
    classify::{decide, learned},
    escalate::{self, EscalationInput},
    explain::{Decision, explain},
    lexicon::scan,
    predict::Models,
    result::{QueuePrediction, QueueSource, SimilarTicket, TriageResult},
    rules::{DEFAULT_RULE, Facts, Field, RuleSet},
    score::{age_hours, banded_priority, score},
    settings::{SlaHours, TriageSettings},
    signals,
    text::TicketText,
};
use crate::domain::{Priority, Status, Ticket};

/// Triages tickets with fixed settings and rules.
#[derive(Debug, Clone)]
pub struct Triager {
    settings: TriageSettings,
    rules: Arc<RuleSet>,
    models: Models,
    version: String,
    detect_language: bool,
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
        let detect_language = settings.detect_language || rules.tests_field(&Field::Language);
        Triager { settings, rules, models, version, detect_language }
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

    /// Whether the language of every ticket is detected: when the settings ask for it or a rule tests
    /// `signals.language`. Otherwise `signals.language` is `und`.
    pub fn detects_language(&self) -> bool {
        self.detect_language
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
        self.decide(ticket, &TicketText::new(&ticket.title, &ticket.description), similar, now).result
    }

    /// The triage of a ticket whose text was already read (`text` must be the ticket's own title and
    /// description), with the response target it was given: what a cached decision needs to be due
    /// at the right time for a ticket created at another.
    pub fn decide(&self, ticket: &Ticket, text: &TicketText, similar: &[SimilarTicket], now: DateTime<Utc>) -> Decided {
        let settings = &self.settings;
        let hits = scan(text);
        let signals = signals::of(text, &hits, self.detect_language);
        let learned = self.models.category.as_ref().and_then(|m| learned(m, text.joined()));
        let classification = decide(&hits, ticket.category, learned);
        let queue_prediction = self.models.queue.as_ref().and_then(|m| {
            let (queue, confidence, confident) = m.predict(text.joined())?;
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
        let sla_hours = match &routing.sla_hours {
            Some((hours, _)) => *hours,
            None => sla_hours(priority, &settings.sla_hours),
        };
        let sla_due_at = due_after(ticket.created_at, sla_hours);
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
        let result = TriageResult {
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
        };
        Decided { result, sla_hours }
    }
}

/// A triage result with the response target it was given.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The result.
    pub result: TriageResult,
    /// Hours from creation to the first response due (`sla_due_at - created_at`).
    pub sla_hours: f64,
}

/// When the first response is due: `created_at` plus the SLA hours of `priority` (the far future
/// rather than an overflow).
pub fn sla_due_at(created_at: DateTime<Utc>, priority: Priority, sla: &SlaHours) -> DateTime<Utc> {
    due_after(created_at, sla_hours(priority, sla))
}

/// The SLA hours of `priority`.
fn sla_hours(priority: Priority, sla: &SlaHours) -> f64 {
    let hours = match priority {
        Priority::Critical => sla.critical,
        Priority::High => sla.high,
        Priority::Medium => sla.medium,
        Priority::Low => sla.low,
    };
    hours.get()
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
mod language_tests;
#[cfg(test)]
mod tests;
