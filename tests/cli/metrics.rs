//! The Prometheus endpoint over real HTTP: after unary calls (stored, dry run, cached, invalid) and a
//! stream, `GET /metrics` shows each call by method and status code, its latency histogram, the
//! triage outcomes, escalations, cache hits and misses, database timings and the pool. The recorder
//! is process-wide: this is the only test of the command-line suite that runs a server in its own
//! process (the others run the binary), so the counts it asserts are exact.

use std::time::Duration;

use helpdesk_ai::{
    config::Settings,
    proto::{self, GetTicketRequest, StreamTriageRequest, TriageTicketRequest},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::support::{settings, spawn_with, ticket};
use tokio_stream::StreamExt;
use tonic::Code;

/// Sends `GET path` over HTTP/1.1 and returns the status line and the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connects to the metrics port");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("request sent");
    let mut raw = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut raw))
        .await
        .expect("answered within 10 s")
        .expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    (head.lines().next().unwrap_or_default().to_owned(), body.to_owned())
}

/// The value of the sample `name{labels...}` (every given label must match), if present.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let rest = series.strip_prefix(name)?;
        let labelled = rest.is_empty() || rest.starts_with('{');
        let matches = labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")));
        (labelled && matches).then(|| value.parse().ok()).flatten()
    })
}

/// The sum of every sample of `name`, whatever its labels.
fn total(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

const TRIAGE: &str = "helpdesk.v1.TriageService/TriageTicket";
const STREAM: &str = "helpdesk.v1.BatchTriageService/StreamTriage";

#[tokio::test]
async fn the_metrics_endpoint_counts_calls_decisions_and_the_database() {
    let metrics_addr = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    // The cache is off by default; on here so its hits and misses are counted.
    let mut app = spawn_with(Settings { metrics_addr, cache_enabled: true, ..settings() }, None).await;
    let addr = app.metrics.expect("the metrics endpoint listens");

    // A critical ticket, stored: escalated at once to on-call.
    let mut critical = ticket("Production is down", "Every customer sees errors since the deploy");
    critical.priority = proto::Priority::Critical as i32;
    let request = TriageTicketRequest { ticket: Some(critical), ..Default::default() };
    let stored = app.triage.triage_ticket(request).await.expect("triage").into_inner();
    let result = stored.result.expect("result");
    let ticket_id = stored.ticket.expect("ticket").ticket_id;
    // The same dry run twice: the second answer comes from the cache.
    let mut printer = ticket("Printer jams", "The printer on floor two jams on every page");
    // A fixed creation time, so both calls have the same key (a minute old: not escalated for age).
    let created = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    printer.created_at = Some(prost_types::Timestamp { seconds: created as i64 - 60, nanos: 0 });
    for expect_cached in [false, true] {
        let request = TriageTicketRequest { ticket: Some(printer.clone()), dry_run: true, ..Default::default() };
        let answer = app.triage.triage_ticket(request).await.expect("dry run").into_inner();
        assert_eq!(answer.result.expect("result").from_cache, expect_cached);
    }
    // An invalid ticket: refused before triage.
    let invalid = TriageTicketRequest { ticket: Some(ticket("", "no title")), ..Default::default() };
    let err = app.triage.triage_ticket(invalid).await.expect_err("invalid");
    assert_eq!(err.code(), Code::InvalidArgument);
    // A stream of three items, one of them invalid.
    let items: Vec<StreamTriageRequest> = [
        ticket("Refund please", "I was charged twice for my subscription"),
        ticket("", "missing title"),
        ticket("Cannot log in", "The password reset e-mail never arrives"),
    ]
    .into_iter()
    .map(|t| StreamTriageRequest { ticket: Some(t), ..Default::default() })
    .collect();
    let mut answers = app.batch.stream_triage(tokio_stream::iter(items)).await.expect("stream").into_inner();
    let mut outcomes = 0;
    while let Some(answer) = answers.next().await {
        answer.expect("an outcome");
        outcomes += 1;
    }
    assert_eq!(outcomes, 3);
    app.tickets.get_ticket(GetTicketRequest { ticket_id }).await.expect("get");

    let (status, text) = http_get(addr, "/metrics").await;
    assert!(status.contains("200"), "{status}");
    let rpc =
        |method: &str, code: &str| sample(&text, "helpdesk_rpc_requests_total", &[("method", method), ("code", code)]);
    assert_eq!(rpc(TRIAGE, "OK"), Some(3.0), "{text}");
    assert_eq!(rpc(TRIAGE, "INVALID_ARGUMENT"), Some(1.0), "{text}");
    assert_eq!(rpc(STREAM, "OK"), Some(1.0), "{text}");
    let count = |method: &str, code: &str| {
        sample(&text, "helpdesk_rpc_duration_seconds_count", &[("method", method), ("code", code)])
    };
    assert_eq!((count(TRIAGE, "OK"), count(STREAM, "OK")), (Some(3.0), Some(1.0)), "{text}");
    let le = [("method", TRIAGE), ("code", "INVALID_ARGUMENT"), ("le", "+Inf")];
    assert_eq!(sample(&text, "helpdesk_rpc_duration_seconds_bucket", &le), Some(1.0), "{text}");
    assert!(text.contains("le=\"0.005\""), "millisecond buckets: {text}");

    let outcome = [("queue", result.queue.as_str()), ("priority", "CRITICAL")];
    assert!(sample(&text, "helpdesk_triage_outcomes_total", &outcome) >= Some(1.0), "{text}");
    assert_eq!(total(&text, "helpdesk_triage_outcomes_total"), 5.0, "three unary, two stream items: {text}");
    // Escalated for its priority (and by the built-in incident rule): one series, one count.
    let escalated = sample(&text, "helpdesk_escalations_total", &[("level", "on_call")]);
    assert_eq!((escalated, total(&text, "helpdesk_escalations_total")), (Some(1.0), 1.0), "{text}");
    assert!(text.contains("reason=\"critical_priority"), "{text}");
    assert_eq!(sample(&text, "helpdesk_triage_cache_hits_total", &[]), Some(1.0), "{text}");
    assert_eq!(sample(&text, "helpdesk_triage_cache_misses_total", &[]), Some(4.0), "{text}");

    let db = |operation: &str| {
        sample(&text, "helpdesk_db_operation_duration_seconds_count", &[("operation", operation)]).unwrap_or(0.0)
    };
    assert!(db("write_transaction") >= 2.0 && db("begin_write") >= 2.0, "{text}");
    assert_eq!(db("get_ticket"), 1.0, "{text}");
    assert_eq!(sample(&text, "helpdesk_db_pool_max_connections", &[]), Some(1.0), "{text}");
    let pooled = total(&text, "helpdesk_db_pool_connections");
    assert_eq!(pooled, 1.0, "the memory store's one connection, in use or idle: {text}");
    assert_eq!(sample(&text, "helpdesk_stream_items_in_flight", &[]), Some(0.0), "{text}");
    assert!(text.contains("# HELP helpdesk_rpc_requests_total gRPC calls finished"), "{text}");

    let (missing, _) = http_get(addr, "/other").await;
    assert!(missing.contains("404"), "{missing}");
    app.shutdown().await;
}
