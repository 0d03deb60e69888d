//! Limits on what a caller sends, over a real socket: every over-limit answer is INVALID_ARGUMENT or
//! RESOURCE_EXHAUSTED naming the setting and its value, and nothing is stored from a refused call.

use bytes::{Buf, BufMut};
use helpdesk_ai::{config::Settings, proto};
use prost::Message;
use tokio_stream::StreamExt;
use tonic::{
    Code, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
};
use tonic_types::StatusExt;

use crate::support::{Backend, TestApp, settings, spawn_app_on, spawn_with, ticket};

/// The (field, description) pairs of a status's BadRequest details.
fn violations(status: &tonic::Status) -> Vec<(String, String)> {
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| (v.field, v.description)).collect())
        .unwrap_or_default()
}

async fn stored(app: &mut TestApp) -> u64 {
    app.tickets.get_stats(proto::GetStatsRequest::default()).await.expect("stats").into_inner().total
}

fn triage_request(ticket: proto::Ticket, request_id: &str) -> proto::TriageTicketRequest {
    proto::TriageTicketRequest { ticket: Some(ticket), request_id: request_id.into(), ..Default::default() }
}

#[tokio::test]
async fn too_many_tags_or_entries_are_one_violation_naming_the_setting() {
    let mut limited = settings();
    limited.limits.max_tags = 64;
    let mut app = spawn_with(limited, None).await;
    let mut many = ticket("VPN down", "Nobody can connect.");
    many.tags = (0..80_000).map(|n| format!("tag-{n}")).collect();
    let refused = app.triage.triage_ticket(triage_request(many, "")).await.expect_err("too many tags");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&refused),
        [("ticket.tags".to_owned(), "80000 tags; at most 64 are allowed (limits.max_tags)".to_owned())]
    );

    let mut blank = ticket("VPN down", "Nobody can connect.");
    blank.tags = vec![" ".into(); 50_000];
    let refused = app.triage.triage_ticket(triage_request(blank, "")).await.expect_err("blank tags");
    assert_eq!(violations(&refused).len(), 1, "one violation for the list, not one per tag");

    let mut wide = ticket("VPN down", "Nobody can connect.");
    wide.metadata = (0..51).map(|n| (format!("key-{n}"), "v".to_owned())).collect();
    wide.tags = vec!["x".repeat(101)];
    let refused = app.triage.triage_ticket(triage_request(wide, "")).await.expect_err("too many entries");
    assert_eq!(
        violations(&refused),
        [
            ("ticket.tags[0]".to_owned(), "101 characters; at most 100 are allowed (limits.max_tag_chars)".to_owned()),
            (
                "ticket.metadata".to_owned(),
                "51 entries; at most 50 are allowed (limits.max_metadata_entries)".to_owned()
            ),
        ]
    );
    assert_eq!(stored(&mut app).await, 0);
    app.shutdown().await;
}

#[tokio::test]
async fn a_long_request_id_is_refused_before_anything_is_stored() {
    let mut app = spawn_with(Settings { ..settings() }, None).await;
    let long = "r".repeat(3_900_000);
    let refused = app
        .triage
        .triage_ticket(triage_request(ticket("VPN down", "Nobody can connect."), &long))
        .await
        .expect_err("a 3.9 MB request id");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&refused),
        [(
            "request_id".to_owned(),
            "3900000 characters; at most 128 are allowed (limits.max_request_id_chars)".to_owned()
        )]
    );
    assert_eq!(stored(&mut app).await, 0);
    app.shutdown().await;
}

