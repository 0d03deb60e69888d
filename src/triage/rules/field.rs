//! The ticket fields a rule condition can test, and the facts about a ticket they are read from.

use std::borrow::Cow;

use crate::{
    domain::{Category, Priority, Status, Ticket},
    triage::result::{CategorySource, Classification, Predictor, QueuePrediction, Signals, SimilarTicket},
};

/// Everything rules can look at: the ticket and what the pipeline found out before routing.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The ticket.
    pub ticket: &'a Ticket,
    /// The category decision.
    pub classification: &'a Classification,
    /// The text signals.
    pub signals: &'a Signals,
    /// The score in [0, 1].
    pub score: f64,
    /// Whole hours since the ticket was created.
    pub age_hours: i64,
    /// What the queue model predicted, when one is configured.
    pub queue_prediction: Option<&'a QueuePrediction>,
    /// Earlier tickets that look like the same request, most similar first.
    pub similar: &'a [SimilarTicket],
}

/// A field a condition tests; [`FIELD_NAMES`] lists how rules name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Title,
    Description,
    /// Title, a new line, description.
    Text,
    RequesterEmail,
    /// What follows the `@`.
    RequesterDomain,
    /// The decided category.
    Category,
    /// Who decided the category.
    CategorySource,
    PredictedCategory,
    /// What made the prediction: the lexicon or a model.
    PredictedBy,
    /// Confidence of the decided category.
    CategoryConfidence,
    /// Confidence of the prediction, whatever the decided category.
    PredictedConfidence,
    /// The queue model's prediction; absent without a queue model.
    PredictedQueue,
    /// The queue model's confidence; 0 without a queue model.
    QueueConfidence,
    /// The declared priority.
    Priority,
    Score,
    Status,
    Tags,
    AgeHours,
    Urgency,
    Sentiment,
    Language,
    UrgencyPhrases,
    /// How many earlier tickets look like the same request.
    DuplicatesCount,
    /// The highest similarity among them; 0 when there are none.
    DuplicatesMaxSimilarity,
    /// Whether there is at least one.
    HasDuplicates,
    /// `metadata.<key>`; absent when the ticket has no such key.
    Metadata(String),
}

/// Every field but `metadata.<key>`, by the name rules use.
const NAMED: &[(&str, Field)] = &[
    ("title", Field::Title),
    ("description", Field::Description),
    ("text", Field::Text),
    ("requester_email", Field::RequesterEmail),
    ("requester_domain", Field::RequesterDomain),
    ("category", Field::Category),
    ("category_source", Field::CategorySource),
    ("predicted_category", Field::PredictedCategory),
    ("predicted_by", Field::PredictedBy),
    ("category_confidence", Field::CategoryConfidence),
    ("predicted_confidence", Field::PredictedConfidence),
    ("predicted_queue", Field::PredictedQueue),
    ("queue_confidence", Field::QueueConfidence),
    ("priority", Field::Priority),
    ("score", Field::Score),
    ("status", Field::Status),
    ("tags", Field::Tags),
    ("age_hours", Field::AgeHours),
    ("signals.urgency", Field::Urgency),
    ("signals.sentiment", Field::Sentiment),
    ("signals.language", Field::Language),
    ("signals.urgency_phrases", Field::UrgencyPhrases),
    ("duplicates.count", Field::DuplicatesCount),
    ("duplicates.max_similarity", Field::DuplicatesMaxSimilarity),
    ("has_duplicates", Field::HasDuplicates),
];

/// Names of every field, for error messages.
pub const FIELD_NAMES: &str = "title, description, text, requester_email, requester_domain, category, category_source, \
predicted_category, predicted_by, category_confidence, predicted_confidence, predicted_queue, queue_confidence, priority, \
score, status, tags, age_hours, signals.urgency, signals.sentiment, signals.language, signals.urgency_phrases, \
duplicates.count, duplicates.max_similarity, has_duplicates, metadata.<key>";

/// What kind of value a field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// One of a closed set of names: a category, priority, status, category source or predictor.
    Named,
    /// A number.
    Number,
    /// A list of names.
    List,
    /// True or false.
    Bool,
}

/// A field's value for one ticket; text is lower-cased, `None` when absent.
#[derive(Debug, Clone, PartialEq)]
pub enum Actual<'a> {
    /// Text or a name, lower-cased.
    Text(Option<String>),
    /// A number.
    Number(f64),
    /// A list, as given.
    List(&'a [String]),
    /// True or false.
    Bool(bool),
}

/// The values a number field takes: lowest, highest, and whether only whole numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumberRange {
    /// Lowest value.
    pub min: f64,
    /// Highest value (may be infinite).
    pub max: f64,
    /// Only whole numbers.
    pub whole: bool,
}

impl Field {
    /// The field a name stands for, if any.
    pub fn parse(name: &str) -> Option<Field> {
        if let Some((_, field)) = NAMED.iter().find(|(n, _)| *n == name) {
            return Some(field.clone());
        }
        match name.strip_prefix("metadata.") {
            Some(key) if !key.trim().is_empty() => Some(Field::Metadata(key.to_owned())),
            _ => None,
        }
    }

