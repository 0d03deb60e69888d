//! Near-duplicate tickets over a real socket: a near-copy lists the earlier ticket, only inside the
//! window; batches and streams find copies among their own items; dry runs look but store nothing;
//! deleted tickets are no longer listed; the feature can be switched off.

use crate::support::{Backend, TestApp, settings, spawn_app_on, spawn_on_file, spawn_with, ticket, triage};
use chrono::{Duration, Utc};
use helpdesk_ai::{
    config::Settings,
    proto::{
        self, BatchTriageRequest, DeleteTicketRequest, GetStatsRequest, StreamTriageRequest, TriageTicketRequest,
        triage_outcome::Outcome,
    },
    triage::settings::DuplicateSettings,
};
use tokio_stream::StreamExt;

const TITLE: &str = "VPN down in the Berlin office";
const TEXT: &str = "Since 9am nobody in the Berlin office can connect to the VPN. The client shows error 809 and \
                    times out after a minute. We have a customer demo at noon and need the staging servers.";
/// The same incident in another requester's words: a few words differ.
const COPY_TITLE: &str = "VPN is down in Berlin office";
const COPY: &str = "Since 9am nobody in the Berlin office can connect to the VPN. The client shows error 809 and \
                    times out after one minute. We have a customer demo at noon and need the staging servers!";

/// A report of the incident by `requester`.
fn report(requester: &str, title: &str, text: &str) -> proto::Ticket {
    proto::Ticket { requester_email: requester.into(), ..ticket(title, text) }
}

fn printer() -> proto::Ticket {
    report("cy@example.com", "Printer jam on floor 3", "The printer on floor 3 jams on every page since Monday.")
}

/// `hours` ago, as a proto timestamp.
fn hours_ago(hours: i64) -> Option<prost_types::Timestamp> {
    let at = Utc::now() - Duration::hours(hours);
    Some(prost_types::Timestamp { seconds: at.timestamp(), nanos: 0 })
}

/// The ids a result lists as similar.
fn similar_ids(result: &proto::TriageResult) -> Vec<&str> {
    result.similar_tickets.iter().map(|s| s.ticket_id.as_str()).collect()
}

/// Triages `t` and returns the result.
async fn result_of(app: &mut TestApp, t: proto::Ticket) -> proto::TriageResult {
    triage(app, t).await.result.expect("a result")
}

async fn a_near_copy_lists_the_first_report(mut app: TestApp) {
    let first = triage(&mut app, report("ana@example.com", TITLE, TEXT)).await.ticket.expect("ticket").ticket_id;
    let request = TriageTicketRequest {
        ticket: Some(report("bob@other.example", COPY_TITLE, COPY)),
        request_id: "report-2".into(),
        ..Default::default()
    };
    let second = app.triage.triage_ticket(request.clone()).await.expect("triaged").into_inner();
    let result = second.result.expect("a result");
    assert_eq!(similar_ids(&result), [first.as_str()]);
    let similarity = result.similar_tickets[0].similarity;
    assert!((0.8..1.0).contains(&similarity), "{similarity}");
    assert!(result.explanation.contains(&format!("Looks like 1 earlier ticket(s): {first}")), "{}", result.explanation);

    let again = app.triage.triage_ticket(request).await.expect("replayed").into_inner();
    assert!(again.replayed);
    assert_eq!(again.result.expect("a result").similar_tickets, result.similar_tickets);
    assert!(result_of(&mut app, printer()).await.similar_tickets.is_empty());
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 3);
    app.shutdown().await;
}

async fn a_near_copy_from_another_requester_lists_the_first_report(backend: Backend) {
    a_near_copy_lists_the_first_report(spawn_app_on(&backend).await).await;
}

#[tokio::test]
async fn a_near_copy_is_found_in_a_sqlite_file_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    a_near_copy_lists_the_first_report(spawn_on_file(dir.path()).await).await;
}

async fn only_reports_inside_the_window_are_listed(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let old = proto::Ticket { created_at: hours_ago(100), ..report("ana@example.com", TITLE, TEXT) };
    let old = triage(&mut app, old).await.ticket.expect("ticket").ticket_id;
    let recent = proto::Ticket { created_at: hours_ago(10), ..report("bob@example.com", TITLE, TEXT) };
    let recent_result = result_of(&mut app, recent).await;
    assert!(recent_result.similar_tickets.is_empty(), "100 h before is outside the 72 h window");

    let now = result_of(&mut app, report("cy@example.com", COPY_TITLE, COPY)).await;
    assert_eq!(similar_ids(&now), [recent_result.ticket_id.as_str()]);
    assert!(!similar_ids(&now).contains(&old.as_str()));
    app.shutdown().await;
}

