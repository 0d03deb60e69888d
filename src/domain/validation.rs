//! Ticket validation: every violation at once, each with its field path and reason. A list or map
//! over its limit is one violation (its items are not looked at), so the cost of validating and of
//! answering stays bounded whatever was sent.

use std::{collections::HashSet, fmt};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{
    ids::TicketId,
    limits::{NUL_REFUSED, TicketLimits, has_nul, over_limit},
    ticket::{Priority, Status, Ticket, TicketDraft},
};

/// Longest queue name, rule id or tag a rule adds, in characters.
pub const MAX_NAME_CHARS: usize = 100;
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

/// Refuses `value` at `field` when it is longer than `max` characters (naming `setting`) or holds a NUL.
fn check_text(errors: &mut ValidationErrors, field: &str, value: &str, max: usize, setting: &str) {
    let chars = value.chars().count();
    if chars > max {
        errors.push(field, over_limit(chars, "characters", max, setting));
    } else if has_nul(value) {
        errors.push(field, NUL_REFUSED);
    }
}

/// Validates a draft and turns it into a ticket: trims the title, generates a missing identifier,
/// applies the default priority and stamps the times (to the microsecond, the precision they are
/// stored with). Returns every violation when it fails.
pub fn validate_draft(
    draft: TicketDraft,
    limits: &TicketLimits,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Result<Ticket, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let text = &limits.ticket;

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
    check_text(&mut errors, "title", &title, text.max_title_chars, "max_ticket_title_length");

    if draft.description.trim().is_empty() {
        errors.push("description", "is required and must not be blank");
    }
    check_text(
        &mut errors,
        "description",
        &draft.description,
        text.max_description_chars,
        "max_ticket_description_length",
    );

    let email = draft.requester_email.trim().to_owned();
    if email.is_empty() {
        errors.push("requester_email", "is required");
    } else if has_nul(&email) {
        errors.push("requester_email", NUL_REFUSED);
    } else if !is_valid_email(&email) {
        errors.push("requester_email", "is not a valid e-mail address");
    }

    let tags = checked_tags(&mut errors, &draft.tags, limits);
    check_metadata(&mut errors, &draft, limits);

    let assigned_queue = draft.assigned_queue.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned);
    if let Some(queue) = &assigned_queue {
        check_text(&mut errors, "assigned_queue", queue, MAX_NAME_CHARS, "the longest queue name");
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
        priority: draft.priority.unwrap_or(text.default_priority),
        status: draft.status.unwrap_or(Status::New),
        created_at,
        updated_at: now,
        tags,
        metadata: draft.metadata,
        assigned_queue,
    })
}

