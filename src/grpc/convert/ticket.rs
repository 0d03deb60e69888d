//! Ticket conversions: a proto ticket to a draft (every bad field reported), a ticket or draft to proto.

use std::collections::BTreeMap;

use super::{
    category_from_proto, category_to_proto, from_timestamp, priority_from_proto, priority_to_proto, status_from_proto,
    status_to_proto, timestamp,
};
use crate::{
    domain::{Ticket, TicketDraft, ValidationErrors},
    grpc::request::non_empty,
    proto,
};

/// A draft from a proto ticket. Enum numbers out of range and broken timestamps are violations, with
/// paths relative to the ticket (`category`, `created_at`); the rest is checked by `validate_draft`.
pub fn ticket_from_proto(ticket: proto::Ticket) -> Result<TicketDraft, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let category = category_from_proto(ticket.category).unwrap_or_else(|e| {
        errors.push("category", e);
        None
    });
    let priority = priority_from_proto(ticket.priority).unwrap_or_else(|e| {
        errors.push("priority", e);
        None
    });
    let status = status_from_proto(ticket.status).unwrap_or_else(|e| {
        errors.push("status", e);
        None
    });
    let created_at = match ticket.created_at.as_ref().map(from_timestamp) {
        Some(Ok(at)) => Some(at),
        Some(Err(e)) => {
            errors.push("created_at", e);
            None
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(TicketDraft {
        ticket_id: non_empty(ticket.ticket_id),
        title: ticket.title,
        description: ticket.description,
        requester_email: ticket.requester_email,
        category,
        priority,
        status,
        created_at,
        tags: ticket.tags,
        metadata: ticket.metadata.into_iter().collect::<BTreeMap<_, _>>(),
        assigned_queue: non_empty(ticket.assigned_queue),
    })
}

/// The proto form of a ticket.
pub fn ticket_to_proto(ticket: &Ticket) -> proto::Ticket {
    proto::Ticket {
        ticket_id: ticket.ticket_id.to_string(),
        title: ticket.title.clone(),
        description: ticket.description.clone(),
        requester_email: ticket.requester_email.clone(),
        category: category_to_proto(ticket.category),
        priority: priority_to_proto(ticket.priority),
        status: status_to_proto(ticket.status),
        created_at: Some(timestamp(ticket.created_at)),
        updated_at: Some(timestamp(ticket.updated_at)),
        tags: ticket.tags.clone(),
        metadata: ticket.metadata.clone().into_iter().collect(),
        assigned_queue: ticket.assigned_queue.clone().unwrap_or_default(),
    }
}

/// The proto form of a draft, as a client sends it.
pub fn draft_to_proto(draft: &TicketDraft) -> proto::Ticket {
    proto::Ticket {
        ticket_id: draft.ticket_id.clone().unwrap_or_default(),
        title: draft.title.clone(),
        description: draft.description.clone(),
        requester_email: draft.requester_email.clone(),
        category: category_to_proto(draft.category),
        priority: draft.priority.map(priority_to_proto).unwrap_or_default(),
        status: draft.status.map(status_to_proto).unwrap_or_default(),
        created_at: draft.created_at.map(timestamp),
        updated_at: None,
        tags: draft.tags.clone(),
        metadata: draft.metadata.clone().into_iter().collect(),
        assigned_queue: draft.assigned_queue.clone().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Category, Priority};

    #[test]
    fn a_draft_survives_the_trip_through_proto() {
        let draft = TicketDraft {
            title: "Refund".into(),
            description: "Charged twice".into(),
            requester_email: "a@example.com".into(),
            category: Some(Category::Billing),
            priority: Some(Priority::High),
            tags: vec!["vip".into()],
            metadata: BTreeMap::from([("tier".to_owned(), "gold".to_owned())]),
            ..TicketDraft::default()
        };
        assert_eq!(ticket_from_proto(draft_to_proto(&draft)), Ok(draft));
    }

    #[test]
    fn bad_enum_numbers_and_timestamps_are_all_reported() {
        let ticket = proto::Ticket {
            category: 99,
            priority: -1,
            created_at: Some(prost_types::Timestamp { seconds: 0, nanos: -5 }),
            ..Default::default()
        };
        let errors = ticket_from_proto(ticket).unwrap_err();
        let fields: Vec<&str> = errors.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["category", "priority", "created_at"]);
    }
}
