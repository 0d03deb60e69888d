//! What the triage decided about a ticket, with every reason, as the pipeline returns it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::text::hours;
use crate::domain::{Category, Priority, Status, Ticket};

/// Who decided a ticket's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CategorySource {
    /// The requester gave it.
    Requester,
    /// Predicted from the text by the keyword lexicon.
    Predicted,
    /// Nothing pointed anywhere: GENERAL.
    Fallback,
    /// Predicted by a learned model whose confidence passed its threshold.
    Model,
}

/// What made a prediction from the text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Predictor {
    /// The built-in keyword lexicon.
    #[default]
    Lexicon,
    /// A learned model.
    Model,
}

/// Where the queue came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueueSource {
    /// A routing rule set it.
    Rule,
    /// No rule set it and the queue model was confident.
    Model,
    /// No rule set it: the rule set's default queue.
    #[default]
    Default,
}

/// What the queue model predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuePrediction {
    /// The predicted queue.
    pub queue: String,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// Whether the confidence passed the model's threshold.
    pub confident: bool,
}

/// An earlier ticket that looks like the same request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarTicket {
    /// The earlier ticket.
    pub ticket_id: String,
    /// Estimated similarity of the texts in [0, 1].
    pub similarity: f64,
}

/// The category decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The category the ticket is handled under.
    pub category: Category,
    /// Who decided it.
    pub source: CategorySource,
    /// Confidence of the decision in [0, 1].
    pub confidence: f64,
    /// What the text suggests.
    pub predicted_category: Category,
    /// Confidence of the prediction in [0, 1].
    pub predicted_confidence: f64,
    /// What made the prediction.
    #[serde(default)]
    pub predicted_by: Predictor,
    /// The requester's category differs from a confident prediction.
    pub disagreement: bool,
}

/// One weighted part of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreComponent {
    /// `priority`, `urgency`, `sentiment`, `category_risk`, `age` or `tier`.
    pub name: String,
    /// Value in [0, 1].
    pub raw_value: f64,
    /// Normalised weight; all weights add up to 1.
    pub weight: f64,
    /// raw_value * weight.
    pub contribution: f64,
    /// Why, in words.
    pub detail: String,
}

/// What the text says beyond the fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Signals {
    /// Urgency phrases found.
    pub urgency_phrases: Vec<String>,
    /// Urgency of the language in [0, 1].
    pub urgency: f64,
    /// Sentiment in [-1, 1].
    pub sentiment: f64,
    /// ISO 639-1 code or `und`.
    pub language: String,
}

/// How far a ticket is escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EscalationLevel {
    /// Not escalated.
    None,
    /// Brought to a supervisor.
    Supervisor,
    /// Paged to whoever is on call.
    OnCall,
}

impl EscalationLevel {
    /// The level's name as shown in audit details and metrics (`none`, `supervisor`, `on_call`).
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationLevel::None => "none",
            EscalationLevel::Supervisor => "supervisor",
            EscalationLevel::OnCall => "on_call",
        }
    }
}

/// One reason a ticket is escalated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EscalationCause {
    /// The final priority is CRITICAL and `auto_escalate_critical` is on.
    CriticalPriority,
    /// The ticket is still open past the age threshold.
    Age {
        /// How old the ticket is, in hours (whole hours at triage, tenths in the sweep).
        age_hours: f64,
        /// The threshold, in hours.
        threshold_hours: f64,
    },
    /// A routing rule's `escalate` action applied.
    Rule {
        /// The rule's id.
        rule: String,
    },
}

