//! Test helpers: valid tickets and hand-made triage results.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{Store, StoredTriage};
use crate::{
    domain::{Category, Limits, Priority, Status, Ticket, TicketDraft, validate_draft},
    triage::{
        TriageResult,
        fixtures::classification,
        result::{Escalation, EscalationLevel, QueueSource, Signals},
    },
};

/// A fixed moment for tests: 2026-11-27 09:00 UTC, plus `minutes`.
pub(super) fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).single().expect("a valid time") + Duration::minutes(minutes)
}

/// A valid ticket numbered `n`, created at `created_at`.
pub(super) fn ticket(n: u32, created_at: DateTime<Utc>) -> Ticket {
    let draft = TicketDraft {
        ticket_id: Some(format!("TKT-{}-T{n:07}", created_at.format("%Y%m%d"))),
        title: format!("Ticket {n}"),
        description: "The VPN is down for the whole floor".into(),
        requester_email: "ana@example.com".into(),
        created_at: Some(created_at),
        tags: vec!["vpn".into()],
        ..TicketDraft::default()
    };
    validate_draft(draft, &Limits::default(), created_at + Duration::seconds(1), &mut rand::rng())
        .expect("a valid ticket")
}

/// A triage result for `ticket`, routed to `queue`.
pub(super) fn result(ticket: &Ticket, queue: &str, category: Category) -> TriageResult {
    TriageResult {
        ticket_id: ticket.ticket_id.to_string(),
        classification: classification(category),
        priority: Priority::High,
        declared_priority: Some(Priority::Medium),
        score: 0.71,
        components: Vec::new(),
        queue: queue.into(),
        matched_rule: "network-outage".into(),
        escalation: Escalation { escalated: false, level: EscalationLevel::None, reason: String::new() },
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

/// Stores ticket `n` (created `minutes` after [`at`]) triaged into `queue`.
pub(super) async fn triaged(store: &Store, n: u32, minutes: i64, queue: &str, category: Category) -> StoredTriage {
    let t = ticket(n, at(minutes));
    store.record_triage(&t, &result(&t, queue, category), None, "tester", None).await.expect("stored")
}
