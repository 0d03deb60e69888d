//! Ticket validation: every violation at once, each with its field path and reason.

use std::fmt;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{
    ids::TicketId,
    ticket::{Priority, Status, Ticket, TicketDraft},
};

/// Most tags a ticket may carry.
pub const MAX_TAGS: usize = 50;
/// Most metadata entries a ticket may carry.
pub const MAX_METADATA: usize = 50;
/// Longest tag, metadata key or queue name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest metadata value, in characters.
pub const MAX_METADATA_VALUE_CHARS: usize = 1_000;
/// How far in the future a given `created_at` may lie (clock skew between callers).
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 5;

/// The configured limits validation checks against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Longest title, in characters.
    pub max_title_chars: usize,
    /// Longest description, in characters.
    pub max_description_chars: usize,
    /// Priority of a ticket that declares none.
    pub default_priority: Priority,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_title_chars: 200, max_description_chars: 10_000, default_priority: Priority::Medium }
    }
}

/// One refused field: its path (such as `title` or `metadata.tier`) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldViolation {
    /// Path of the field.
    pub field: String,
    /// Why it was refused.
    pub description: String,
}

/// Every violation found in one input.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, thiserror::Error)]
pub struct ValidationErrors {
    /// The violations, in field order.
    pub violations: Vec<FieldViolation>,
}

impl ValidationErrors {
    /// A single violation.
    pub fn single(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut errors = ValidationErrors::default();
        errors.push(field, description);
        errors
    }

    /// Records one more violation.
    pub fn push(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.violations.push(FieldViolation { field: field.into(), description: description.into() });
    }

    /// The same violations with `prefix.` in front of every path (`ticket.title`).
    pub fn prefixed(mut self, prefix: &str) -> Self {
        for v in &mut self.violations {
            v.field = format!("{prefix}.{}", v.field);
        }
        self
    }

    /// True when nothing was refused.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.violations.iter().map(|v| format!("{}: {}", v.field, v.description)).collect();
        write!(f, "invalid request: {}", parts.join("; "))
    }
}

fn check_length(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    let chars = value.chars().count();
    if chars > max {
        errors.push(field, format!("must be at most {max} characters, got {chars}"));
    }
}

/// Validates a draft and turns it into a ticket: trims the title, generates a missing identifier,
/// applies the default priority and stamps the times (to the microsecond, the precision they are
/// stored with). Returns every violation when it fails.
pub fn validate_draft(
    draft: TicketDraft,
    limits: &Limits,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Result<Ticket, ValidationErrors> {
    let mut errors = ValidationErrors::default();

    let given_id = draft.ticket_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let ticket_id = match given_id.map(str::parse::<TicketId>) {
        Some(Ok(id)) => Some(id),
        Some(Err(e)) => {
            errors.push("ticket_id", e.to_string());
            None
        }
        None => None,
    };

    let title = draft.title.trim().to_owned();
    if title.is_empty() {
        errors.push("title", "is required");
    }
    check_length(&mut errors, "title", &title, limits.max_title_chars);

    if draft.description.trim().is_empty() {
        errors.push("description", "is required and must not be blank");
    }
    check_length(&mut errors, "description", &draft.description, limits.max_description_chars);

    let email = draft.requester_email.trim().to_owned();
    if email.is_empty() {
        errors.push("requester_email", "is required");
    } else if !is_valid_email(&email) {
        errors.push("requester_email", "is not a valid e-mail address");
    }

    if draft.tags.len() > MAX_TAGS {
        errors.push("tags", format!("at most {MAX_TAGS} tags are allowed, got {}", draft.tags.len()));
    }
    let mut tags: Vec<String> = Vec::with_capacity(draft.tags.len());
    for (i, tag) in draft.tags.iter().enumerate() {
        let tag = tag.trim();
        if tag.is_empty() {
            errors.push(format!("tags[{i}]"), "must not be blank");
        } else if tag.chars().count() > MAX_NAME_CHARS {
            errors.push(format!("tags[{i}]"), format!("must be at most {MAX_NAME_CHARS} characters"));
        } else if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }

    if draft.metadata.len() > MAX_METADATA {
        errors.push("metadata", format!("at most {MAX_METADATA} entries are allowed, got {}", draft.metadata.len()));
    }
    for (key, value) in &draft.metadata {
        if key.trim().is_empty() {
            errors.push("metadata", "keys must not be blank");
        } else if key.chars().count() > MAX_NAME_CHARS {
            errors.push(format!("metadata.{key}"), format!("key must be at most {MAX_NAME_CHARS} characters"));
        }
        if value.chars().count() > MAX_METADATA_VALUE_CHARS {
            errors.push(format!("metadata.{key}"), format!("must be at most {MAX_METADATA_VALUE_CHARS} characters"));
        }
    }

    let assigned_queue = draft.assigned_queue.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned);
    if let Some(queue) = &assigned_queue {
        check_length(&mut errors, "assigned_queue", queue, MAX_NAME_CHARS);
    }

    let now = now.trunc_subsecs(6);
    let created_at = draft.created_at.unwrap_or(now).trunc_subsecs(6);
    if created_at > now + Duration::minutes(MAX_CLOCK_SKEW_MINUTES) {
        errors.push("created_at", "must not be in the future");
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let ticket_id = ticket_id.unwrap_or_else(|| TicketId::generate(created_at.date_naive(), rng));
    Ok(Ticket {
        ticket_id,
        title,
        description: draft.description,
        requester_email: email,
        category: draft.category,
        priority_given: draft.priority.is_some(),
        priority: draft.priority.unwrap_or(limits.default_priority),
        status: draft.status.unwrap_or(Status::New),
        created_at,
        updated_at: now,
        tags,
        metadata: draft.metadata,
        assigned_queue,
    })
}

/// Whether `address` (already trimmed) is a valid e-mail address, as a ticket's requester must be.
pub fn is_valid_email(address: &str) -> bool {
    email_address::EmailAddress::is_valid(address) && address.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> TicketDraft {
        TicketDraft {
            title: "  VPN down  ".into(),
            description: "Nobody can connect".into(),
            requester_email: "ana@example.com".into(),
            ..TicketDraft::default()
        }
    }

    #[test]
    fn a_good_draft_becomes_a_ticket_with_defaults() {
        let now = Utc::now();
        let ticket = validate_draft(draft(), &Limits::default(), now, &mut rand::rng()).expect("valid");
        assert_eq!(ticket.title, "VPN down");
        assert_eq!(ticket.priority, Priority::Medium);
        assert!(!ticket.priority_given);
        assert_eq!(ticket.status, Status::New);
        assert_eq!(ticket.created_at, now.trunc_subsecs(6), "times are kept to the microsecond");
        assert!(ticket.ticket_id.as_str().starts_with(&format!("TKT-{}-", now.format("%Y%m%d"))));
    }

    #[test]
    fn every_violation_is_reported_with_its_path() {
        let bad = TicketDraft {
            ticket_id: Some("TKT-1".into()),
            title: "x".repeat(201),
            description: "   ".into(),
            requester_email: "not-an-address".into(),
            tags: vec!["ok".into(), " ".into()],
            ..TicketDraft::default()
        };
        let errors = validate_draft(bad, &Limits::default(), Utc::now(), &mut rand::rng()).unwrap_err();
        let fields: Vec<&str> = errors.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["ticket_id", "title", "description", "requester_email", "tags[1]"]);
        assert_eq!(errors.violations[1].description, "must be at most 200 characters, got 201");
        assert_eq!(errors.prefixed("ticket").violations[0].field, "ticket.ticket_id");
    }
}
