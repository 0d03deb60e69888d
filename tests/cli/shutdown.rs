//! SIGTERM with streams open: health turns NOT_SERVING first, a StreamTriage and a WatchAuditEntries
//! in progress end with UNAVAILABLE (the watch naming the sequence to resume after), every stream item
//! answered is kept, the process exits within `shutdown_grace_secs`, and a watch resumed after the
//! restart from that sequence misses nothing committed in between.

use std::time::{Duration, Instant};

use helpdesk_ai::proto;
use helpdesk_client::{HelpdeskClient, ServingStatus, TriageOptions, new_ticket};
use tokio_stream::StreamExt;
use tonic::Code;

use crate::support::{helpdesk, server::start_with};

const GRACE_SECS: u64 = 3;

fn item(n: usize) -> proto::StreamTriageRequest {
    proto::StreamTriageRequest {
        client_id: format!("item-{n}"),
        ticket: Some(new_ticket(
            &format!("Shutdown ticket {n}"),
            "The file server is down for everyone",
            "s@example.com",
        )),
        ..Default::default()
    }
}

#[test]
fn sigterm_ends_open_streams_with_unavailable_keeps_what_was_answered_and_exits_in_grace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("helpdesk.yaml");
    std::fs::write(&config, format!("shutdown_grace_secs: {GRACE_SECS}\n")).expect("config");
    let command = || {
        let mut command = helpdesk(dir.path());
        command.env("HELPDESK_CONFIG", &config).env("HELPDESK_STORE_PATH", dir.path().join("store"));
        command
    };
    let mut server = start_with(command());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let url = format!("http://{}", server.addr);
    let (answered, resume_after) = runtime.block_on(async {
        let mut client = HelpdeskClient::connect(&url).await.expect("connect");
        let mut watch = client.watch_audit(None, None).await.expect("watch");
        let (items, inbound) = tokio::sync::mpsc::channel(64);
        let mut outcomes =
            client.stream_triage(tokio_stream::wrappers::ReceiverStream::new(inbound)).await.expect("stream");
        let mut answered = Vec::new();
        for n in 0..20 {
            items.send(item(n)).await.expect("sent");
            let outcome = outcomes.next().await.expect("an answer").expect("ok");
            let outcome = outcome.outcome.expect("an outcome");
            assert!(matches!(outcome.outcome, Some(proto::triage_outcome::Outcome::Result(_))), "item {n} stored");
            answered.push(outcome.ticket_id);
        }
        let mut seen = 0u64;
        for _ in 0..20 {
            let entry = tokio::time::timeout(Duration::from_secs(10), watch.next()).await.expect("in time");
            seen = entry.expect("an entry").expect("ok").sequence;
        }
        // Health is watched (Health/Watch) on a connection of its own, as a load balancer would.
        let channel = helpdesk_client::connect(&url, Duration::from_secs(5)).await.expect("connect");
        let mut prober = tonic_health::pb::health_client::HealthClient::new(channel);
        let service = tonic_health::pb::HealthCheckRequest { service: "helpdesk.v1.TriageService".into() };
        let mut statuses = prober.watch(service).await.expect("health watch").into_inner();
        let first = statuses.next().await.expect("a status").expect("ok").status;
        assert_eq!(first, ServingStatus::Serving as i32);

        server.signal("TERM");
        let next = tokio::time::timeout(Duration::from_secs(5), statuses.next()).await.expect("in time");
        assert_eq!(next.expect("a status").expect("ok").status, ServingStatus::NotServing as i32);
        let not_serving_at = Instant::now();

        let ended = tokio::time::timeout(Duration::from_secs(GRACE_SECS + 2), watch.next()).await.expect("in grace");
        let watch_ended_at = Instant::now();
        let err = ended.expect("an error ends the watch").expect_err("not an entry");
        assert_eq!(err.code(), Code::Unavailable, "{err}");
        assert!(err.to_string().contains(&format!("resume with after_sequence = {seen}")), "{err}");
        assert!(not_serving_at <= watch_ended_at, "health said NOT_SERVING before the streams ended");

        let ended = tokio::time::timeout(Duration::from_secs(GRACE_SECS + 2), outcomes.next()).await.expect("in grace");
        let err = ended.expect("an error ends the stream").expect_err("not an outcome");
        assert_eq!(err.code(), Code::Unavailable, "{err}");
        drop(items);
        (answered, seen)
    });
    let exited = server.wait_for_exit(Duration::from_secs(GRACE_SECS + 2));
    let (code, lines) = exited.expect("the process exits within shutdown_grace_secs");
    assert_eq!(code, 0, "{lines:?}");

    // Restarted: what was answered is there; two tickets stored before the watch resumes arrive first.
    let server = start_with(command());
    let url = format!("http://{}", server.addr);
    runtime.block_on(async {
        let mut client = HelpdeskClient::connect(&url).await.expect("connect");
        for id in &answered {
            client.get_ticket(id).await.unwrap_or_else(|e| panic!("answered item {id} lost: {e}"));
        }
        for n in 0..2 {
            let ticket = new_ticket(&format!("After restart {n}"), "The printer is down", "s@example.com");
            client.triage(ticket, TriageOptions::default()).await.expect("stored");
        }
        let mut resumed = client.watch_audit_after(None, None, Some(resume_after as i64)).await.expect("resume");
        let mut sequences = Vec::new();
        while sequences.last().is_none_or(|&s: &u64| s < resume_after + 2) {
            let entry = tokio::time::timeout(Duration::from_secs(10), resumed.next()).await.expect("in time");
            sequences.push(entry.expect("an entry").expect("ok").sequence);
        }
        assert_eq!(sequences, vec![resume_after + 1, resume_after + 2], "nothing missed, nothing twice");
    });
    assert_eq!(server.terminate().0, 0);
}
