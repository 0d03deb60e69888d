//! Requesters found by address through ListTickets, with addresses sealed at rest (a privacy key) and
//! without (a plain store), on every backend; what the database holds and what the commands do with a
//! key are in the command-line suite.

use std::collections::BTreeMap;

use crate::support::{Backend, spawn_with, ticket, violation_fields};
use helpdesk_ai::{
    config::{PrivacySettings, Settings},
    privacy::DataKey,
    proto::{self, CreateTicketRequest, ListTicketsRequest, TriageTicketRequest},
};
use tonic::Code;

/// The backend's settings, with a new privacy key (in `dir`) sealing requesters and `phone`.
fn with_key(backend: &Backend, dir: &std::path::Path) -> Settings {
    let file = dir.join("privacy.key");
    let key = DataKey::generate().expect("a key");
    std::fs::write(&file, key.to_base64().as_str()).expect("key written");
    Settings {
        privacy: PrivacySettings {
            key_file: Some(file),
            previous_key_files: Vec::new(),
            encrypted_metadata_keys: vec!["phone".into()],
        },
        ..backend.settings()
    }
}

/// Stores tickets of three requesters (one of them with varied spelling), triaged and created.
async fn lookups_find_exactly_the_requesters_tickets(settings: Settings, dir: tempfile::TempDir) {
    let mut app = spawn_with(settings, Some(dir)).await;
    let mut ana = Vec::new();
    for (n, address) in
        ["ana@example.com", "Ana@EXAMPLE.com", "bob@example.com", " ana@example.com "].iter().enumerate()
    {
        let mut t = ticket(&format!("VPN down {n}"), "The VPN is down for the whole floor");
        t.requester_email = (*address).into();
        t.metadata = BTreeMap::from([("phone".to_owned(), format!("+44 20 7946 000{n}"))]).into_iter().collect();
        let stored = if n % 2 == 0 {
            let request = TriageTicketRequest { ticket: Some(t), ..Default::default() };
            app.triage.triage_ticket(request).await.expect("triaged").into_inner().ticket.expect("ticket")
        } else {
            let request = CreateTicketRequest { ticket: Some(t) };
            app.tickets.create_ticket(request).await.expect("created").into_inner().ticket.expect("ticket")
        };
        assert_eq!(stored.requester_email, address.trim(), "the address reads back as given");
        assert_eq!(stored.metadata["phone"], format!("+44 20 7946 000{n}"));
        if address.trim().eq_ignore_ascii_case("ana@example.com") {
            ana.push(stored.ticket_id);
        }
    }
    ana.reverse();
    let list = |requester: &str, page_size: i32, page_token: String| ListTicketsRequest {
        requester_email: requester.into(),
        page_size,
        page_token,
        ..Default::default()
    };
    let found = app.client.list_tickets(list(" ANA@example.com", 2, String::new())).await.expect("listed");
    let ids: Vec<String> = found.iter().map(|t| t.ticket_id.clone()).collect();
    assert_eq!(ids, ana, "every ticket of the requester, newest first, over pages of two");
    assert!(found.iter().all(|t| t.requester_email.eq_ignore_ascii_case("ana@example.com")));

    let bob = app.client.list_tickets(list("bob@example.com", 0, String::new())).await.expect("listed");
    assert_eq!(bob.len(), 1);
    assert!(app.client.list_tickets(list("carol@example.com", 0, String::new())).await.expect("listed").is_empty());
    let new_only = ListTicketsRequest {
        requester_email: "ana@example.com".into(),
        status: proto::Status::New as i32,
        ..Default::default()
    };
    assert_eq!(app.client.list_tickets(new_only).await.expect("listed").len(), 2, "with another filter");

    let first = app.tickets.list_tickets(list("ana@example.com", 1, String::new())).await.expect("page").into_inner();
    let other = app.tickets.list_tickets(list("bob@example.com", 1, first.next_page_token)).await.unwrap_err();
    assert_eq!(other.code(), Code::InvalidArgument, "a page token belongs to its requester");
    let bad = app.tickets.list_tickets(list("not an address", 0, String::new())).await.unwrap_err();
    assert_eq!((bad.code(), violation_fields(&bad)), (Code::InvalidArgument, vec!["requester_email".to_owned()]));
    app.shutdown().await;
}

async fn requesters_are_found_with_a_privacy_key(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = with_key(&backend, dir.path());
    lookups_find_exactly_the_requesters_tickets(settings, dir).await;
}

async fn requesters_are_found_without_a_privacy_key(backend: Backend) {
    lookups_find_exactly_the_requesters_tickets(backend.settings(), tempfile::tempdir().expect("temp dir")).await;
}

on_every_backend!(requesters_are_found_with_a_privacy_key, requesters_are_found_without_a_privacy_key);
