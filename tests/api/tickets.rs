//! TicketStoreService over a real socket: create, get, list with paging and filters, update, delete,
//! purge and stats.

use crate::support::{Backend, spawn_app_on, ticket, triage, violation_fields};
use helpdesk_ai::proto::{
    self, CreateTicketRequest, DeleteTicketRequest, GetStatsRequest, GetTicketRequest, ListTicketsRequest,
    PurgeTicketsRequest, UpdateTicketRequest,
};
use prost_types::{FieldMask, Timestamp};
use tonic::Code;

fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask { paths: paths.iter().map(|p| p.to_string()).collect() })
}

async fn create_get_update_delete(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let created = app
        .tickets
        .create_ticket(CreateTicketRequest { ticket: Some(ticket("Laptop slow", "My laptop takes ages to boot")) })
        .await
        .expect("created")
        .into_inner()
        .ticket
        .expect("ticket");
    assert_eq!(created.status, proto::Status::New as i32);
    let id = created.ticket_id.clone();

    let update = UpdateTicketRequest {
        ticket: Some(proto::Ticket {
            ticket_id: id.clone(),
            status: proto::Status::InProgress as i32,
            title: "Laptop very slow".into(),
            ..Default::default()
        }),
        update_mask: mask(&["status", "title"]),
    };
    let updated = app.tickets.update_ticket(update).await.expect("updated").into_inner().ticket.expect("ticket");
    assert_eq!(updated.status, proto::Status::InProgress as i32);
    assert_eq!(updated.title, "Laptop very slow");
    assert_eq!(updated.description, "My laptop takes ages to boot");

    let close = |status: proto::Status| UpdateTicketRequest {
        ticket: Some(proto::Ticket { ticket_id: id.clone(), status: status as i32, ..Default::default() }),
        update_mask: mask(&["status"]),
    };
    app.tickets.update_ticket(close(proto::Status::Closed)).await.expect("closed");
    let err = app.tickets.update_ticket(close(proto::Status::InProgress)).await.expect_err("closed stays closed");
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("CLOSED"), "{}", err.message());

    let bad_mask = UpdateTicketRequest {
        ticket: Some(proto::Ticket { ticket_id: id.clone(), ..Default::default() }),
        update_mask: mask(&["created_at"]),
    };
    let err = app.tickets.update_ticket(bad_mask).await.expect_err("not updatable");
    assert_eq!(violation_fields(&err), ["update_mask.paths[0]"]);

    app.tickets.delete_ticket(DeleteTicketRequest { ticket_id: id.clone() }).await.expect("deleted");
    let err = app.tickets.get_ticket(GetTicketRequest { ticket_id: id.clone() }).await.expect_err("gone");
    assert_eq!(err.code(), Code::NotFound);
    let err = app.tickets.delete_ticket(DeleteTicketRequest { ticket_id: id }).await.expect_err("gone");
    assert_eq!(err.code(), Code::NotFound);
    let err = app.tickets.get_ticket(GetTicketRequest { ticket_id: "nope".into() }).await.expect_err("bad id");
    assert_eq!(violation_fields(&err), ["ticket_id"]);
    app.shutdown().await;
}

async fn listing_pages_through_every_ticket_once_with_filters(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let mut billing = 0;
    for i in 0..23 {
        let mut t = ticket(&format!("Ticket {i}"), "Please look at this");
        if i % 3 == 0 {
            t.category = proto::Category::Billing as i32;
            billing += 1;
        } else {
            t.category = proto::Category::Technical as i32;
        }
        triage(&mut app, t).await;
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = app
            .tickets
            .list_tickets(ListTicketsRequest { page_size: 5, page_token: token.clone(), ..Default::default() })
            .await
            .expect("page")
            .into_inner();
        assert!(page.tickets.len() <= 5);
        seen.extend(page.tickets.into_iter().map(|t| (t.created_at.expect("created").seconds, t.ticket_id)));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen.len(), 23);
    let mut ids: Vec<&String> = seen.iter().map(|(_, id)| id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 23, "no ticket twice");
    assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");

    let only_billing = app
        .tickets
        .list_tickets(ListTicketsRequest {
            page_size: 100,
            category: proto::Category::Billing as i32,
            ..Default::default()
        })
        .await
        .expect("filtered")
        .into_inner();
    assert_eq!(only_billing.tickets.len(), billing);
    assert!(only_billing.tickets.iter().all(|t| t.category == proto::Category::Billing as i32));

    let first = app
        .tickets
        .list_tickets(ListTicketsRequest { page_size: 2, ..Default::default() })
        .await
        .expect("p")
        .into_inner();
    let err = app
        .tickets
        .list_tickets(ListTicketsRequest {
            page_size: 2,
            page_token: first.next_page_token,
            category: proto::Category::Billing as i32,
            ..Default::default()
        })
        .await
        .expect_err("token from other filters");
    assert_eq!(violation_fields(&err), ["page_token"]);
    let err = app
        .tickets
        .list_tickets(ListTicketsRequest { page_size: -1, ..Default::default() })
        .await
        .expect_err("negative");
    assert_eq!(violation_fields(&err), ["page_size"]);

    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 23);
    assert_eq!(stats.by_category.get("BILLING").copied(), Some(billing as u64));
    assert_eq!(stats.by_queue.values().sum::<u64>(), 23);
    assert_eq!(stats.by_status.values().sum::<u64>(), 23);
    app.shutdown().await;
}

async fn purging_removes_tickets_created_before_the_cutoff(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let mut old = ticket("Old ticket", "From long ago");
    old.created_at = Some(Timestamp { seconds: 1_600_000_000, nanos: 0 });
    triage(&mut app, old).await;
    triage(&mut app, ticket("New ticket", "From today")).await;
    let cutoff = Some(Timestamp { seconds: 1_700_000_000, nanos: 0 });
    let dry = app
        .tickets
        .purge_tickets(PurgeTicketsRequest { created_before: cutoff, dry_run: true })
        .await
        .expect("dry")
        .into_inner();
    assert_eq!(dry.purged_count, 1);
    let done = app
        .tickets
        .purge_tickets(PurgeTicketsRequest { created_before: cutoff, dry_run: false })
        .await
        .expect("purge")
        .into_inner();
    assert_eq!(done.purged_count, 1);
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 1);
    let err = app.tickets.purge_tickets(PurgeTicketsRequest::default()).await.expect_err("cutoff required");
    assert_eq!(violation_fields(&err), ["created_before"]);
    app.shutdown().await;
}

on_every_backend!(
    create_get_update_delete,
    listing_pages_through_every_ticket_once_with_filters,
    purging_removes_tickets_created_before_the_cutoff
);
