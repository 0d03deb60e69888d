//! The knobs the triage pipeline reads: limits, escalation, score weights, priority bands, SLAs.

use serde::{Deserialize, Serialize};

use crate::domain::Limits;

/// Relative weights of the score components; normalised so they add up to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreWeights {
    /// Declared priority.
    pub priority: f64,
    /// Urgency language in the text.
    pub urgency: f64,
    /// Negative sentiment.
    pub sentiment: f64,
    /// Risk of the category (security above feature requests).
    pub category_risk: f64,
    /// Age against the escalation threshold.
    pub age: f64,
    /// Customer tier from the `tier` metadata key.
    pub tier: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights { priority: 0.30, urgency: 0.25, sentiment: 0.10, category_risk: 0.15, age: 0.10, tier: 0.10 }
    }
}

impl ScoreWeights {
    /// The weights as (name, value) pairs, in component order.
    pub fn named(&self) -> [(&'static str, f64); 6] {
        [
            ("priority", self.priority),
            ("urgency", self.urgency),
            ("sentiment", self.sentiment),
            ("category_risk", self.category_risk),
            ("age", self.age),
            ("tier", self.tier),
        ]
    }

    /// Why these weights cannot be used, if they cannot (negative, not finite, or all zero).
    pub fn problem(&self) -> Option<String> {
        for (name, w) in self.named() {
            if !w.is_finite() || w < 0.0 {
                return Some(format!("score_weights.{name} must be a non-negative number, got {w}"));
            }
        }
        (self.named().iter().map(|(_, w)| w).sum::<f64>() <= 0.0)
            .then(|| "score_weights must not all be zero".to_owned())
    }
}

/// Scores at or above which the final priority is raised to at least HIGH or CRITICAL.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriorityBands {
    /// Score from which a ticket is at least HIGH.
    pub high: f64,
    /// Score from which a ticket is CRITICAL.
    pub critical: f64,
}

impl Default for PriorityBands {
    fn default() -> Self {
        PriorityBands { high: 0.60, critical: 0.80 }
    }
}

/// Hours until the first response is due, per final priority.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaHours {
    /// For CRITICAL tickets.
    pub critical: f64,
    /// For HIGH tickets.
    pub high: f64,
    /// For MEDIUM tickets.
    pub medium: f64,
    /// For LOW tickets.
    pub low: f64,
}

impl Default for SlaHours {
    fn default() -> Self {
        SlaHours { critical: 1.0, high: 4.0, medium: 24.0, low: 72.0 }
    }
}

/// How near-duplicate tickets are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DuplicateSettings {
    /// Look for earlier tickets that look like the same request.
    pub enabled: bool,
    /// How far back to look, in hours.
    pub window_hours: f64,
    /// Estimated similarity of the texts (0 to 1) from which a ticket counts as a duplicate.
    pub min_similarity: f64,
    /// Most similar tickets listed in a result.
    pub max_results: usize,
}

impl Default for DuplicateSettings {
    fn default() -> Self {
        DuplicateSettings { enabled: true, window_hours: 72.0, min_similarity: 0.8, max_results: 5 }
    }
}

impl DuplicateSettings {
    /// Why these settings cannot be used, if they cannot.
    pub fn problem(&self) -> Option<String> {
        if !self.window_hours.is_finite() || self.window_hours <= 0.0 {
            return Some("duplicates.window_hours must be a positive number of hours".into());
        }
        if !(self.min_similarity > 0.0 && self.min_similarity <= 1.0) {
            return Some("duplicates.min_similarity must be above 0 and at most 1".into());
        }
        (self.max_results == 0 || self.max_results > 100)
            .then(|| "duplicates.max_results must be between 1 and 100".to_owned())
    }
}

/// Everything the pipeline needs besides the ticket, the rules and the clock.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageSettings {
    /// Validation limits and the default priority.
    pub limits: Limits,
    /// Age in hours after which an open ticket is escalated.
    pub escalation_threshold_hours: f64,
    /// Escalate CRITICAL tickets at once.
    pub auto_escalate_critical: bool,
    /// Score weights.
    pub weights: ScoreWeights,
    /// Score bands that raise the priority.
    pub bands: PriorityBands,
    /// Response-time targets.
    pub sla_hours: SlaHours,
}

impl Default for TriageSettings {
    fn default() -> Self {
        TriageSettings {
            limits: Limits::default(),
            escalation_threshold_hours: 24.0,
            auto_escalate_critical: true,
            weights: ScoreWeights::default(),
            bands: PriorityBands::default(),
            sla_hours: SlaHours::default(),
        }
    }
}
