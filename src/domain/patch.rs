//! Partial updates of a stored ticket: which fields change, checked against the same rules as a new
//! ticket, with status transitions enforced.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    limits::TicketLimits,
    ticket::{Category, Priority, Status, Ticket, TicketDraft},
    validation::{ValidationErrors, validate_draft},
};

/// The fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketPatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New requester address.
    pub requester_email: Option<String>,
    /// New category (`Some(None)` clears it).
    pub category: Option<Option<Category>>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New status; the transition must be allowed.
    pub status: Option<Status>,
    /// New tags, replacing the old ones.
    pub tags: Option<Vec<String>>,
    /// New metadata, replacing the old map.
    pub metadata: Option<BTreeMap<String, String>>,
    /// New queue (`Some(None)` clears it).
    pub assigned_queue: Option<Option<String>>,
}

/// Why a patch was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PatchError {
    /// A new value is invalid.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The status may not move that way.
    #[error("a ticket cannot move from {from} to {to}")]
    IllegalTransition {
        /// Current status.
        from: Status,
        /// Requested status.
        to: Status,
    },
}

impl TicketPatch {
    /// Names of the fields the patch touches.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let pairs = [
            ("title", self.title.is_some()),
            ("description", self.description.is_some()),
            ("requester_email", self.requester_email.is_some()),
            ("category", self.category.is_some()),
            ("priority", self.priority.is_some()),
            ("status", self.status.is_some()),
            ("tags", self.tags.is_some()),
            ("metadata", self.metadata.is_some()),
            ("assigned_queue", self.assigned_queue.is_some()),
        ];
        for (name, set) in pairs {
            if set {
                out.push(name);
            }
        }
        out
    }

    /// The ticket after the patch, validated as a whole; `updated_at` becomes `now`.
    pub fn apply(&self, current: &Ticket, limits: &TicketLimits, now: DateTime<Utc>) -> Result<Ticket, PatchError> {
        if let Some(to) = self.status
            && !current.status.can_transition_to(to)
        {
            return Err(PatchError::IllegalTransition { from: current.status, to });
        }
        let draft = TicketDraft {
            ticket_id: Some(current.ticket_id.to_string()),
            title: self.title.clone().unwrap_or_else(|| current.title.clone()),
            description: self.description.clone().unwrap_or_else(|| current.description.clone()),
            requester_email: self.requester_email.clone().unwrap_or_else(|| current.requester_email.clone()),
            category: self.category.unwrap_or(current.category),
            priority: Some(self.priority.unwrap_or(current.priority)),
            status: Some(self.status.unwrap_or(current.status)),
            created_at: None,
            tags: self.tags.clone().unwrap_or_else(|| current.tags.clone()),
            metadata: self.metadata.clone().unwrap_or_else(|| current.metadata.clone()),
            assigned_queue: self.assigned_queue.clone().unwrap_or_else(|| current.assigned_queue.clone()),
        };
        let mut next = validate_draft(draft, limits, now, &mut rand::rng())?;
        next.created_at = current.created_at;
        next.priority_given = current.priority_given || self.priority.is_some();
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> Ticket {
        let draft = TicketDraft {
            title: "Printer jam".into(),
            description: "Floor 3 printer jams".into(),
            requester_email: "bo@example.com".into(),
            ..TicketDraft::default()
        };
        validate_draft(draft, &TicketLimits::default(), Utc::now(), &mut rand::rng()).expect("valid")
    }

    #[test]
    fn a_patch_changes_only_its_fields() {
        let current = ticket();
        let patch = TicketPatch {
            status: Some(Status::InProgress),
            title: Some("Printer jam, floor 3".into()),
            ..Default::default()
        };
        let next = patch.apply(&current, &TicketLimits::default(), Utc::now()).expect("allowed");
        assert_eq!(next.title, "Printer jam, floor 3");
        assert_eq!(next.status, Status::InProgress);
        assert_eq!(next.description, current.description);
        assert_eq!(next.created_at, current.created_at);
        assert_eq!(patch.fields(), ["title", "status"]);
    }

    #[test]
    fn illegal_transitions_and_bad_values_are_refused() {
        let mut current = ticket();
        current.status = Status::Closed;
        let reopen = TicketPatch { status: Some(Status::InProgress), ..Default::default() };
        assert_eq!(
            reopen.apply(&current, &TicketLimits::default(), Utc::now()),
            Err(PatchError::IllegalTransition { from: Status::Closed, to: Status::InProgress })
        );
        let blank = TicketPatch { title: Some(" ".into()), ..Default::default() };
        let Err(PatchError::Invalid(errors)) = blank.apply(&ticket(), &TicketLimits::default(), Utc::now()) else {
            panic!("a blank title must be refused");
        };
        assert_eq!(errors.violations[0].field, "title");
    }
}
