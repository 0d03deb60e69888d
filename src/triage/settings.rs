//! The knobs the triage pipeline reads: limits, escalation, score weights, priority bands, SLAs.
//! Each value is checked when it is made ([`Hours`], [`Weights`]), so the pipeline never checks
//! again and never falls back.

use serde::{Deserialize, Serialize};

use crate::domain::Limits;

/// The longest span of hours a setting may hold: ten years. Anything longer is a mistake, and a
/// bound keeps every time computed from it inside the calendar.
pub const MAX_HOURS: f64 = 87_600.0;

/// A positive, finite number of hours, at most [`MAX_HOURS`].
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Hours(f64);

impl Hours {
    /// `hours`, when it is above 0 and at most [`MAX_HOURS`].
    pub fn new(hours: f64) -> Result<Hours, String> {
        if hours.is_finite() && hours > 0.0 && hours <= MAX_HOURS {
            Ok(Hours(hours))
        } else {
            Err(format!("must be a number of hours above 0 and at most {MAX_HOURS}, got {hours}"))
        }
    }

    /// A constant known to be valid.
    const fn known(hours: f64) -> Hours {
        Hours(hours)
    }

    /// The number of hours.
    pub fn get(self) -> f64 {
        self.0
    }

    /// As a duration (whole milliseconds); the bound keeps it far inside chrono's range.
    pub fn duration(self) -> chrono::Duration {
        chrono::Duration::milliseconds((self.0 * 3_600_000.0).round() as i64)
    }
}

impl TryFrom<f64> for Hours {
    type Error = String;

    fn try_from(hours: f64) -> Result<Self, Self::Error> {
        Hours::new(hours)
    }
}

impl From<Hours> for f64 {
    fn from(hours: Hours) -> f64 {
        hours.0
    }
}

/// Relative weights of the score components as configured; [`Weights`] holds them normalised.
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

    /// The weights scaled to add up to 1, or why they cannot be (negative, not finite, all zero).
    pub fn normalised(&self) -> Result<Weights, String> {
        for (name, w) in self.named() {
            if !w.is_finite() || w < 0.0 {
                return Err(format!("score_weights.{name} must be a non-negative number, got {w}"));
            }
        }
        let sum: f64 = self.named().iter().map(|(_, w)| w).sum();
        if !(sum > 0.0 && sum.is_finite()) {
            return Err("score_weights must not all be zero".to_owned());
        }
        let w = self;
        Ok(Weights(ScoreWeights {
            priority: w.priority / sum,
            urgency: w.urgency / sum,
            sentiment: w.sentiment / sum,
            category_risk: w.category_risk / sum,
            age: w.age / sum,
            tier: w.tier / sum,
        }))
    }
}

/// Score weights that are non-negative and add up to 1 (the default weights do already).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Weights(ScoreWeights);

impl Weights {
    /// The normalised weights.
    pub fn get(&self) -> &ScoreWeights {
        &self.0
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

impl PriorityBands {
    /// Why these bands cannot be used, if they cannot.
    pub fn problem(&self) -> Option<String> {
        let in_range = |x: f64| (0.0..=1.0).contains(&x);
        (!(in_range(self.high) && in_range(self.critical) && self.high <= self.critical))
            .then(|| format!("need 0 <= high <= critical <= 1, got high {} and critical {}", self.high, self.critical))
    }
}

/// Hours until the first response is due, per final priority.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaHours {
    /// For CRITICAL tickets.
    pub critical: Hours,
    /// For HIGH tickets.
    pub high: Hours,
    /// For MEDIUM tickets.
    pub medium: Hours,
    /// For LOW tickets.
    pub low: Hours,
}

impl Default for SlaHours {
    fn default() -> Self {
        SlaHours {
            critical: Hours::known(1.0),
            high: Hours::known(4.0),
            medium: Hours::known(24.0),
            low: Hours::known(72.0),
        }
    }
}

/// How near-duplicate tickets are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DuplicateSettings {
    /// Look for earlier tickets that look like the same request.
    pub enabled: bool,
    /// How far back to look.
    pub window_hours: Hours,
    /// Estimated similarity of the texts (0 to 1) from which a ticket counts as a duplicate.
    pub min_similarity: f64,
    /// Most similar tickets listed in a result.
    pub max_results: usize,
}

impl Default for DuplicateSettings {
    fn default() -> Self {
        DuplicateSettings { enabled: true, window_hours: Hours::known(72.0), min_similarity: 0.8, max_results: 5 }
    }
}

impl DuplicateSettings {
    /// Why these settings cannot be used, if they cannot.
    pub fn problem(&self) -> Option<String> {
        if !(self.min_similarity > 0.0 && self.min_similarity <= 1.0) {
            return Some(format!("min_similarity must be above 0 and at most 1, got {}", self.min_similarity));
        }
        (self.max_results == 0 || self.max_results > 100)
            .then(|| format!("max_results must be between 1 and 100, got {}", self.max_results))
    }
}

/// Everything the pipeline needs besides the ticket, the rules and the clock.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageSettings {
    /// Validation limits and the default priority.
    pub limits: Limits,
    /// Age after which an open ticket is escalated.
    pub escalation_threshold: Hours,
    /// Escalate CRITICAL tickets at once.
    pub auto_escalate_critical: bool,
    /// Score weights, adding up to 1.
    pub weights: Weights,
    /// Score bands that raise the priority.
    pub bands: PriorityBands,
    /// Response-time targets.
    pub sla_hours: SlaHours,
    /// Detect the language of every ticket, not only when a rule tests `signals.language`.
    pub detect_language: bool,
}

impl Default for TriageSettings {
    fn default() -> Self {
        TriageSettings {
            limits: Limits::default(),
            escalation_threshold: Hours::known(24.0),
            auto_escalate_critical: true,
            weights: Weights::default(),
            bands: PriorityBands::default(),
            sla_hours: SlaHours::default(),
            detect_language: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_must_be_positive_finite_and_bounded() {
        assert_eq!(Hours::new(12.5).map(Hours::get), Ok(12.5));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, MAX_HOURS + 1.0] {
            assert!(Hours::new(bad).is_err(), "{bad}");
        }
        assert_eq!(Hours::new(MAX_HOURS).expect("the bound").duration(), chrono::Duration::hours(87_600));
        let err: Result<SlaHours, _> = serde_json::from_str(r#"{"high": -4}"#);
        assert!(err.expect_err("negative").to_string().contains("above 0"));
    }

    #[test]
    fn weights_are_normalised_or_refused() {
        let w = ScoreWeights { priority: 2.0, urgency: 2.0, sentiment: 0.0, category_risk: 0.0, age: 0.0, tier: 0.0 };
        let n = w.normalised().expect("usable");
        assert_eq!((n.get().priority, n.get().urgency, n.get().tier), (0.5, 0.5, 0.0));
        let zero =
            ScoreWeights { priority: 0.0, urgency: 0.0, sentiment: 0.0, category_risk: 0.0, age: 0.0, tier: 0.0 };
        assert_eq!(zero.normalised(), Err("score_weights must not all be zero".to_owned()));
        let negative = ScoreWeights { age: -1.0, ..ScoreWeights::default() };
        assert!(negative.normalised().expect_err("negative").contains("score_weights.age"));
        let sum: f64 = Weights::default().get().named().iter().map(|(_, w)| w).sum();
        assert!((sum - 1.0).abs() < 1e-12);
    }
}
