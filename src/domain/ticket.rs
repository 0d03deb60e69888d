//! The ticket model: categories, priorities, statuses, the ticket as received and as stored.

use std::{collections::BTreeMap, fmt};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::TicketId;
use crate::privacy::Masked;

/// Declares a closed set of names with their canonical upper-case spelling and a lenient parser
/// (case-insensitive; spaces and hyphens count as underscores).
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical upper-case name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_uppercase().replace([' ', '-'], "_");
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        format!("unknown value {s:?}; expected one of {}", names.join(", "))
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// What a ticket is about.
    Category {
        /// Invoices, payments, refunds, plans.
        Billing => "BILLING",
        /// Technical faults, outages, performance.
        Technical => "TECHNICAL",
        /// Sign-in, passwords, users, permissions.
        Account => "ACCOUNT",
        /// Breaches, suspicious activity, vulnerabilities.
        Security => "SECURITY",
        /// Requests for new features.
        FeatureRequest => "FEATURE_REQUEST",
        /// Defects in the product.
        Bug => "BUG",
        /// Anything else.
        General => "GENERAL",
    }
);

named_enum!(
    /// How urgent a ticket is, in increasing order.
    Priority {
        /// Can wait.
        Low => "LOW",
        /// Normal work.
        Medium => "MEDIUM",
        /// Needs attention soon.
        High => "HIGH",
        /// Needs attention now.
        Critical => "CRITICAL",
    }
);

named_enum!(
    /// Where a ticket stands in its life.
    Status {
        /// Received, not yet triaged.
        New => "NEW",
        /// Triaged and routed.
        Triaged => "TRIAGED",
        /// Being worked on.
        InProgress => "IN_PROGRESS",
        /// Escalated.
        Escalated => "ESCALATED",
        /// Solved.
        Resolved => "RESOLVED",
        /// Closed for good.
        Closed => "CLOSED",
    }
);

impl Status {
    /// Whether a ticket may move from `self` to `next`. Staying put is always allowed.
    pub fn can_transition_to(self, next: Status) -> bool {
        use Status::*;
        self == next
            || matches!(
                (self, next),
                (New, Triaged | InProgress | Escalated | Resolved | Closed)
                    | (Triaged, InProgress | Escalated | Resolved | Closed)
                    | (InProgress, Escalated | Resolved | Closed)
                    | (Escalated, InProgress | Resolved | Closed)
                    | (Resolved, InProgress | Closed)
            )
    }

    /// Whether the ticket still needs work (not resolved or closed).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }
}

impl Priority {
    /// 0 for LOW up to 1 for CRITICAL.
    pub fn weight(self) -> f64 {
        match self {
            Priority::Low => 0.0,
            Priority::Medium => 1.0 / 3.0,
            Priority::High => 2.0 / 3.0,
            Priority::Critical => 1.0,
        }
    }
}

/// A ticket as a caller sends it, before validation: every field may be missing or wrong. Its `Debug`
/// form masks the requester's address and leaves out the description and the metadata values, so a
/// draft printed into a log carries no personal data.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketDraft {
    /// Identifier, if the caller chose one.
    pub ticket_id: Option<String>,
    /// Short summary.
    pub title: String,
    /// Full text.
    pub description: String,
    /// Requester's e-mail address.
    pub requester_email: String,
    /// Category; `None` means "predict it".
    pub category: Option<Category>,
    /// Priority; `None` means the configured default.
    pub priority: Option<Priority>,
    /// Status; `None` means NEW.
    pub status: Option<Status>,
    /// Creation time; `None` means now.
    pub created_at: Option<DateTime<Utc>>,
    /// Labels.
    pub tags: Vec<String>,
    /// Attributes such as `tier` or `product`.
    pub metadata: BTreeMap<String, String>,
    /// Queue, if already assigned.
    pub assigned_queue: Option<String>,
}

