//! Ticket updates through the service: transitions checked, the changed fields audited, nothing
//! written for a change that changes nothing, every refusal named.

use super::*;
use crate::{
    domain::{Category, Status},
    service::ServiceErrorCode,
    store::AuditFilter,
    testing::{at, triaged},
};

#[tokio::test]
async fn updates_check_transitions_and_audit_what_changed() {
    let store = Store::open_memory().await.expect("store");
    let tickets = Tickets::new(store.clone(), TicketLimits::default());
    let id: TicketId = triaged(&store, 1, 0, "network", Category::Technical).await.ticket.ticket_id;

    let close =
        TicketPatch { status: Some(Status::Closed), title: Some("VPN down, fixed".into()), ..Default::default() };
    let closed = tickets.update(&id, &close, &"agent".into(), at(10)).await.expect("closed");
    assert_eq!((closed.status, closed.title.as_str(), closed.updated_at), (Status::Closed, "VPN down, fixed", at(10)));
    assert_eq!(tickets.get(&id).await.expect("read").0, closed);
    let filter = AuditFilter { action: Some("ticket.updated".into()), ..Default::default() };
    let entries = store.list_audit(&filter, &PageRequest { page_size: 10, page_token: None }).await.expect("audit");
    assert_eq!(entries.items.len(), 1);
    let entry = &entries.items[0].record;
    assert_eq!((entry.actor.as_str(), entry.created_at), ("agent", at(10)));
    let details: serde_json::Value = serde_json::from_str(&entry.details_json).expect("json");
    assert_eq!(
        details,
        serde_json::json!({ "fields": ["title", "status"], "old_status": "TRIAGED", "new_status": "CLOSED" })
    );

    let unchanged = TicketPatch { status: Some(Status::Closed), ..Default::default() };
    assert_eq!(tickets.update(&id, &unchanged, &"agent".into(), at(11)).await.expect("nothing to change"), closed);
    let reopen = TicketPatch { status: Some(Status::InProgress), ..Default::default() };
    let err = tickets.update(&id, &reopen, &"agent".into(), at(11)).await.expect_err("illegal");
    assert_eq!(
        (err.code(), err.to_string()),
        (ServiceErrorCode::FailedPrecondition, "a ticket cannot move from CLOSED to IN_PROGRESS".into())
    );
    let blank = TicketPatch { title: Some(" ".into()), ..Default::default() };
    let err = tickets.update(&id, &blank, &"agent".into(), at(11)).await.expect_err("blank");
    assert_eq!(err.violations()[0].field, "title");
    let missing = parse_ticket_id("TKT-20261127-NOTHERE1").expect("an id");
    let err = tickets.update(&missing, &blank, &"agent".into(), at(11)).await.expect_err("missing");
    assert_eq!(
        (err.code(), err.to_string()),
        (ServiceErrorCode::NotFound, "ticket TKT-20261127-NOTHERE1 not found".into())
    );
    assert_eq!(store.last_audit_sequence().await.expect("seq"), 2);
    assert_eq!(tickets.get(&id).await.expect("read").0, closed);
}

#[test]
fn ticket_ids_are_required_and_checked() {
    assert_eq!(parse_ticket_id("  ").expect_err("blank").violations()[0].description, "is required");
    assert_eq!(parse_ticket_id("TKT-1").expect_err("bad").violations()[0].field, "ticket_id");
    assert_eq!(parse_ticket_id(" TKT-20261127-AAAAAAAA ").expect("trimmed").as_str(), "TKT-20261127-AAAAAAAA");
}