    /// The name rules use for the field.
    pub fn name(&self) -> Cow<'static, str> {
        match self {
            Field::Metadata(key) => Cow::Owned(format!("metadata.{key}")),
            other => Cow::Borrowed(NAMED.iter().find(|(_, f)| f == other).map_or("?", |(n, _)| n)),
        }
    }

    /// The kind of value the field holds.
    pub fn kind(&self) -> Kind {
        match self {
            Field::Category
            | Field::CategorySource
            | Field::PredictedCategory
            | Field::PredictedBy
            | Field::Priority
            | Field::Status => Kind::Named,
            Field::CategoryConfidence
            | Field::PredictedConfidence
            | Field::QueueConfidence
            | Field::Score
            | Field::AgeHours
            | Field::Urgency
            | Field::Sentiment
            | Field::DuplicatesCount
            | Field::DuplicatesMaxSimilarity => Kind::Number,
            Field::Tags | Field::UrgencyPhrases => Kind::List,
            Field::HasDuplicates => Kind::Bool,
            _ => Kind::Text,
        }
    }

    /// Whether the field can be absent (metadata, the predicted queue) or empty (lists): what
    /// `exists` tests.
    pub fn can_be_missing(&self) -> bool {
        matches!(self, Field::Metadata(_) | Field::PredictedQueue) || self.kind() == Kind::List
    }

    /// The documented values of a number field; `None` for other fields.
    pub fn number_range(&self) -> Option<NumberRange> {
        let range = |min, max, whole| Some(NumberRange { min, max, whole });
        match self {
            Field::Sentiment => range(-1.0, 1.0, false),
            Field::AgeHours | Field::DuplicatesCount => range(0.0, f64::INFINITY, true),
            f if f.kind() == Kind::Number => range(0.0, 1.0, false),
            _ => None,
        }
    }

    /// The field's value for the ticket these facts describe.
    pub fn read<'a>(&self, facts: &Facts<'a>) -> Actual<'a> {
        let t = facts.ticket;
        let c = facts.classification;
        let text = |s: Cow<'_, str>| Actual::Text(Some(s.to_lowercase()));
        match self {
            Field::Title => text(Cow::Borrowed(&t.title)),
            Field::Description => text(Cow::Borrowed(&t.description)),
            Field::Text => text(Cow::Owned(format!("{}\n{}", t.title, t.description))),
            Field::RequesterEmail => text(Cow::Borrowed(&t.requester_email)),
            Field::RequesterDomain => text(Cow::Borrowed(t.requester_email.rsplit_once('@').map_or("", |(_, d)| d))),
            Field::Category => text(Cow::Borrowed(c.category.as_str())),
            Field::CategorySource => text(Cow::Borrowed(source_name(c.source))),
            Field::PredictedCategory => text(Cow::Borrowed(c.predicted_category.as_str())),
            Field::PredictedBy => text(Cow::Borrowed(predictor_name(c.predicted_by))),
            Field::CategoryConfidence => Actual::Number(c.confidence),
            Field::PredictedConfidence => Actual::Number(c.predicted_confidence),
            Field::PredictedQueue => Actual::Text(facts.queue_prediction.map(|p| p.queue.to_lowercase())),
            Field::QueueConfidence => Actual::Number(facts.queue_prediction.map_or(0.0, |p| p.confidence)),
            Field::Priority => text(Cow::Borrowed(t.priority.as_str())),
            Field::Score => Actual::Number(facts.score),
            Field::Status => text(Cow::Borrowed(t.status.as_str())),
            Field::Tags => Actual::List(&t.tags),
            Field::AgeHours => Actual::Number(facts.age_hours as f64),
            Field::Urgency => Actual::Number(facts.signals.urgency),
            Field::Sentiment => Actual::Number(facts.signals.sentiment),
            Field::Language => text(Cow::Borrowed(&facts.signals.language)),
            Field::UrgencyPhrases => Actual::List(&facts.signals.urgency_phrases),
            Field::DuplicatesCount => Actual::Number(facts.similar.len() as f64),
            Field::DuplicatesMaxSimilarity => {
                Actual::Number(facts.similar.iter().fold(0.0, |m, s| s.similarity.max(m)))
            }
            Field::HasDuplicates => Actual::Bool(!facts.similar.is_empty()),
            Field::Metadata(key) => Actual::Text(t.metadata.get(key).map(|v| v.to_lowercase())),
        }
    }
}

const SOURCES: [&str; 4] = ["REQUESTER", "PREDICTED", "FALLBACK", "MODEL"];
const PREDICTORS: [&str; 2] = ["LEXICON", "MODEL"];

fn source_name(source: CategorySource) -> &'static str {
    match source {
        CategorySource::Requester => SOURCES[0],
        CategorySource::Predicted => SOURCES[1],
        CategorySource::Fallback => SOURCES[2],
        CategorySource::Model => SOURCES[3],
    }
}

fn predictor_name(predictor: Predictor) -> &'static str {
    match predictor {
        Predictor::Lexicon => PREDICTORS[0],
        Predictor::Model => PREDICTORS[1],
    }
}

/// The canonical spelling of a named value (`feature request` -> `FEATURE_REQUEST`) for a field
/// of kind [`Kind::Named`], or why it is not one. `lexicon` stands for the `predicted` source.
pub fn canonical_name(field: &Field, value: &str) -> Result<String, String> {
    let one_of = |names: &[&str]| {
        let wanted = value.trim().to_ascii_uppercase();
        let wanted = if names == SOURCES && wanted == "LEXICON" { SOURCES[1].to_owned() } else { wanted };
        names
            .iter()
            .find(|n| **n == wanted)
            .map(|n| (*n).to_owned())
            .ok_or_else(|| format!("unknown value {value:?}; expected one of {}", names.join(", ")))
    };
    match field {
        Field::Category | Field::PredictedCategory => value.parse::<Category>().map(|c| c.as_str().to_owned()),
        Field::Priority => value.parse::<Priority>().map(|p| p.as_str().to_owned()),
        Field::Status => value.parse::<Status>().map(|s| s.as_str().to_owned()),
        Field::CategorySource => one_of(&SOURCES),
        Field::PredictedBy => one_of(&PREDICTORS),
        _ => Ok(value.to_owned()),
    }
}