async fn a_batch_finds_copies_among_its_own_items(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let tickets = vec![report("ana@example.com", TITLE, TEXT), printer(), report("bob@example.com", COPY_TITLE, COPY)];
    let request = BatchTriageRequest { tickets, dry_run: false };
    let response = app.batch.batch_triage(request).await.expect("batch").into_inner();
    let results: Vec<proto::TriageResult> = response
        .outcomes
        .into_iter()
        .map(|o| match o.outcome {
            Some(Outcome::Result(result)) => result,
            other => panic!("item {} failed: {other:?}", o.index),
        })
        .collect();
    assert!(results[0].similar_tickets.is_empty() && results[1].similar_tickets.is_empty());
    assert_eq!(similar_ids(&results[2]), [results[0].ticket_id.as_str()]);

    let later = result_of(&mut app, report("cy@example.com", TITLE, TEXT)).await;
    assert_eq!(similar_ids(&later), [results[0].ticket_id.as_str(), results[2].ticket_id.as_str()]);
    assert_eq!(later.similar_tickets[0].similarity, 1.0, "most similar first");
    app.shutdown().await;
}

async fn a_stream_finds_copies_but_not_its_dry_runs(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let items = [(TITLE, TEXT, false), (COPY_TITLE, COPY, true), (TITLE, TEXT, false)];
    let requests: Vec<StreamTriageRequest> = items
        .iter()
        .enumerate()
        .map(|(i, (title, text, dry_run))| StreamTriageRequest {
            ticket: Some(report(&format!("user{i}@example.com"), title, text)),
            client_id: format!("c-{i}"),
            dry_run: *dry_run,
        })
        .collect();
    let mut responses = app.batch.stream_triage(tokio_stream::iter(requests)).await.expect("stream").into_inner();
    let mut results = Vec::new();
    while let Some(item) = responses.next().await {
        match item.expect("no stream error").outcome.expect("an outcome").outcome {
            Some(Outcome::Result(result)) => results.push(result),
            other => panic!("an item failed: {other:?}"),
        }
    }
    assert_eq!(results.len(), 3);
    let first = results[0].ticket_id.as_str();
    assert!(results[0].similar_tickets.is_empty());
    assert_eq!(similar_ids(&results[1]), [first], "a dry run is compared with the stored items");
    assert_eq!(similar_ids(&results[2]), [first], "but never listed itself");
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 2);
    app.shutdown().await;
}

async fn a_dry_run_finds_duplicates_and_stores_nothing(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let first = result_of(&mut app, report("ana@example.com", TITLE, TEXT)).await.ticket_id;
    for _ in 0..2 {
        let request = TriageTicketRequest {
            ticket: Some(report("bob@example.com", COPY_TITLE, COPY)),
            dry_run: true,
            ..Default::default()
        };
        let result = app.triage.triage_ticket(request).await.expect("dry run").into_inner().result.expect("result");
        assert_eq!(similar_ids(&result), [first.as_str()], "the earlier dry run was not stored");
    }
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 1);
    app.shutdown().await;
}

async fn a_deleted_ticket_is_no_longer_listed(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let first = result_of(&mut app, report("ana@example.com", TITLE, TEXT)).await.ticket_id;
    app.tickets.delete_ticket(DeleteTicketRequest { ticket_id: first }).await.expect("deleted");
    let copy = result_of(&mut app, report("bob@example.com", COPY_TITLE, COPY)).await;
    assert!(copy.similar_tickets.is_empty(), "{:?}", copy.similar_tickets);
    app.shutdown().await;
}

async fn settings_decide_the_threshold_the_limit_and_whether_to_look_at_all(backend: Backend) {
    let strict = DuplicateSettings { min_similarity: 1.0, max_results: 1, ..DuplicateSettings::default() };
    let mut app = spawn_with(Settings { duplicates: strict, ..backend.settings() }, None).await;
    let first = result_of(&mut app, report("ana@example.com", TITLE, TEXT)).await.ticket_id;
    let second = result_of(&mut app, report("bob@example.com", TITLE, TEXT)).await.ticket_id;
    assert!(result_of(&mut app, report("cy@example.com", COPY_TITLE, COPY)).await.similar_tickets.is_empty());
    let fourth = result_of(&mut app, report("di@example.com", TITLE, TEXT)).await;
    let lowest = first.as_str().min(second.as_str());
    assert_eq!(similar_ids(&fourth), [lowest], "two equally similar tickets, the lower id first, one listed");
    app.shutdown().await;

    let off = DuplicateSettings { enabled: false, ..DuplicateSettings::default() };
    let mut app = spawn_with(Settings { duplicates: off, ..settings() }, None).await;
    result_of(&mut app, report("ana@example.com", TITLE, TEXT)).await;
    assert!(result_of(&mut app, report("bob@example.com", TITLE, TEXT)).await.similar_tickets.is_empty());
    app.shutdown().await;
}

on_every_backend!(
    a_near_copy_from_another_requester_lists_the_first_report,
    only_reports_inside_the_window_are_listed,
    a_batch_finds_copies_among_its_own_items,
    a_stream_finds_copies_but_not_its_dry_runs,
    a_dry_run_finds_duplicates_and_stores_nothing,
    a_deleted_ticket_is_no_longer_listed,
    settings_decide_the_threshold_the_limit_and_whether_to_look_at_all
);