#[tokio::test]
async fn thousands_of_violations_are_answered_within_a_few_kilobytes() {
    let mut wide = settings();
    wide.limits.max_tags = 10_000;
    let mut app = spawn_with(wide, None).await;
    let mut blank = ticket("VPN down", "Nobody can connect.");
    blank.tags = vec![" ".into(); 10_000];
    let refused = app.triage.triage_ticket(triage_request(blank, "")).await.expect_err("10,000 blank tags");
    assert_eq!(refused.code(), Code::InvalidArgument);
    let listed = violations(&refused);
    assert!(listed.len() <= 101, "{} violations listed", listed.len());
    assert_eq!(listed[0], ("ticket.tags[0]".to_owned(), "must not be blank".to_owned()));
    let (field, summary) = listed.last().expect("a summary");
    let more = 10_000 - (listed.len() - 1);
    assert_eq!(field, &format!("ticket.tags[{}]", listed.len() - 1));
    assert!(summary.starts_with(&format!("and {more} more violation(s) not listed")), "{summary}");
    assert!(refused.message().len() <= 512 && refused.message().ends_with("(10000 violations in all)"));
    assert!(refused.details().len() < 4 * 1024, "{} bytes of details", refused.details().len());
    app.shutdown().await;
}

/// A codec that sends bytes as they are, to put on the wire what no generated client would.
#[derive(Clone, Copy, Default)]
struct RawBytes;

impl Encoder for RawBytes {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawBytes {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

impl Codec for RawBytes {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawBytes;
    type Decoder = RawBytes;

    fn encoder(&mut self) -> RawBytes {
        RawBytes
    }

    fn decoder(&mut self) -> RawBytes {
        RawBytes
    }
}

/// Sends `messages` (encoded or not) to `path` as a client stream; the status the call ends with.
async fn stream_raw(app: &TestApp, path: &'static str, messages: Vec<Vec<u8>>) -> Status {
    let mut grpc = tonic::client::Grpc::new(app.channel.clone());
    grpc.ready().await.expect("ready");
    let path = http::uri::PathAndQuery::from_static(path);
    let answer = grpc.streaming(tonic::Request::new(tokio_stream::iter(messages)), path, RawBytes).await;
    let mut stream = match answer {
        Ok(stream) => stream.into_inner(),
        Err(status) => return status,
    };
    loop {
        match stream.next().await {
            Some(Ok(_)) => continue,
            Some(Err(status)) => return status,
            None => return Status::ok(""),
        }
    }
}

/// Sends one message (encoded or not) to the unary method at `path`.
async fn unary_raw(app: &TestApp, path: &'static str, message: Vec<u8>) -> Status {
    let mut grpc = tonic::client::Grpc::new(app.channel.clone());
    grpc.ready().await.expect("ready");
    let path = http::uri::PathAndQuery::from_static(path);
    match grpc.unary(tonic::Request::new(message), path, RawBytes).await {
        Ok(_) => Status::ok(""),
        Err(status) => status,
    }
}

fn item(title: &str, description: &str) -> Vec<u8> {
    let request = proto::StreamTriageRequest { ticket: Some(ticket(title, description)), ..Default::default() };
    request.encode_to_vec()
}

#[tokio::test]
async fn a_message_over_max_message_bytes_is_resource_exhausted_naming_the_setting() {
    let mut app = spawn_with(Settings { max_message_bytes: 64 * 1024, ..settings() }, None).await;
    let big = ticket("Printer", &"The printer jams. ".repeat(10_000));
    let size = proto::TriageTicketRequest { ticket: Some(big.clone()), ..Default::default() }.encoded_len();
    let refused = app.triage.triage_ticket(triage_request(big.clone(), "")).await.expect_err("too large");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert_eq!(
        refused.message(),
        format!("the request message has {size} bytes; at most 65536 are allowed (max_message_bytes)")
    );

    // A stream: the items before the large one are answered, then the call ends naming the item.
    let items = vec![item("VPN down", "Nobody can connect."), item("Printer", &"The printer jams. ".repeat(10_000))];
    let ended = stream_raw(&app, "/helpdesk.v1.BatchTriageService/StreamTriage", items).await;
    assert_eq!(ended.code(), Code::ResourceExhausted);
    assert!(ended.message().starts_with("item 1: the request message has "), "{}", ended.message());
    assert!(ended.message().ends_with("; at most 65536 are allowed (max_message_bytes)"), "{}", ended.message());
    assert_eq!(stored(&mut app).await, 1, "the item before it was stored");
    app.shutdown().await;
}

#[tokio::test]
async fn bytes_that_are_not_the_request_message_are_invalid_argument() {
    let mut app = spawn_with(settings(), None).await;
    let garbage = vec![0xff, 0xff, 0xff, 0xff, 0x0f];
    let refused = unary_raw(&app, "/helpdesk.v1.TriageService/TriageTicket", garbage.clone()).await;
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().starts_with("the request is not a valid message of the method's request type"),
        "{}",
        refused.message()
    );
    // Invalid UTF-8 in a string field is undecodable too.
    let mut bad_text = proto::TriageTicketRequest { request_id: "x".into(), ..Default::default() }.encode_to_vec();
    let last = bad_text.len() - 1;
    bad_text[last] = 0xff;
    let refused = unary_raw(&app, "/helpdesk.v1.TriageService/TriageTicket", bad_text).await;
    assert_eq!(refused.code(), Code::InvalidArgument, "{}", refused.message());
    let refused = unary_raw(&app, "/helpdesk.v1.AuditService/VerifyAuditChain", garbage.clone()).await;
    assert_eq!(refused.code(), Code::InvalidArgument, "{}", refused.message());