impl EscalationCause {
    /// The cause's kind as a fixed name (`critical_priority`, `age`, `rule`), for labels.
    pub fn kind(&self) -> &'static str {
        match self {
            EscalationCause::CriticalPriority => "critical_priority",
            EscalationCause::Age { .. } => "age",
            EscalationCause::Rule { .. } => "rule",
        }
    }

    /// The cause in words, as the reason text shows it.
    pub fn describe(&self) -> String {
        match self {
            EscalationCause::CriticalPriority => "critical priority".to_owned(),
            EscalationCause::Age { age_hours, threshold_hours } => {
                format!("open for {} h, over the {} h threshold", hours(*age_hours), hours(*threshold_hours))
            }
            EscalationCause::Rule { rule } => format!("rule {rule:?} escalates"),
        }
    }
}

/// The escalation decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    /// Whether the ticket is escalated.
    pub escalated: bool,
    /// How far.
    pub level: EscalationLevel,
    /// Why, in words; empty when not escalated.
    pub reason: String,
    /// Why, as typed causes (absent in results stored before they were recorded).
    #[serde(default)]
    pub causes: Vec<EscalationCause>,
}

impl Escalation {
    /// No escalation.
    pub fn none() -> Self {
        Escalation { escalated: false, level: EscalationLevel::None, reason: String::new(), causes: Vec::new() }
    }

    /// An escalation to `level` for `causes` (none at all when `level` is `None`), the reason text
    /// made from them.
    pub fn new(level: EscalationLevel, causes: Vec<EscalationCause>) -> Self {
        if level == EscalationLevel::None {
            return Escalation::none();
        }
        let reason = causes.iter().map(EscalationCause::describe).collect::<Vec<_>>().join("; ");
        Escalation { escalated: true, level, reason, causes }
    }
}

/// The whole decision about one ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageResult {
    /// The ticket's identifier.
    pub ticket_id: String,
    /// Category decision.
    pub classification: Classification,
    /// Final priority.
    pub priority: Priority,
    /// Priority the ticket arrived with (declared, or the default); absent in results stored before
    /// it was recorded.
    #[serde(default)]
    pub declared_priority: Option<Priority>,
    /// Score in [0, 1].
    pub score: f64,
    /// Every component of the score.
    pub components: Vec<ScoreComponent>,
    /// Queue the ticket goes to.
    pub queue: String,
    /// Rule that decided the queue, or `default`.
    pub matched_rule: String,
    /// Where the queue came from.
    #[serde(default)]
    pub queue_source: QueueSource,
    /// What the queue model predicted, when one is configured.
    #[serde(default)]
    pub queue_prediction: Option<QueuePrediction>,
    /// Every rule that matched, in evaluation order.
    #[serde(default)]
    pub matched_rules: Vec<String>,
    /// Earlier tickets within the duplicate window that look like the same request, most similar first.
    #[serde(default)]
    pub similar_tickets: Vec<SimilarTicket>,
    /// Escalation decision.
    pub escalation: Escalation,
    /// When the first response is due.
    pub sla_due_at: DateTime<Utc>,
    /// Text signals.
    pub signals: Signals,
    /// The decision in words.
    pub explanation: String,
    /// Served from the cache.
    pub from_cache: bool,
    /// Version of the rules that decided it.
    pub rules_version: String,
    /// Tags added by rules.
    pub tags: Vec<String>,
    /// Status after triage: TRIAGED, or ESCALATED when escalated.
    pub status: Status,
    /// When the triage ran.
    pub triaged_at: DateTime<Utc>,
}

impl TriageResult {
    /// Whether `other` decides this ticket differently where it matters to whoever handles it:
    /// queue, final priority or escalation.
    pub fn decision_differs(&self, other: &TriageResult) -> bool {
        self.queue != other.queue
            || self.priority != other.priority
            || self.escalation.escalated != other.escalation.escalated
    }

    /// The ticket as this decision leaves it: decided category, final priority, status, queue and the
    /// tags the rules added.
    pub fn settle(&self, mut ticket: Ticket) -> Ticket {
        ticket.category = Some(self.classification.category);
        ticket.priority = self.priority;
        ticket.status = self.status;
        ticket.assigned_queue = Some(self.queue.clone());
        ticket.add_tags(&self.tags);
        ticket
    }
}
