//! Overload is shed, not queued: over `max_in_flight_requests` a call is answered RESOURCE_EXHAUSTED
//! at once with a RetryInfo, over a caller's `rate_limit` likewise, health is never shed, and a call
//! whose deadline (`grpc-timeout`) passes is answered DEADLINE_EXCEEDED with its work stored whole
//! or not at all.

use std::time::Duration;

use helpdesk_ai::{
    config::Settings,
    grpc::RateLimit,
    proto::{self, GetStatsRequest, GetTicketRequest},
};
use tonic::Code;
use tonic_types::StatusExt;

use crate::support::{settings, spawn_with, ticket};

fn retry_in(status: &tonic::Status) -> Duration {
    let info = status.get_details_retry_info().expect("a RetryInfo detail");
    info.retry_delay.expect("a delay")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_over_the_in_flight_limit_are_shed_at_once_and_health_still_answers() {
    let settings = Settings { max_in_flight_requests: 1, ..settings() };
    let app = spawn_with(settings, None).await;
    let calls: Vec<_> = (0..200)
        .map(|n| {
            let mut triage = app.triage.clone();
            tokio::spawn(async move {
                let request = proto::TriageTicketRequest {
                    ticket: Some(ticket(&format!("Busy {n}"), "The VPN is down for the whole office")),
                    ..Default::default()
                };
                triage.triage_ticket(request).await
            })
        })
        .collect();
    let mut health = app.client.clone();
    for _ in 0..20 {
        assert_eq!(
            health.health("helpdesk.v1.TriageService").await.expect("health answers"),
            helpdesk_client::ServingStatus::Serving
        );
    }
    let (mut stored, mut shed) = (0u64, 0u64);
    for call in calls {
        match call.await.expect("joined") {
            Ok(_) => stored += 1,
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                assert!(
                    status.message().contains("limit of 1 calls at once (max_in_flight_requests)"),
                    "{}",
                    status.message()
                );
                assert_eq!(retry_in(&status), Duration::from_millis(200));
                shed += 1;
            }
        }
    }
    assert!(shed > 0 && stored > 0, "stored {stored}, shed {shed}");
    let mut tickets = app.tickets.clone();
    let total = tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner().total;
    assert_eq!(total, stored, "a shed call stored nothing");
    app.shutdown().await;
}

#[tokio::test]
async fn a_caller_over_its_rate_limit_is_told_when_to_come_back() {
    let rate_limit = RateLimit { requests_per_second: 1, burst: 3 };
    let app = spawn_with(Settings { rate_limit, ..settings() }, None).await;
    let mut tickets = app.tickets.clone();
    for n in 0..3 {
        tickets.get_stats(GetStatsRequest {}).await.unwrap_or_else(|e| panic!("call {n} within the burst: {e}"));
    }
    let status = tickets.get_stats(GetStatsRequest {}).await.expect_err("over the limit");
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert!(
        status.message().contains("rate limit of 1 calls a second (rate_limit.requests_per_second)"),
        "{}",
        status.message()
    );
    let wait = retry_in(&status);
    assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
    let mut health = app.client.clone();
    for _ in 0..10 {
        health.health("").await.expect("health is never rate limited");
    }
    tokio::time::sleep(wait).await;
    tickets.get_stats(GetStatsRequest {}).await.expect("allowed again after the wait");
    app.shutdown().await;
}

/// One TriageTicket call over a bare HTTP/2 stream with `grpc-timeout: timeout` (a tonic client
/// would enforce the deadline itself and never hear the server's answer): the grpc-status and
/// grpc-message the server answered.
async fn bare_triage(addr: std::net::SocketAddr, given: proto::Ticket, timeout: &str) -> (i32, String) {
    use prost::Message;
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await.expect("handshake");
    tokio::spawn(connection);
    let mut client = client.ready().await.expect("ready");
    let request = http::Request::post(format!("http://{addr}/helpdesk.v1.TriageService/TriageTicket"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("grpc-timeout", timeout)
        .body(())
        .expect("request");
    let (response, mut body) = client.send_request(request, false).expect("sent");
    let message = proto::TriageTicketRequest { ticket: Some(given), ..Default::default() }.encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&u32::try_from(message.len()).expect("small").to_be_bytes());
    frame.extend_from_slice(&message);
    // A call whose deadline has passed may be answered before its body is sent; the answer counts.
    if let Err(error) = body.send_data(frame.into(), true) {
        assert_eq!(error.reason(), None, "the body could not be sent: {error}");
    }
    let response = response.await.expect("answer");
    let header = |map: &http::HeaderMap, name: &str| map.get(name).map(|v| v.to_str().unwrap_or("").to_owned());
    if let Some(code) = header(response.headers(), "grpc-status") {
        let message = header(response.headers(), "grpc-message").unwrap_or_default();
        return (code.parse().expect("a code"), message);
    }
    let mut stream = response.into_body();
    while let Some(data) = stream.data().await {
        data.expect("data");
    }
    let trailers = stream.trailers().await.expect("trailers").expect("some trailers");
    let code = header(&trailers, "grpc-status").expect("grpc-status").parse().expect("a code");
    (code, header(&trailers, "grpc-message").unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passed_deadline_is_deadline_exceeded_and_the_work_is_stored_whole_or_not_at_all() {
    let app = spawn_with(settings(), None).await;
    let mut tickets = app.tickets.clone();
    let mut exceeded = 0;
    for n in 0..20 {
        let mut given = ticket(&format!("Hurried {n}"), "The printer is down");
        given.ticket_id = format!("TKT-20261202-HURRY{n:03}");
        let (code, message) = bare_triage(app.addr, given, "1u").await;
        if code != 0 {
            assert_eq!(code, Code::DeadlineExceeded as i32, "{message}");
            assert!(message.contains("grpc-timeout"), "{message}");
            exceeded += 1;
        }
    }
    assert!(exceeded > 0, "a deadline of 1 µs passed for none of 20 calls");
    let (code, message) = bare_triage(app.addr, ticket("In time", "The printer is down"), "10S").await;
    assert_eq!(code, 0, "a call within its deadline is answered: {message}");
    // Whatever reached the store is whole: each stored ticket has its result and its audit entry.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut stored = 0;
    for n in 0..20 {
        let id = format!("TKT-20261202-HURRY{n:03}");
        match tickets.get_ticket(GetTicketRequest { ticket_id: id.clone() }).await {
            Ok(found) => {
                assert!(found.into_inner().latest_result.is_some(), "{id} stored without its result");
                stored += 1;
            }
            Err(status) => assert_eq!(status.code(), Code::NotFound, "{status:?}"),
        }
    }
    let mut audit = app.audit.clone();
    let entries = audit
        .list_audit_entries(proto::ListAuditEntriesRequest { page_size: 100, ..Default::default() })
        .await
        .expect("audit")
        .into_inner()
        .entries;
    let triaged = entries.iter().filter(|e| e.action == "ticket.triaged" && e.ticket_id.contains("HURRY")).count();
    assert_eq!(triaged, stored, "one entry per stored ticket");
    app.shutdown().await;
}
