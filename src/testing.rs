//! Fixtures for the unit tests, in one place: fixed clocks, valid tickets, hand-made triage results,
//! and the writes that store them as the service would.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::{
    domain::{Actor, Category, Priority, Status, Ticket, TicketDraft, TicketLimits, validate_draft},
    service::records,
    store::{NewTriage, Store, StoredTriage},
    triage::{
        TriageResult,
        result::{CategorySource, Classification, Escalation, Predictor, QueueSource, Signals},
        similarity::Fingerprint,
    },
};

/// 2026-11-27 12:00 UTC, the clock of the triage tests.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).single().expect("valid time")
}

/// A fixed moment for the store tests: 2026-11-27 09:00 UTC, plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).single().expect("a valid time") + Duration::minutes(minutes)
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

/// A valid ticket numbered `n`, created at `created_at`.
pub fn numbered(n: u32, created_at: DateTime<Utc>) -> Ticket {
    let draft = TicketDraft {
        ticket_id: Some(format!("TKT-{}-T{n:07}", created_at.format("%Y%m%d"))),
        title: format!("Ticket {n}"),
        description: "The VPN is down for the whole floor".into(),
        requester_email: "ana@example.com".into(),
        created_at: Some(created_at),
        tags: vec!["vpn".into()],
        ..TicketDraft::default()
    };
    validate_draft(draft, &TicketLimits::default(), created_at + Duration::seconds(1), &mut rand::rng())
        .expect("a valid ticket")
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

/// A triage result for `ticket`, routed to `queue`.
pub fn result(ticket: &Ticket, queue: &str, category: Category) -> TriageResult {
    TriageResult {
        ticket_id: ticket.ticket_id.to_string(),
        classification: classification(category),
        priority: Priority::High,
        declared_priority: Some(Priority::Medium),
        score: 0.71,
        components: Vec::new(),
        queue: queue.into(),
        matched_rule: "network-outage".into(),
        escalation: Escalation::none(),
        sla_due_at: ticket.created_at + Duration::hours(4),
        signals: Signals { urgency_phrases: vec!["down".into()], urgency: 0.6, sentiment: -0.2, language: "en".into() },
        explanation: "An outage on the network".into(),
        from_cache: false,
        rules_version: "rules-1".into(),
        tags: vec!["outage".into()],
        status: Status::Triaged,
        triaged_at: ticket.updated_at,
        queue_source: QueueSource::Rule,
        queue_prediction: None,
        matched_rules: vec!["network-outage".into()],
        similar_tickets: Vec::new(),
    }
}

/// What the service hands the store for `ticket` triaged as `result` by `actor`: the ticket settled
/// by the result and the `ticket.triaged` record.
pub fn write(ticket: &Ticket, result: &TriageResult, fingerprint: Option<Fingerprint>, actor: &Actor) -> NewTriage {
    NewTriage {
        ticket: result.settle(ticket.clone()),
        result: result.clone(),
        fingerprint,
        record: records::triaged(result, actor),
    }
}

/// Stores ticket `n` (created `minutes` after [`at`]) triaged into `queue`.
pub async fn triaged(store: &Store, n: u32, minutes: i64, queue: &str, category: Category) -> StoredTriage {
    let t = numbered(n, at(minutes));
    store.record_triage(&write(&t, &result(&t, queue, category), None, &"tester".into()), None).await.expect("stored")
}
