//! The audit records of the service's own decisions: what a triage decided, which fields an update
//! changed. The store appends them as given.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::{
    domain::{Actor, AuditAction, AuditRecord, Ticket},
    store::ChainReport,
    triage::{TriageResult, backtest::BacktestReport},
};

/// The `ticket.triaged` record of a result.
pub fn triaged(result: &TriageResult, actor: &Actor) -> AuditRecord {
    let details = json!({
        "queue": result.queue,
        "priority": result.priority.as_str(),
        "score": result.score,
        "category": result.classification.category.as_str(),
        "escalated": result.escalation.escalated,
        "matched_rule": result.matched_rule,
    });
    AuditRecord::new(AuditAction::TicketTriaged, actor, result.triaged_at, details)
        .for_ticket(&result.ticket_id)
        .with_rules_version(&result.rules_version)
}

/// The `ticket.updated` record of a change from `before` to `after` (the fields that differ).
pub fn updated(before: &Ticket, after: &Ticket, changed: &[&str], actor: &Actor) -> AuditRecord {
    let details =
        json!({ "fields": changed, "old_status": before.status.as_str(), "new_status": after.status.as_str() });
    AuditRecord::new(AuditAction::TicketUpdated, actor, after.updated_at, details).for_ticket(after.ticket_id.as_str())
}

/// The `audit.verified` record of a chain verification (`strict` as asked).
pub fn verified(report: &ChainReport, strict: bool, actor: &Actor, at: DateTime<Utc>) -> AuditRecord {
    let details = json!({
        "valid": report.valid,
        "strict": strict,
        "entries_checked": report.entries_checked,
        "first_broken_sequence": report.first_broken_sequence,
        "reason": report.reason,
        "signatures_required": report.signatures_required,
        "signatures_checked": report.signatures_checked,
        "unsigned_entries": report.unsigned_entries,
    });
    AuditRecord::new(AuditAction::AuditVerified, actor, at, details)
}

/// The `rules.tested` record of a candidate tried on one ticket.
pub fn rules_tested(candidate_version: &str, changed: bool, actor: &Actor, at: DateTime<Utc>) -> AuditRecord {
    let details = json!({ "candidate_version": candidate_version, "changed": changed });
    AuditRecord::new(AuditAction::RulesTested, actor, at, details)
}

/// The `rules.backtested` record of a candidate replayed over stored tickets.
pub fn rules_backtested(report: &BacktestReport, actor: &Actor, at: DateTime<Utc>) -> AuditRecord {
    let details = json!({
        "candidate_version": report.candidate_version,
        "current_version": report.current_version,
        "replayed": report.replayed,
        "changed": report.changed,
    });
    AuditRecord::new(AuditAction::RulesBacktested, actor, at, details)
}

/// Names of the fields whose values differ between two versions of a ticket.
pub fn changed_fields(a: &Ticket, b: &Ticket) -> Vec<&'static str> {
    let pairs = [
        ("title", a.title != b.title),
        ("description", a.description != b.description),
        ("requester_email", a.requester_email != b.requester_email),
        ("category", a.category != b.category),
        ("priority", a.priority != b.priority),
        ("status", a.status != b.status),
        ("tags", a.tags != b.tags),
        ("metadata", a.metadata != b.metadata),
        ("assigned_queue", a.assigned_queue != b.assigned_queue),
    ];
    pairs.into_iter().filter(|(_, changed)| *changed).map(|(name, _)| name).collect()
}
