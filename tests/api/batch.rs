//! BatchTriageService over a real socket: batches and a 1,000-item bidirectional stream with bad items.

use crate::support::{Backend, spawn_app_on, ticket};
use helpdesk_ai::proto::{self, BatchTriageRequest, GetStatsRequest, StreamTriageRequest, triage_outcome::Outcome};
use tokio_stream::StreamExt;
use tonic::Code;

async fn a_batch_answers_every_item_in_order(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let tickets = vec![
        ticket("Refund please", "I was charged twice for my subscription"),
        proto::Ticket { title: "No e-mail".into(), description: "x".into(), ..Default::default() },
        ticket("App crashes", "The app crashes with an exception when I click save"),
    ];
    let response =
        app.batch.batch_triage(BatchTriageRequest { tickets, dry_run: false }).await.expect("batch").into_inner();
    assert_eq!((response.succeeded, response.failed), (2, 1));
    let indexes: Vec<u32> = response.outcomes.iter().map(|o| o.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
    let Some(Outcome::Error(error)) = &response.outcomes[1].outcome else { panic!("item 1 must fail") };
    assert_eq!(error.code, Code::InvalidArgument as i32);
    assert_eq!(error.field_violations[0].field, "tickets[1].requester_email");
    assert!(matches!(response.outcomes[0].outcome, Some(Outcome::Result(_))));
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 2);
    app.shutdown().await;
}

async fn an_oversized_batch_is_refused(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let tickets = vec![ticket("t", "d"); 1001];
    let err = app.batch.batch_triage(BatchTriageRequest { tickets, dry_run: true }).await.expect_err("too many");
    assert_eq!(err.code(), Code::InvalidArgument);
    app.shutdown().await;
}

async fn a_stream_of_a_thousand_tickets_is_answered_item_by_item(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let bad = |i: usize| i % 97 == 13;
    let items: Vec<StreamTriageRequest> = (0..1000)
        .map(|i| {
            let mut t = ticket(&format!("Ticket {i}: login fails"), &format!("User {i} cannot log in to the portal"));
            if bad(i) {
                t.title.clear();
            }
            StreamTriageRequest { ticket: Some(t), client_id: format!("c-{i}"), dry_run: false }
        })
        .collect();
    let mut responses = app.batch.stream_triage(tokio_stream::iter(items)).await.expect("stream opens").into_inner();
    let mut seen = 0usize;
    let mut failed = 0usize;
    while let Some(item) = responses.next().await {
        let outcome = item.expect("no stream error").outcome.expect("an outcome");
        assert_eq!(outcome.index as usize, seen);
        assert_eq!(outcome.client_id, format!("c-{seen}"));
        match outcome.outcome.expect("result or error") {
            Outcome::Result(result) => {
                assert!(!bad(seen), "item {seen} should have failed");
                assert_eq!(result.ticket_id, outcome.ticket_id);
            }
            Outcome::Error(error) => {
                assert!(bad(seen), "item {seen} should have passed: {error:?}");
                assert_eq!(error.field_violations[0].field, "ticket.title");
                failed += 1;
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 1000);
    let expected_failed = (0..1000).filter(|&i| bad(i)).count();
    assert_eq!(failed, expected_failed);
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total as usize, 1000 - expected_failed);
    app.shutdown().await;
}

async fn a_taken_ticket_id_fails_only_its_own_item(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let with_id = |id: &str| {
        let mut t = ticket("Duplicate?", "Same id twice");
        t.ticket_id = id.into();
        StreamTriageRequest { ticket: Some(t), client_id: id.into(), dry_run: false }
    };
    let items =
        vec![with_id("TKT-20261127-SAME0001"), with_id("TKT-20261127-SAME0001"), with_id("TKT-20261127-OTHER001")];
    let mut responses = app.batch.stream_triage(tokio_stream::iter(items)).await.expect("stream").into_inner();
    let mut codes = Vec::new();
    while let Some(item) = responses.next().await {
        codes.push(match item.expect("no stream error").outcome.expect("outcome").outcome.expect("set") {
            Outcome::Result(_) => 0,
            Outcome::Error(error) => error.code,
        });
    }
    assert_eq!(codes, [0, Code::AlreadyExists as i32, 0]);
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 2);
    app.shutdown().await;
}

async fn a_client_that_stops_reading_holds_the_stream_back(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let total = 1_200;
    let items = (0..total).map(|i| StreamTriageRequest {
        ticket: Some(ticket(&format!("Flood {i}"), "A client that sends far more than it reads")),
        client_id: i.to_string(),
        dry_run: false,
    });
    // A client with HTTP/2's smallest usual window (64 KiB), so the bound shows in a short test.
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", app.addr))
        .expect("uri")
        .initial_stream_window_size(Some(64 * 1024))
        .initial_connection_window_size(Some(64 * 1024))
        .connect()
        .await
        .expect("connects");
    let mut client = helpdesk_ai::proto::batch_triage_service_client::BatchTriageServiceClient::new(channel);
    let mut responses = client.stream_triage(tokio_stream::iter(items)).await.expect("stream opens").into_inner();
    // Read nothing: once the outcome buffer, the server's send buffer and the client's window are full,
    // the server stops taking items and the count of stored tickets stands still, far below what the
    // client offered.
    let mut last = u64::MAX;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let plateau = loop {
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        let now = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner().total;
        if now == last {
            break now;
        }
        assert!(std::time::Instant::now() < deadline, "the server kept taking items: {now} of {total}");
        last = now;
    };
    assert!(plateau < total as u64 / 2, "{plateau} of {total} items were taken in without being read");

    let mut answered = 0;
    while let Some(item) = responses.next().await {
        item.expect("no stream error");
        answered += 1;
    }
    assert_eq!(answered, total);
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, total as u64);
    app.shutdown().await;
}

on_every_backend!(
    a_batch_answers_every_item_in_order,
    an_oversized_batch_is_refused,
    a_stream_of_a_thousand_tickets_is_answered_item_by_item,
    a_taken_ticket_id_fails_only_its_own_item,
    a_client_that_stops_reading_holds_the_stream_back
);
