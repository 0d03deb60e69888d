//! The `helpdesk-client` crate's typed wrapper against a real server: every operation, paging,
//! streams, a watch that misses nothing committed after it returns, and errors with their field
//! violations.

use std::time::{Duration, SystemTime};

use helpdesk_client::{
    BacktestOptions, ClientError, HelpdeskClient, RulesText, ServingStatus, TriageOptions, new_ticket, proto,
};
use tokio_stream::StreamExt;
use tonic::Code;

use crate::support::{spawn_app, ticket};

fn outage() -> proto::Ticket {
    let mut t = new_ticket("Production outage", "The production database is down for all users.", "ana@example.com");
    t.metadata.insert("tier".into(), "enterprise".into());
    t
}

#[tokio::test]
async fn triage_is_idempotent_and_dry_runs_store_nothing() {
    let app = spawn_app().await;
    let mut client = HelpdeskClient::connect(&format!("http://{}", app.addr)).await.expect("connects");
    let dry = client.triage(outage(), TriageOptions { dry_run: true, ..Default::default() }).await.expect("dry run");
    assert_eq!(dry.result.expect("a result").queue, "incident-response");
    assert_eq!(client.stats().await.expect("stats").total, 0, "a dry run stores nothing");

    let options = TriageOptions { request_id: Some("client-1".into()), ..Default::default() };
    let first = client.triage(outage(), options.clone()).await.expect("stored");
    let again = client.triage(outage(), options).await.expect("replayed");
    assert!(!first.replayed && again.replayed);
    let id = first.ticket.expect("the stored ticket").ticket_id;
    assert_eq!(again.ticket.expect("the same ticket").ticket_id, id);
    let got = client.get_ticket(&id).await.expect("got");
    assert_eq!(got.latest_result.expect("its result").queue, "incident-response");
    assert_eq!(client.stats().await.expect("stats").total, 1);
    app.shutdown().await;
}

#[tokio::test]
async fn refused_requests_carry_their_field_violations() {
    let app = spawn_app().await;
    let mut client = app.client.clone();
    let err = client.triage(new_ticket("", "", "not-an-address"), TriageOptions::default()).await.expect_err("invalid");
    assert_eq!(err.code(), Code::InvalidArgument);
    let fields: Vec<String> = err.field_violations().into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["ticket.title", "ticket.description", "ticket.requester_email"]);
    let err = client.get_ticket("TKT-20261127-NOTHERE1").await.expect_err("missing");
    assert_eq!(
        (err.code(), err.to_string().contains("ticket TKT-20261127-NOTHERE1 not found")),
        (Code::NotFound, true)
    );
    app.shutdown().await;

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let gone = listener.local_addr().expect("addr");
    drop(listener);
    let err =
        HelpdeskClient::connect_within(&gone.to_string(), Duration::from_secs(2)).await.expect_err("nothing listens");
    assert!(matches!(err, ClientError::Connect(_)) && err.code() == Code::Unavailable, "{err}");
}

#[tokio::test]
async fn batches_and_streams_answer_every_item() {
    let app = spawn_app().await;
    let mut client = app.client.clone();
    let batch = client.batch_triage(vec![outage(), new_ticket("", "no title", "ana@example.com")], false).await;
    let batch = batch.expect("a batch");
    assert_eq!((batch.succeeded, batch.failed), (1, 1));

    let items: Vec<proto::StreamTriageRequest> = (0..5)
        .map(|i| proto::StreamTriageRequest {
            ticket: Some(ticket(&format!("Printer {i} jams"), "The printer jams on every page.")),
            client_id: format!("item-{i}"),
            dry_run: i % 2 == 0,
        })
        .collect();
    let mut answers = client.stream_triage(tokio_stream::iter(items)).await.expect("a stream");
    let mut ids = Vec::new();
    while let Some(answer) = answers.next().await {
        ids.push(answer.expect("an outcome").outcome.expect("outcome").client_id);
    }
    assert_eq!(ids, ["item-0", "item-1", "item-2", "item-3", "item-4"]);
    assert_eq!(client.stats().await.expect("stats").total, 3, "the batch's valid ticket and two stored items");
    app.shutdown().await;
}