    let items = vec![item("VPN down", "Nobody can connect."), garbage];
    let ended = stream_raw(&app, "/helpdesk.v1.BatchTriageService/StreamTriage", items).await;
    assert_eq!(ended.code(), Code::InvalidArgument);
    assert!(
        ended.message().starts_with("item 1: the request is not a valid message of the method's request type"),
        "{}",
        ended.message()
    );
    assert_eq!(stored(&mut app).await, 1);
    app.shutdown().await;
}

fn candidate(text: String) -> Option<proto::CandidateRules> {
    Some(proto::CandidateRules { text, format: proto::RulesFormat::Yaml as i32 })
}

/// A rules document of `count` rules, each matching a regex.
fn regex_rules(count: usize, pattern: &str) -> String {
    let rules: String = (0..count)
        .map(|n| {
            format!(
                "  - {{ id: r{n}, priority: {n}, when: {{ field: title, op: matches, value: '{pattern}' }}, then: {{ queue: q }} }}\n"
            )
        })
        .collect();
    format!("name: many\ndefault_queue: q\nrules:\n{rules}")
}

#[tokio::test]
async fn a_rules_document_over_its_limits_is_refused_naming_them() {
    let mut app = spawn_with(settings(), None).await;
    let deep = format!("name: n\ndefault_queue: q\nrules: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let cases = [
        (regex_rules(2_500, r"\w{20}"), "rules: 2500 rules; at most 1000 are allowed (limits.max_rules)".to_owned()),
        (regex_rules(900, r"\w{20}"), "are allowed (limits.max_rules_regex_bytes)".to_owned()),
        (regex_rules(1, r"\w{100}"), "at most 1048576 are allowed (limits.max_regex_bytes)".to_owned()),
        (deep, "at most 80 are allowed (limits.max_rules_depth = 32 condition levels".to_owned()),
        (
            format!("# {}\n{}", "x".repeat(2 << 20), regex_rules(1, "a")),
            "at most 1048576 are allowed (limits.max_rules_document_bytes)".to_owned(),
        ),
        (
            "name: &a n\ndefault_queue: *a\nrules: []\n".to_owned(),
            "line 2: YAML aliases (*name) are not accepted".to_owned(),
        ),
    ];
    for (text, expected) in cases {
        let check = proto::CheckRulesRequest { rules: candidate(text.clone()) };
        let refused = app.triage.check_rules(check).await.expect_err(&expected);
        assert_eq!(refused.code(), Code::InvalidArgument, "{expected}");
        let listed = violations(&refused);
        assert_eq!(listed[0].0, "rules.text");
        assert!(listed[0].1.contains(&expected), "{expected}: {listed:?}");
        let test = proto::TestRulesRequest { rules: candidate(text), ticket: Some(ticket("VPN down", "x")) };
        let refused = app.triage.test_rules(test).await.expect_err(&expected);
        assert_eq!(refused.code(), Code::InvalidArgument, "{expected}");
    }
    let fine = app.triage.check_rules(proto::CheckRulesRequest { rules: candidate(regex_rules(10, r"\w{20}")) }).await;
    assert!(fine.expect("ten such regexes fit").into_inner().valid);
    app.shutdown().await;
}

#[tokio::test]
async fn a_backtest_asking_for_more_tickets_than_the_limit_is_refused_naming_it() {
    let mut limited = settings();
    limited.limits.max_backtest_tickets = 10;
    let mut app = spawn_with(limited, None).await;
    for n in 0..3 {
        app.triage
            .triage_ticket(triage_request(ticket(&format!("Printer {n}"), "It jams."), ""))
            .await
            .expect("stored");
    }
    let ask =
        |limit| proto::BacktestRulesRequest { rules: candidate(regex_rules(1, "jam")), limit, ..Default::default() };
    let refused = app.triage.backtest_rules(ask(11)).await.expect_err("over the limit");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&refused),
        [("limit".to_owned(), "11 tickets; at most 10 are allowed (limits.max_backtest_tickets)".to_owned())]
    );
    let report = app.triage.backtest_rules(ask(0)).await.expect("0 means the default, within the limit");
    assert_eq!(report.into_inner().replayed, 3);
    app.shutdown().await;
}

