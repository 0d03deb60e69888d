//! Tests of the rule fields: names, kinds, named values and what each field reads from the facts.

use super::field::*;
use crate::testing::{classification, ticket};
use crate::{
    domain::Category,
    triage::result::{CategorySource, Predictor, QueuePrediction, Signals, SimilarTicket},
};

#[test]
fn every_documented_field_parses_and_typos_do_not() {
    for name in FIELD_NAMES.split(", ") {
        let name = name.replace("<key>", "tier");
        let field = Field::parse(&name).unwrap_or_else(|| panic!("{name} does not parse"));
        assert_eq!(field.name(), name);
    }
    for bad in ["metdata.tier", "metadata.", "Title", "signals", "signals.urgent", "duplicates", "", "has_duplicate"] {
        assert_eq!(Field::parse(bad), None, "{bad}");
    }
    assert_eq!(Field::parse("metadata.tier"), Some(Field::Metadata("tier".into())));
    assert_eq!(FIELD_NAMES.split(", ").count(), 26);
}

#[test]
fn named_values_are_canonical_and_checked() {
    assert_eq!(canonical_name(&Field::Category, "feature request"), Ok("FEATURE_REQUEST".into()));
    assert_eq!(canonical_name(&Field::Priority, "high"), Ok("HIGH".into()));
    assert!(canonical_name(&Field::Status, "open").is_err());
    assert_eq!(canonical_name(&Field::CategorySource, " model "), Ok("MODEL".into()));
    assert_eq!(canonical_name(&Field::CategorySource, "lexicon"), Ok("PREDICTED".into()));
    assert_eq!(canonical_name(&Field::PredictedBy, "Lexicon"), Ok("LEXICON".into()));
    assert_eq!(
        canonical_name(&Field::PredictedBy, "human"),
        Err("unknown value \"human\"; expected one of LEXICON, MODEL".into())
    );
    assert_eq!(Field::Category.kind(), Kind::Named);
    assert_eq!(Field::HasDuplicates.kind(), Kind::Bool);
    assert_eq!(Field::PredictedQueue.kind(), Kind::Text);
    assert_eq!(Field::DuplicatesCount.kind(), Kind::Number);
}

#[test]
fn missing_fields_and_number_ranges() {
    assert!(Field::Metadata("tier".into()).can_be_missing());
    assert!(Field::PredictedQueue.can_be_missing());
    assert!(Field::Tags.can_be_missing());
    assert!(!Field::Title.can_be_missing());
    assert_eq!(Field::Score.number_range(), Some(NumberRange { min: 0.0, max: 1.0, whole: false }));
    assert_eq!(Field::Sentiment.number_range(), Some(NumberRange { min: -1.0, max: 1.0, whole: false }));
    assert_eq!(Field::AgeHours.number_range(), Some(NumberRange { min: 0.0, max: f64::INFINITY, whole: true }));
    assert_eq!(Field::Title.number_range(), None);
}

#[test]
fn new_fields_read_the_model_and_duplicate_facts() {
    let t = ticket("Printer jam", "Paper stuck again.");
    let mut c = classification(Category::Technical);
    c.source = CategorySource::Model;
    c.predicted_by = Predictor::Model;
    c.confidence = 0.7;
    c.predicted_confidence = 0.65;
    let signals = Signals::default();
    let queue = QueuePrediction { queue: "Hardware-Desk".into(), confidence: 0.55, confident: false };
    let similar = [
        SimilarTicket { ticket_id: "TKT-1".into(), similarity: 0.83 },
        SimilarTicket { ticket_id: "TKT-2".into(), similarity: 0.91 },
    ];
    let facts = Facts {
        ticket: &t,
        classification: &c,
        signals: &signals,
        score: 0.3,
        age_hours: 5,
        queue_prediction: Some(&queue),
        similar: &similar,
    };
    let read = |name: &str| Field::parse(name).expect("a field").read(&facts);
    assert_eq!(read("category_source"), Actual::Text(Some("model".into())));
    assert_eq!(read("predicted_by"), Actual::Text(Some("model".into())));
    assert_eq!(read("predicted_confidence"), Actual::Number(0.65));
    assert_eq!(read("category_confidence"), Actual::Number(0.7));
    assert_eq!(read("predicted_queue"), Actual::Text(Some("hardware-desk".into())));
    assert_eq!(read("queue_confidence"), Actual::Number(0.55));
    assert_eq!(read("duplicates.count"), Actual::Number(2.0));
    assert_eq!(read("duplicates.max_similarity"), Actual::Number(0.91));
    assert_eq!(read("has_duplicates"), Actual::Bool(true));

    let none = Facts { queue_prediction: None, similar: &[], ..facts };
    let read = |name: &str| Field::parse(name).expect("a field").read(&none);
    assert_eq!(read("predicted_queue"), Actual::Text(None));
    assert_eq!(read("queue_confidence"), Actual::Number(0.0));
    assert_eq!(read("duplicates.count"), Actual::Number(0.0));
    assert_eq!(read("duplicates.max_similarity"), Actual::Number(0.0));
    assert_eq!(read("has_duplicates"), Actual::Bool(false));
    assert_eq!(read("metadata.tier"), Actual::Text(None));
}
