//! AuditService over a real socket: listing, watching, exporting, purging and verifying the chain.

use std::time::Duration;

use crate::support::{Backend, spawn_app_on, ticket, triage};
use helpdesk_ai::proto::{
    ExportAuditEntriesRequest, ListAuditEntriesRequest, PurgeAuditEntriesRequest, VerifyAuditChainRequest,
    WatchAuditEntriesRequest,
};
use prost_types::Timestamp;
use tokio_stream::StreamExt;
use tonic::{Code, Request};

async fn every_triage_leaves_one_entry_listed_newest_first(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let mut request = Request::new(helpdesk_ai::proto::TriageTicketRequest {
            ticket: Some(ticket(&format!("Question {i}"), "How do I export a report?")),
            ..Default::default()
        });
        request.metadata_mut().insert("x-helpdesk-actor", "portal".parse().expect("ascii"));
        let response = app.triage.triage_ticket(request).await.expect("triaged").into_inner();
        ids.push(response.ticket.expect("ticket").ticket_id);
    }
    let entries =
        app.audit.list_audit_entries(ListAuditEntriesRequest::default()).await.expect("list").into_inner().entries;
    assert_eq!(entries.len(), 3);
    assert!(entries.windows(2).all(|w| w[0].sequence > w[1].sequence));
    // Without authentication the actor is `anonymous`; the header only says whom the caller acts for.
    assert!(
        entries.iter().all(|e| e.action == "ticket.triaged" && e.actor == "anonymous" && !e.rules_version.is_empty())
    );
    for entry in &entries {
        let details: serde_json::Value = serde_json::from_str(&entry.details_json).expect("JSON details");
        assert_eq!(details["on_behalf_of"], "portal", "{details}");
    }
    assert_eq!(entries[0].ticket_id, ids[2]);

    let one = app
        .audit
        .list_audit_entries(ListAuditEntriesRequest { ticket_id: ids[1].clone(), ..Default::default() })
        .await
        .expect("filtered")
        .into_inner();
    assert_eq!(one.entries.len(), 1);
    assert_eq!(one.entries[0].ticket_id, ids[1]);

    let page = app
        .audit
        .list_audit_entries(ListAuditEntriesRequest { page_size: 2, ..Default::default() })
        .await
        .expect("p")
        .into_inner();
    assert_eq!(page.entries.len(), 2);
    let rest = app
        .audit
        .list_audit_entries(ListAuditEntriesRequest {
            page_size: 2,
            page_token: page.next_page_token,
            ..Default::default()
        })
        .await
        .expect("p2")
        .into_inner();
    assert_eq!(rest.entries.len(), 1);
    assert!(rest.next_page_token.is_empty());
    app.shutdown().await;
}

async fn watch_sees_entries_written_after_it_started(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    triage(&mut app, ticket("Before the watch", "Not to be seen")).await;
    let mut watch =
        app.audit.watch_audit_entries(WatchAuditEntriesRequest::default()).await.expect("watch").into_inner();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let id = triage(&mut app, ticket("After the watch", "To be seen")).await.ticket.expect("t").ticket_id;
    let entry = tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .expect("an entry arrives in time")
        .expect("stream open")
        .expect("no error")
        .entry
        .expect("entry");
    assert_eq!(entry.ticket_id, id);
    assert_eq!(entry.action, "ticket.triaged");
    app.shutdown().await;
}

async fn export_then_purge_keeps_the_chain_verifiable(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    for i in 0..5 {
        triage(&mut app, ticket(&format!("Ticket {i}"), "Details")).await;
    }
    let verify = app.audit.verify_audit_chain(VerifyAuditChainRequest::default()).await.expect("verify").into_inner();
    assert!(verify.valid, "{}", verify.reason);
    assert_eq!(verify.entries_checked, 5);

    let cutoff = Some(Timestamp { seconds: chrono::Utc::now().timestamp() + 1, nanos: 0 });
    let err = app
        .audit
        .purge_audit_entries(PurgeAuditEntriesRequest { before: cutoff, force: false })
        .await
        .expect_err("export first");
    assert_eq!(err.code(), Code::FailedPrecondition);

    let mut export = app
        .audit
        .export_audit_entries(ExportAuditEntriesRequest { before: cutoff })
        .await
        .expect("export")
        .into_inner();
    let mut exported = Vec::new();
    while let Some(item) = export.next().await {
        exported.push(item.expect("entry").entry.expect("entry").sequence);
    }
    assert_eq!(exported, [1, 2, 3, 4, 5, 6], "five triages and the verification");

    let purged = app
        .audit
        .purge_audit_entries(PurgeAuditEntriesRequest { before: cutoff, force: false })
        .await
        .expect("purge")
        .into_inner();
    assert_eq!(purged.purged_count, 6);
    let left =
        app.audit.list_audit_entries(ListAuditEntriesRequest::default()).await.expect("list").into_inner().entries;
    let actions: Vec<&str> = left.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["audit.purged", "audit.exported"], "newest first");
    let verify = app.audit.verify_audit_chain(VerifyAuditChainRequest::default()).await.expect("verify").into_inner();
    assert!(verify.valid, "{}", verify.reason);
    app.shutdown().await;
}