/// The tags trimmed and without duplicates, in the order first given; too many is one violation
/// and the tags themselves are then not looked at.
fn checked_tags(errors: &mut ValidationErrors, given: &[String], limits: &TicketLimits) -> Vec<String> {
    let fields = &limits.fields;
    if given.len() > fields.max_tags {
        errors.push("tags", over_limit(given.len(), "tags", fields.max_tags, "limits.max_tags"));
        return Vec::new();
    }
    let mut seen: HashSet<&str> = HashSet::with_capacity(given.len());
    let mut tags = Vec::with_capacity(given.len());
    for (i, tag) in given.iter().enumerate() {
        let tag = tag.trim();
        if tag.is_empty() {
            errors.push(format!("tags[{i}]"), "must not be blank");
            continue;
        }
        let before = errors.violations.len();
        check_text(errors, &format!("tags[{i}]"), tag, fields.max_tag_chars, "limits.max_tag_chars");
        if errors.violations.len() == before && seen.insert(tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}

/// Checks the metadata map: too many entries is one violation and the entries are then not looked
/// at; a key too long is reported without repeating it.
fn check_metadata(errors: &mut ValidationErrors, draft: &TicketDraft, limits: &TicketLimits) {
    let fields = &limits.fields;
    let entries = draft.metadata.len();
    if entries > fields.max_metadata_entries {
        let message = over_limit(entries, "entries", fields.max_metadata_entries, "limits.max_metadata_entries");
        errors.push("metadata", message);
        return;
    }
    for (key, value) in &draft.metadata {
        let key_chars = key.chars().count();
        if key.trim().is_empty() {
            errors.push("metadata", "keys must not be blank");
            continue;
        }
        if key_chars > fields.max_metadata_key_chars {
            let max = fields.max_metadata_key_chars;
            errors.push(
                "metadata",
                format!("a key of {}", over_limit(key_chars, "characters", max, "limits.max_metadata_key_chars")),
            );
            continue;
        }
        if has_nul(key) {
            errors.push("metadata", format!("keys {NUL_REFUSED}"));
            continue;
        }
        let max = fields.max_metadata_value_chars;
        check_text(errors, &format!("metadata.{key}"), value, max, "limits.max_metadata_value_chars");
    }
}

/// Whether `address` (already trimmed) is a valid e-mail address, as a ticket's requester must be.
pub fn is_valid_email(address: &str) -> bool {
    email_address::EmailAddress::is_valid(address) && address.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::limits::FieldLimits;

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
        let ticket = validate_draft(draft(), &TicketLimits::default(), now, &mut rand::rng()).expect("valid");
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
        let errors = validate_draft(bad, &TicketLimits::default(), Utc::now(), &mut rand::rng()).unwrap_err();
        let fields: Vec<&str> = errors.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["ticket_id", "title", "description", "requester_email", "tags[1]"]);
        assert_eq!(
            errors.violations[1].description,
            "201 characters; at most 200 are allowed (max_ticket_title_length)"
        );
        assert_eq!(errors.prefixed("ticket").violations[0].field, "ticket.ticket_id");
    }

    #[test]
    fn a_list_or_map_over_its_limit_is_one_violation_naming_the_setting() {
        let many = TicketDraft {
            tags: vec![" ".into(); 80_000],
            metadata: (0..60).map(|n| (format!("k{n}"), "v".into())).collect(),
            ..draft()
        };
        let errors = validate_draft(many, &TicketLimits::default(), Utc::now(), &mut rand::rng()).unwrap_err();
        let got: Vec<(&str, &str)> =
            errors.violations.iter().map(|v| (v.field.as_str(), v.description.as_str())).collect();
        assert_eq!(
            got,
            [
                ("tags", "80000 tags; at most 50 are allowed (limits.max_tags)"),
                ("metadata", "60 entries; at most 50 are allowed (limits.max_metadata_entries)")
            ]
        );
        let long_key = TicketDraft { metadata: [("k".repeat(5_000), "v".to_owned())].into(), ..draft() };
        let errors = validate_draft(long_key, &TicketLimits::default(), Utc::now(), &mut rand::rng()).unwrap_err();
        assert_eq!(errors.violations[0].field, "metadata", "the key is not repeated in the path");
        assert_eq!(
            errors.violations[0].description,
            "a key of 5000 characters; at most 100 are allowed (limits.max_metadata_key_chars)"
        );
    }

    #[test]
    fn tags_lose_duplicates_in_linear_time_and_keep_their_order() {
        let limits = TicketLimits {
            fields: FieldLimits { max_tags: 100_000, ..FieldLimits::default() },
            ..TicketLimits::default()
        };
        let tags: Vec<String> = (0..80_000).map(|n| format!("tag-{}", n % 40_000)).collect();
        let ticket =
            validate_draft(TicketDraft { tags, ..draft() }, &limits, Utc::now(), &mut rand::rng()).expect("valid");
        assert_eq!(ticket.tags.len(), 40_000);
        assert_eq!((ticket.tags[0].as_str(), ticket.tags[39_999].as_str()), ("tag-0", "tag-39999"));
    }

    #[test]
    fn a_nul_character_is_refused_in_every_text_field() {
        let nul = TicketDraft {
            title: "VPN\0down".into(),
            description: "x\0".into(),
            requester_email: "ana\0@example.com".into(),
            tags: vec!["a\0".into()],
            metadata: [("tier".to_owned(), "gold\0".to_owned()), ("k\0".to_owned(), "v".to_owned())].into(),
            assigned_queue: Some("q\0".into()),
            ..TicketDraft::default()
        };
        let errors = validate_draft(nul, &TicketLimits::default(), Utc::now(), &mut rand::rng()).unwrap_err();
        let fields: Vec<&str> = errors.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["title", "description", "requester_email", "tags[0]", "metadata", "metadata.tier", "assigned_queue"]
        );
        assert!(errors.violations.iter().all(|v| v.description.contains("NUL")), "{errors:?}");
    }
}