async fn a_nul_character_is_refused_alike_on_every_store(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let refused = app
        .triage
        .triage_ticket(triage_request(ticket("VPN\0down", "Nobody can connect."), ""))
        .await
        .expect_err("a NUL in the title");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&refused),
        [("ticket.title".to_owned(), "must not contain NUL (U+0000) characters".to_owned())]
    );
    let refused =
        app.triage.triage_ticket(triage_request(ticket("VPN down", "x"), "retry\0")).await.expect_err("in the id");
    assert_eq!(violations(&refused)[0].0, "request_id");
    let mut tagged = ticket("VPN down", "Nobody can connect.");
    tagged.metadata.insert("tier".into(), "gold\0".into());
    let create = proto::CreateTicketRequest { ticket: Some(tagged) };
    let refused = app.tickets.create_ticket(create).await.expect_err("a NUL in a metadata value");
    assert_eq!(refused.code(), Code::InvalidArgument);
    let listing = proto::ListTicketsRequest { queue: "billing\0".into(), ..Default::default() };
    let refused = app.tickets.list_tickets(listing).await.expect_err("a NUL in a filter");
    assert_eq!(violations(&refused)[0].0, "queue");

    // In a stream, the refused items are answered alone and the others stored.
    let items: Vec<proto::StreamTriageRequest> = (0..100)
        .map(|n| {
            let title = if n % 10 == 3 { format!("Printer {n}\0") } else { format!("Printer {n}") };
            proto::StreamTriageRequest {
                ticket: Some(ticket(&title, "It prints blank pages on floor 3.")),
                client_id: n.to_string(),
                dry_run: false,
            }
        })
        .collect();
    let mut outcomes = app.batch.stream_triage(tokio_stream::iter(items)).await.expect("stream").into_inner();
    let mut refused = Vec::new();
    while let Some(answer) = outcomes.next().await {
        let outcome = answer.expect("an outcome").outcome.expect("set");
        if let Some(proto::triage_outcome::Outcome::Error(error)) = outcome.outcome {
            assert_eq!(error.code, Code::InvalidArgument as i32);
            assert_eq!(error.field_violations[0].field, "ticket.title");
            refused.push(outcome.client_id);
        }
    }
    assert_eq!(refused, ["3", "13", "23", "33", "43", "53", "63", "73", "83", "93"]);
    assert_eq!(stored(&mut app).await, 90);
    app.shutdown().await;
}

on_every_backend!(a_nul_character_is_refused_alike_on_every_store);