async fn a_watch_outlives_the_request_timeout(backend: Backend) {
    let settings = helpdesk_ai::config::Settings { request_timeout_secs: 1, ..backend.settings() };
    let mut app = crate::support::spawn_with(settings, None).await;
    let mut watch =
        app.audit.watch_audit_entries(WatchAuditEntriesRequest::default()).await.expect("watch").into_inner();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let id =
        triage(&mut app, ticket("Late entry", "Written after the request timeout")).await.ticket.expect("t").ticket_id;
    let entry = tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .expect("an entry arrives in time")
        .expect("stream still open")
        .expect("no error")
        .entry
        .expect("entry");
    assert_eq!(entry.ticket_id, id);
    app.shutdown().await;
}

#[tokio::test]
async fn verify_names_the_first_entry_changed_behind_the_service() {
    use sea_orm::ConnectionTrait;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut app = crate::support::spawn_on_file(dir.path()).await;
    for i in 0..3 {
        triage(&mut app, ticket(&format!("Ticket {i}"), "Details")).await;
    }
    let url = format!("sqlite://{}?mode=rw", dir.path().join("helpdesk.db").display());
    let db = sea_orm::Database::connect(url).await.expect("open the file");
    db.execute_unprepared("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 2").await.expect("tamper");
    db.close().await.expect("close");
    let report = app.audit.verify_audit_chain(VerifyAuditChainRequest::default()).await.expect("verify").into_inner();
    assert!(!report.valid);
    assert_eq!(report.first_broken_sequence, 2);
    assert!(!report.reason.is_empty());
    app.shutdown().await;
}

async fn next(
    stream: &mut tonic::Streaming<helpdesk_ai::proto::WatchAuditEntriesResponse>,
) -> helpdesk_ai::proto::AuditEntry {
    let item = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("in time");
    item.expect("open").expect("no error").entry.expect("entry")
}

/// Many watchers at once each get every new entry once, in order; one resumed from a sequence gets
/// what was committed since first, then the live ones; a negative sequence is refused.
async fn many_watchers_share_one_reader_and_a_watch_resumes_after_a_sequence(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let first = triage(&mut app, ticket("Before", "Seen by the resumed watch")).await.ticket.expect("t").ticket_id;
    let mut watches = Vec::new();
    for _ in 0..200 {
        watches.push(
            app.audit.watch_audit_entries(WatchAuditEntriesRequest::default()).await.expect("watch").into_inner(),
        );
    }
    let resumed = WatchAuditEntriesRequest { after_sequence: Some(0), ..Default::default() };
    let mut resumed = app.audit.watch_audit_entries(resumed).await.expect("resume").into_inner();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(triage(&mut app, ticket(&format!("Live {i}"), "Seen by all")).await.ticket.expect("t").ticket_id);
    }
    for watch in &mut watches {
        let mut seen = Vec::new();
        for _ in 0..5 {
            seen.push(next(watch).await.ticket_id);
        }
        assert_eq!(seen, ids);
    }
    let mut seen = Vec::new();
    for _ in 0..6 {
        let entry = next(&mut resumed).await;
        seen.push((entry.sequence, entry.ticket_id));
    }
    let expected: Vec<(u64, String)> =
        std::iter::once(first).chain(ids).enumerate().map(|(i, id)| (i as u64 + 1, id)).collect();
    assert_eq!(seen, expected);
    let refused = WatchAuditEntriesRequest { after_sequence: Some(-1), ..Default::default() };
    let err = app.audit.watch_audit_entries(refused).await.expect_err("negative");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(err.message().contains("after_sequence"), "{}", err.message());
    app.shutdown().await;
}

on_every_backend!(
    every_triage_leaves_one_entry_listed_newest_first,
    watch_sees_entries_written_after_it_started,
    many_watchers_share_one_reader_and_a_watch_resumes_after_a_sequence,
    export_then_purge_keeps_the_chain_verifiable,
    a_watch_outlives_the_request_timeout
);