/// A valid ticket. Its `Debug` form masks the requester's address and leaves out the description and
/// the metadata values, so a ticket printed into a log carries no personal data.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Identifier.
    pub ticket_id: TicketId,
    /// Short summary, trimmed.
    pub title: String,
    /// Full text.
    pub description: String,
    /// Requester's e-mail address.
    pub requester_email: String,
    /// Category; `None` until given or predicted.
    pub category: Option<Category>,
    /// Whether the requester gave the priority (false when the default was applied).
    pub priority_given: bool,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: Status,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Time of the last change.
    pub updated_at: DateTime<Utc>,
    /// Labels, without duplicates, in the order first given.
    pub tags: Vec<String>,
    /// Attributes.
    pub metadata: BTreeMap<String, String>,
    /// Queue the ticket is routed to.
    pub assigned_queue: Option<String>,
}

/// The characters of a text, for `Debug` forms that leave the text out.
struct Chars(usize);

impl fmt::Debug for Chars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} characters>", self.0)
    }
}

/// The keys of a metadata map, for `Debug` forms that leave the values out.
fn metadata_keys(metadata: &BTreeMap<String, String>) -> Vec<&str> {
    metadata.keys().map(String::as_str).collect()
}

impl fmt::Debug for TicketDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketDraft")
            .field("ticket_id", &self.ticket_id)
            .field("title", &self.title)
            .field("description", &Chars(self.description.chars().count()))
            .field("requester_email", &Masked(&self.requester_email))
            .field("category", &self.category)
            .field("priority", &self.priority)
            .field("status", &self.status)
            .field("created_at", &self.created_at)
            .field("tags", &self.tags)
            .field("metadata_keys", &metadata_keys(&self.metadata))
            .field("assigned_queue", &self.assigned_queue)
            .finish()
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket")
            .field("ticket_id", &self.ticket_id)
            .field("title", &self.title)
            .field("description", &Chars(self.description.chars().count()))
            .field("requester_email", &Masked(&self.requester_email))
            .field("category", &self.category)
            .field("priority_given", &self.priority_given)
            .field("priority", &self.priority)
            .field("status", &self.status)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("tags", &self.tags)
            .field("metadata_keys", &metadata_keys(&self.metadata))
            .field("assigned_queue", &self.assigned_queue)
            .finish()
    }
}

impl Ticket {
    /// Whether `self` and `other` are the same ticket as sent: the same title, description, requester
    /// and metadata, which triage never changes. A retry of a request sends the same ticket; one that
    /// differs is a new ticket under a reused request id.
    pub fn same_submission(&self, other: &Ticket) -> bool {
        self.title == other.title
            && self.description == other.description
            && self.requester_email == other.requester_email
            && self.metadata == other.metadata
    }

    /// Adds tags that are not there yet, keeping the order.
    pub fn add_tags<'a>(&mut self, tags: impl IntoIterator<Item = &'a String>) {
        for tag in tags {
            if !self.tags.contains(tag) {
                self.tags.push(tag.clone());
            }
        }
    }
}

/// Why a request id given with another ticket than the first time is refused.
pub fn reused_request_id(request_id: &str, first: &TicketId) -> String {
    format!(
        "request_id {request_id:?} was used for a different ticket ({first}); a retry must send the same ticket, \
         and a new ticket needs a new request_id"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_leniently() {
        assert_eq!("feature request".parse::<Category>(), Ok(Category::FeatureRequest));
        assert_eq!("Feature-Request".parse::<Category>(), Ok(Category::FeatureRequest));
        assert_eq!("critical".parse::<Priority>(), Ok(Priority::Critical));
        assert!("urgent".parse::<Priority>().unwrap_err().contains("LOW, MEDIUM, HIGH, CRITICAL"));
    }

    #[test]
    fn debug_forms_carry_no_address_description_or_metadata_value() {
        let draft = TicketDraft {
            title: "VPN down".into(),
            description: "Since 9:00 nobody at our office can connect".into(),
            requester_email: "ana.long@example.com".into(),
            metadata: BTreeMap::from([("phone".to_owned(), "+44 20 7946 0958".to_owned())]),
            ..TicketDraft::default()
        };
        let shown = format!("{draft:?}");
        assert!(shown.contains("a***@example.com") && shown.contains("\"phone\""), "{shown}");
        for secret in ["ana.long", "nobody", "7946"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn closed_tickets_stay_closed() {
        assert!(Status::New.can_transition_to(Status::Triaged));
        assert!(Status::Resolved.can_transition_to(Status::InProgress));
        assert!(!Status::Closed.can_transition_to(Status::InProgress));
        assert!(!Status::Triaged.can_transition_to(Status::New));
    }
}
