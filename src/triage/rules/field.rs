//! The ticket fields a rule condition can test, and the facts about a ticket they are read from.

use std::borrow::Cow;

use crate::{
    domain::{Category, Priority, Status, Ticket},
    triage::result::{Classification, QueuePrediction, Signals, SimilarTicket},
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

/// A field a condition tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `title`.
    Title,
    /// `description`.
    Description,
    /// `text`: title, a new line, description.
    Text,
    /// `requester_email`.
    RequesterEmail,
    /// `requester_domain`: what follows the `@`.
    RequesterDomain,
    /// `category`: the decided category.
    Category,
    /// `predicted_category`.
    PredictedCategory,
    /// `category_confidence`: confidence of the decided category.
    CategoryConfidence,
    /// `priority`: the declared priority.
    Priority,
    /// `score`.
    Score,
    /// `status`.
    Status,
    /// `tags`.
    Tags,
    /// `age_hours`.
    AgeHours,
    /// `signals.urgency`.
    Urgency,
    /// `signals.sentiment`.
    Sentiment,
    /// `signals.language`.
    Language,
    /// `signals.urgency_phrases`.
    UrgencyPhrases,
    /// `metadata.<key>`.
    Metadata(String),
}

/// What kind of value a field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// One of a closed set of names: a category, priority or status.
    Named,
    /// A number.
    Number,
    /// A list of names.
    List,
}

/// A field's value for one ticket; text is lower-cased, `None` for absent metadata.
#[derive(Debug, Clone, PartialEq)]
pub enum Actual<'a> {
    /// Text or a name, lower-cased.
    Text(Option<String>),
    /// A number.
    Number(f64),
    /// A list, as given.
    List(&'a [String]),
}

/// Names of every field, for error messages.
pub const FIELD_NAMES: &str = "title, description, text, requester_email, requester_domain, category, predicted_category, \
category_confidence, priority, score, status, tags, age_hours, signals.urgency, signals.sentiment, signals.language, \
signals.urgency_phrases, metadata.<key>";

impl Field {
    /// The field a name stands for, if any.
    pub fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "title" => Field::Title,
            "description" => Field::Description,
            "text" => Field::Text,
            "requester_email" => Field::RequesterEmail,
            "requester_domain" => Field::RequesterDomain,
            "category" => Field::Category,
            "predicted_category" => Field::PredictedCategory,
            "category_confidence" => Field::CategoryConfidence,
            "priority" => Field::Priority,
            "score" => Field::Score,
            "status" => Field::Status,
            "tags" => Field::Tags,
            "age_hours" => Field::AgeHours,
            "signals.urgency" => Field::Urgency,
            "signals.sentiment" => Field::Sentiment,
            "signals.language" => Field::Language,
            "signals.urgency_phrases" => Field::UrgencyPhrases,
            _ => match name.strip_prefix("metadata.") {
                Some(key) if !key.trim().is_empty() => Field::Metadata(key.to_owned()),
                _ => return None,
            },
        })
    }

    /// The kind of value the field holds.
    pub fn kind(&self) -> Kind {
        match self {
            Field::Category | Field::PredictedCategory | Field::Priority | Field::Status => Kind::Named,
            Field::CategoryConfidence | Field::Score | Field::AgeHours | Field::Urgency | Field::Sentiment => {
                Kind::Number
            }
            Field::Tags | Field::UrgencyPhrases => Kind::List,
            _ => Kind::Text,
        }
    }

    /// The field's value for the ticket these facts describe.
    pub fn read<'a>(&self, facts: &Facts<'a>) -> Actual<'a> {
        let t = facts.ticket;
        let text = |s: Cow<'_, str>| Actual::Text(Some(s.to_lowercase()));
        match self {
            Field::Title => text(Cow::Borrowed(&t.title)),
            Field::Description => text(Cow::Borrowed(&t.description)),
            Field::Text => text(Cow::Owned(format!("{}\n{}", t.title, t.description))),
            Field::RequesterEmail => text(Cow::Borrowed(&t.requester_email)),
            Field::RequesterDomain => text(Cow::Borrowed(t.requester_email.rsplit_once('@').map_or("", |(_, d)| d))),
            Field::Category => text(Cow::Borrowed(facts.classification.category.as_str())),
            Field::PredictedCategory => text(Cow::Borrowed(facts.classification.predicted_category.as_str())),
            Field::CategoryConfidence => Actual::Number(facts.classification.confidence),
            Field::Priority => text(Cow::Borrowed(t.priority.as_str())),
            Field::Score => Actual::Number(facts.score),
            Field::Status => text(Cow::Borrowed(t.status.as_str())),
            Field::Tags => Actual::List(&t.tags),
            Field::AgeHours => Actual::Number(facts.age_hours as f64),
            Field::Urgency => Actual::Number(facts.signals.urgency),
            Field::Sentiment => Actual::Number(facts.signals.sentiment),
            Field::Language => text(Cow::Borrowed(&facts.signals.language)),
            Field::UrgencyPhrases => Actual::List(&facts.signals.urgency_phrases),
            Field::Metadata(key) => Actual::Text(t.metadata.get(key).map(|v| v.to_lowercase())),
        }
    }
}

/// The canonical spelling of a named value (`feature request` -> `FEATURE_REQUEST`) for a field
/// of kind [`Kind::Named`], or why it is not one.
pub fn canonical_name(field: &Field, value: &str) -> Result<String, String> {
    match field {
        Field::Category | Field::PredictedCategory => value.parse::<Category>().map(|c| c.as_str().to_owned()),
        Field::Priority => value.parse::<Priority>().map(|p| p.as_str().to_owned()),
        Field::Status => value.parse::<Status>().map(|s| s.as_str().to_owned()),
        _ => Ok(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_field_parses_and_typos_do_not() {
        for name in FIELD_NAMES.split(", ") {
            let name = name.replace("<key>", "tier");
            assert!(Field::parse(&name).is_some(), "{name}");
        }
        for bad in ["metdata.tier", "metadata.", "Title", "signals", "signals.urgent", ""] {
            assert_eq!(Field::parse(bad), None, "{bad}");
        }
        assert_eq!(Field::parse("metadata.tier"), Some(Field::Metadata("tier".into())));
    }

    #[test]
    fn named_values_are_canonical_and_checked() {
        assert_eq!(canonical_name(&Field::Category, "feature request"), Ok("FEATURE_REQUEST".into()));
        assert_eq!(canonical_name(&Field::Priority, "high"), Ok("HIGH".into()));
        assert!(canonical_name(&Field::Status, "open").is_err());
        assert_eq!(Field::Category.kind(), Kind::Named);
    }
}
