//! One input record as read from a file: its number and line, the ticket draft read from it, and the
//! problems found while reading it. Every input format fills drafts through [`Field`].

use chrono::{DateTime, Utc};

use crate::domain::{FieldViolation, TicketDraft};

/// One record of the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based position among the input's records.
    pub number: usize,
    /// 1-based line on which the record starts.
    pub line: usize,
    /// The draft, or `None` when nothing could be read (malformed JSON, a broken CSV row).
    pub draft: Option<TicketDraft>,
    /// Problems found while reading: unknown fields, bad enum values, malformed times.
    pub problems: Vec<FieldViolation>,
}

impl Record {
    /// A record whose fields were read, with the problems met on the way.
    pub fn read(number: usize, line: usize, draft: TicketDraft, problems: Vec<FieldViolation>) -> Self {
        Record { number, line, draft: Some(draft), problems }
    }

    /// A record that could not be read at all.
    pub fn unreadable(number: usize, line: usize, field: &str, description: String) -> Self {
        let problem = FieldViolation { field: field.to_owned(), description };
        Record { number, line, draft: None, problems: vec![problem] }
    }

    /// The ticket id the input gave, if any.
    pub fn given_ticket_id(&self) -> Option<String> {
        let id = self.draft.as_ref()?.ticket_id.as_deref()?.trim();
        (!id.is_empty()).then(|| id.to_owned())
    }
}

/// A ticket field as named in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `ticket_id`.
    TicketId,
    /// `title`.
    Title,
    /// `description`.
    Description,
    /// `requester_email`.
    RequesterEmail,
    /// `category`.
    Category,
    /// `priority`.
    Priority,
    /// `status`.
    Status,
    /// `created_at`, RFC 3339.
    CreatedAt,
    /// `tags`.
    Tags,
    /// `assigned_queue`.
    AssignedQueue,
    /// `metadata.<key>`.
    Metadata(String),
}

/// The field names JSON and CSV inputs accept (CSV also takes `metadata.<key>` columns).
pub const FIELD_NAMES: &str = "ticket_id, title, description, requester_email, category, priority, status, \
     created_at, tags, metadata, assigned_queue";

impl Field {
    /// The field with this exact JSON / CSV name (`metadata.<key>` included), if any.
    pub fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "ticket_id" => Field::TicketId,
            "title" => Field::Title,
            "description" => Field::Description,
            "requester_email" => Field::RequesterEmail,
            "category" => Field::Category,
            "priority" => Field::Priority,
            "status" => Field::Status,
            "created_at" => Field::CreatedAt,
            "tags" => Field::Tags,
            "assigned_queue" => Field::AssignedQueue,
            _ => {
                return name
                    .strip_prefix("metadata.")
                    .filter(|k| !k.trim().is_empty())
                    .map(|k| Field::Metadata(k.to_owned()));
            }
        })
    }

    /// The field's path in errors (`priority`, `metadata.tier`).
    pub fn path(&self) -> String {
        match self {
            Field::TicketId => "ticket_id".into(),
            Field::Title => "title".into(),
            Field::Description => "description".into(),
            Field::RequesterEmail => "requester_email".into(),
            Field::Category => "category".into(),
            Field::Priority => "priority".into(),
            Field::Status => "status".into(),
            Field::CreatedAt => "created_at".into(),
            Field::Tags => "tags".into(),
            Field::AssignedQueue => "assigned_queue".into(),
            Field::Metadata(key) => format!("metadata.{key}"),
        }
    }

    /// Sets this field of `draft` from text. Tags are split at `tag_separator`; blank values of
    /// optional fields (category, priority, status, time, queue, id) mean "absent".
    pub fn set(&self, draft: &mut TicketDraft, value: &str, tag_separator: char) -> Result<(), String> {
        let blank = value.trim().is_empty();
        match self {
            Field::Title => draft.title = value.to_owned(),
            Field::Description => draft.description = value.to_owned(),
            Field::RequesterEmail => draft.requester_email = value.to_owned(),
            Field::TicketId => draft.ticket_id = (!blank).then(|| value.trim().to_owned()),
            Field::AssignedQueue => draft.assigned_queue = (!blank).then(|| value.trim().to_owned()),
            Field::Category => draft.category = if blank { None } else { Some(value.parse()?) },
            Field::Priority => draft.priority = if blank { None } else { Some(value.parse()?) },
            Field::Status => draft.status = if blank { None } else { Some(value.parse()?) },
            Field::CreatedAt => draft.created_at = if blank { None } else { Some(parse_time(value)?) },
            Field::Tags => {
                let tags = value.split(tag_separator).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
                draft.tags.extend(tags);
            }
            Field::Metadata(key) => {
                draft.metadata.insert(key.clone(), value.to_owned());
            }
        }
        Ok(())
    }
}

/// Parses an RFC 3339 time such as `2026-11-27T09:30:00Z`.
pub fn parse_time(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{:?} is not an RFC 3339 time such as 2026-11-27T09:30:00Z: {e}", value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Priority;

    #[test]
    fn fields_parse_and_bad_enums_name_the_choices() {
        let mut draft = TicketDraft::default();
        Field::Priority.set(&mut draft, "high", '|').expect("valid");
        assert_eq!(draft.priority, Some(Priority::High));
        let err = Field::Priority.set(&mut draft, "urgent", '|').unwrap_err();
        assert_eq!(err, "unknown value \"urgent\"; expected one of LOW, MEDIUM, HIGH, CRITICAL");
        Field::Tags.set(&mut draft, "vpn| network |", '|').expect("valid");
        assert_eq!(draft.tags, ["vpn", "network"]);
        assert_eq!(Field::from_name("metadata.tier"), Some(Field::Metadata("tier".into())));
        assert_eq!(Field::from_name("urgency"), None);
    }
}
