//! Turns an UpdateTicket request's ticket and field mask into a domain patch.

use prost_types::FieldMask;

use super::convert::{category_from_proto, priority_from_proto, status_from_proto};
use crate::{
    domain::{TicketPatch, ValidationErrors},
    proto,
    service::ServiceError,
};

/// Field names an update mask may contain.
pub const UPDATABLE: &[&str] = &[
    "title",
    "description",
    "requester_email",
    "category",
    "priority",
    "status",
    "tags",
    "metadata",
    "assigned_queue",
];

/// The patch the mask selects from `ticket`; unknown paths and unset enums are violations.
pub fn patch_from_mask(ticket: proto::Ticket, mask: Option<FieldMask>) -> Result<TicketPatch, ServiceError> {
    let paths = mask.map(|m| m.paths).unwrap_or_default();
    if paths.is_empty() {
        return Err(ServiceError::field(
            "update_mask",
            format!("name at least one field to change: {}", UPDATABLE.join(", ")),
        ));
    }
    let mut errors = ValidationErrors::default();
    let mut patch = TicketPatch::default();
    for (i, path) in paths.iter().enumerate() {
        let path = path.strip_prefix("ticket.").unwrap_or(path);
        match path {
            "title" => patch.title = Some(ticket.title.clone()),
            "description" => patch.description = Some(ticket.description.clone()),
            "requester_email" => patch.requester_email = Some(ticket.requester_email.clone()),
            "tags" => patch.tags = Some(ticket.tags.clone()),
            "metadata" => patch.metadata = Some(ticket.metadata.clone().into_iter().collect()),
            "assigned_queue" => {
                patch.assigned_queue = Some(Some(ticket.assigned_queue.trim().to_owned()).filter(|q| !q.is_empty()))
            }
            "category" => match category_from_proto(ticket.category) {
                Ok(c) => patch.category = Some(c),
                Err(e) => errors.push("ticket.category", e),
            },
            "priority" => match priority_from_proto(ticket.priority) {
                Ok(Some(p)) => patch.priority = Some(p),
                Ok(None) => errors.push("ticket.priority", "must be set when named in update_mask"),
                Err(e) => errors.push("ticket.priority", e),
            },
            "status" => match status_from_proto(ticket.status) {
                Ok(Some(s)) => patch.status = Some(s),
                Ok(None) => errors.push("ticket.status", "must be set when named in update_mask"),
                Err(e) => errors.push("ticket.status", e),
            },
            other => errors.push(
                format!("update_mask.paths[{i}]"),
                format!("{other:?} cannot be updated; updatable fields: {}", UPDATABLE.join(", ")),
            ),
        }
    }
    if errors.is_empty() { Ok(patch) } else { Err(ServiceError::Invalid(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(paths: &[&str]) -> Option<FieldMask> {
        Some(FieldMask { paths: paths.iter().map(|p| p.to_string()).collect() })
    }

    #[test]
    fn the_mask_selects_fields() {
        let ticket =
            proto::Ticket { title: "New".into(), status: proto::Status::Resolved as i32, ..Default::default() };
        let patch = patch_from_mask(ticket, mask(&["title", "status"])).expect("valid mask");
        assert_eq!(patch.fields(), ["title", "status"]);
        assert_eq!(patch.title.as_deref(), Some("New"));
    }

    #[test]
    fn unknown_paths_and_empty_masks_are_refused() {
        let Err(ServiceError::Invalid(errors)) =
            patch_from_mask(proto::Ticket::default(), mask(&["title", "created_at"]))
        else {
            panic!("created_at is not updatable");
        };
        assert_eq!(errors.violations[0].field, "update_mask.paths[1]");
        assert!(patch_from_mask(proto::Ticket::default(), None).is_err());
    }
}
