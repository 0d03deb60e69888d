//! Tickets and clocks for the triage unit tests.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};

use crate::{
    domain::{Category, Priority, Status, Ticket},
    triage::result::{CategorySource, Classification, Predictor},
};

/// 2026-11-27 12:00 UTC, the clock of every test.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).single().expect("valid time")
}

/// A NEW, MEDIUM (declared) ticket created at `now()` from a@example.com.
pub fn ticket(title: &str, description: &str) -> Ticket {
    Ticket {
        ticket_id: "TKT-20261127-AAAAAAAA".parse().expect("valid id"),
        title: title.into(),
        description: description.into(),
        requester_email: "a@example.com".into(),
        category: None,
        priority_given: true,
        priority: Priority::Medium,
        status: Status::New,
        created_at: now(),
        updated_at: now(),
        tags: vec![],
        metadata: BTreeMap::new(),
        assigned_queue: None,
    }
}

/// A lexicon prediction of `category` at confidence 0.8, the requester having given none.
pub fn classification(category: Category) -> Classification {
    Classification {
        category,
        source: CategorySource::Predicted,
        confidence: 0.8,
        predicted_category: category,
        predicted_confidence: 0.8,
        predicted_by: Predictor::Lexicon,
        disagreement: false,
    }
}