#[tokio::test]
async fn tickets_are_created_listed_page_by_page_changed_purged_and_deleted() {
    let app = spawn_app().await;
    let mut client = app.client.clone();
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(client.create_ticket(ticket(&format!("Ticket {i}"), "Details")).await.expect("created").ticket_id);
    }
    let listed = client.list_tickets(proto::ListTicketsRequest { page_size: 3, ..Default::default() }).await;
    let mut listed: Vec<String> = listed.expect("listed").into_iter().map(|t| t.ticket_id).collect();
    listed.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(listed, expected, "three pages, every ticket once");

    let mut change = proto::Ticket { ticket_id: ids[0].clone(), ..Default::default() };
    change.status = proto::Status::InProgress as i32;
    change.assigned_queue = "billing".into();
    let changed = client.update_ticket(change, &["status", "assigned_queue"]).await.expect("updated");
    assert_eq!((changed.status, changed.assigned_queue.as_str()), (proto::Status::InProgress as i32, "billing"));
    assert_eq!(client.delete_ticket(&ids[1]).await.expect("deleted"), ids[1]);
    let later = SystemTime::now() + Duration::from_secs(3600);
    assert_eq!(client.purge_tickets(later, true).await.expect("counted"), 6);
    assert_eq!(client.stats().await.expect("stats").total, 6, "a dry run removes nothing");
    assert_eq!(client.purge_tickets(later, false).await.expect("purged"), 6);
    assert_eq!(client.stats().await.expect("stats").total, 0);
    app.shutdown().await;
}

#[tokio::test]
async fn rules_are_read_checked_tried_and_backtested() {
    let app = spawn_app().await;
    let mut client = app.client.clone();
    let in_force = client.get_rules().await.expect("rules");
    assert_eq!((in_force.source.as_str(), in_force.default_queue.as_str()), ("built-in", "general-support"));
    let candidate = "name: everything-to-triage\ndefault_queue: triage\nrules: []\n";
    let check = client.check_rules(RulesText::yaml(candidate)).await.expect("checked");
    assert!(check.valid && check.version.starts_with("everything-to-triage@"), "{check:?}");
    let broken = client.check_rules(RulesText::yaml("rules: [")).await.expect("an answer, not an error");
    assert!(!broken.valid && !broken.findings.is_empty());
    let trial = client.test_rules(RulesText::yaml(candidate), outage()).await.expect("tried");
    assert!(trial.changed);
    assert_eq!(trial.candidate_result.expect("candidate").queue, "triage");
    client.triage(outage(), TriageOptions::default()).await.expect("stored");
    let report = client.backtest_rules(RulesText::yaml(candidate), BacktestOptions::default()).await.expect("replayed");
    assert_eq!((report.replayed, report.changed), (1, 1));
    let err =
        client.backtest_rules(RulesText::yaml(candidate), BacktestOptions { limit: 200_000, ..Default::default() });
    assert_eq!(err.await.expect_err("too many").field_violations()[0].field, "limit");
    app.shutdown().await;
}

#[tokio::test]
async fn the_audit_log_is_listed_watched_exported_purged_and_verified() {
    let app = spawn_app().await;
    let mut client = app.client.clone();
    let before = client.triage(outage(), TriageOptions::default()).await.expect("stored").ticket.expect("t").ticket_id;
    // No sleep: what is committed once the watch has returned is delivered.
    let mut watch = client.watch_audit(None, Some("ticket.triaged")).await.expect("watching");
    let after = client.triage(outage(), TriageOptions::default()).await.expect("stored").ticket.expect("t").ticket_id;
    let seen = tokio::time::timeout(Duration::from_secs(10), watch.next()).await.expect("delivered").expect("an entry");
    let seen = seen.expect("no error");
    assert_eq!(seen.ticket_id, after, "the entry written before the watch ({before}) is not repeated");

    let listed = client.list_audit(proto::ListAuditEntriesRequest { page_size: 1, ..Default::default() }).await;
    assert_eq!(listed.expect("listed").len(), 2);
    let exported: Vec<proto::AuditEntry> =
        client.export_audit(None).await.expect("exporting").map(|e| e.expect("an entry")).collect().await;
    assert_eq!(exported.iter().map(|e| e.sequence).collect::<Vec<_>>(), [1, 2]);
    let purged = client.purge_audit(SystemTime::now() + Duration::from_secs(3600), false).await.expect("purged");
    assert!(purged >= 2, "the exported entries go: {purged}");
    let report = client.verify_audit().await.expect("verified");
    assert!(report.valid, "{report:?}");
    // No signing key on this server: the hashes only, strict or not.
    let strict = client.verify_audit_with(true).await.expect("verified strictly");
    assert!(strict.valid && !strict.signatures_required, "{strict:?}");
    assert_eq!(client.health("").await.expect("health"), ServingStatus::Serving);
    assert_eq!(client.health("helpdesk.v1.AuditService").await.expect("health"), ServingStatus::Serving);
    app.shutdown().await;
}
