//! TriageService over a real socket: results, dry runs, idempotent retries, validation errors.

use crate::support::{Backend, spawn_app_on, ticket, triage, violation_fields};
use helpdesk_ai::proto::{self, GetStatsRequest, GetTicketRequest, TriageTicketRequest};
use tonic::Code;

async fn a_ticket_is_triaged_stored_and_explained(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let mut t = ticket(
        "Production database outage",
        "Our production database is down for all users since 09:00. Data loss feared.",
    );
    t.priority = proto::Priority::High as i32;
    t.metadata.insert("tier".into(), "enterprise".into());
    let response = triage(&mut app, t).await;
    let result = response.result.expect("a result");
    let stored = response.ticket.expect("the stored ticket");

    assert!(
        regex::Regex::new(r"^TKT-\d{8}-[A-Z0-9]{8}$").expect("regex").is_match(&stored.ticket_id),
        "{}",
        stored.ticket_id
    );
    assert_eq!(result.ticket_id, stored.ticket_id);
    assert!(!result.queue.is_empty());
    assert_eq!(stored.assigned_queue, result.queue);
    assert!(result.score > 0.5 && result.score <= 1.0, "score {}", result.score);
    let weights: f64 = result.score_components.iter().map(|c| c.weight).sum();
    assert!((weights - 1.0).abs() < 1e-9, "weights add up to {weights}");
    let contributions: f64 = result.score_components.iter().map(|c| c.contribution).sum();
    assert!((contributions - result.score).abs() < 1e-9);
    let signals = result.signals.expect("signals");
    assert!(signals.urgency_phrases.iter().any(|p| p.contains("outage")), "{:?}", signals.urgency_phrases);
    assert!(result.priority >= proto::Priority::High as i32);
    assert!(!result.explanation.is_empty());
    assert!(!result.rules_version.is_empty());
    assert!(result.sla_due_at.is_some());

    let got = app
        .tickets
        .get_ticket(GetTicketRequest { ticket_id: stored.ticket_id.clone() })
        .await
        .expect("the ticket is stored")
        .into_inner();
    assert_eq!(got.ticket.expect("ticket").title, "Production database outage");
    assert_eq!(got.latest_result.expect("its result").queue, result.queue);
    app.shutdown().await;
}

async fn a_security_ticket_goes_to_the_security_queue(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let mut t = ticket(
        "Suspicious login from unknown country",
        "We think an attacker breached an admin account; phishing suspected.",
    );
    t.category = proto::Category::Security as i32;
    let result = triage(&mut app, t).await.result.expect("result");
    assert_eq!(result.queue, "security");
    assert_eq!(result.classification.expect("classification").category, proto::Category::Security as i32);
    app.shutdown().await;
}

async fn a_dry_run_stores_nothing(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let request = TriageTicketRequest {
        ticket: Some(ticket("Invoice wrong", "We were charged twice")),
        dry_run: true,
        ..Default::default()
    };
    let response = app.triage.triage_ticket(request).await.expect("dry run").into_inner();
    let id = response.ticket.expect("ticket").ticket_id;
    let err = app.tickets.get_ticket(GetTicketRequest { ticket_id: id }).await.expect_err("not stored");
    assert_eq!(err.code(), Code::NotFound);
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 0);
    app.shutdown().await;
}

async fn a_retry_with_the_same_request_id_returns_the_first_answer(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let request = TriageTicketRequest {
        ticket: Some(ticket("VPN down", "Cannot connect to the VPN")),
        request_id: "req-42".into(),
        ..Default::default()
    };
    let first = app.triage.triage_ticket(request.clone()).await.expect("first").into_inner();
    let second = app.triage.triage_ticket(request).await.expect("retry").into_inner();
    assert!(!first.replayed);
    assert!(second.replayed);
    assert_eq!(first.ticket.expect("t").ticket_id, second.ticket.expect("t").ticket_id);
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 1);
    app.shutdown().await;
}

async fn a_request_id_reused_for_another_ticket_is_refused(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let request = |title: &str| TriageTicketRequest {
        ticket: Some(ticket(title, "Cannot connect to the VPN")),
        request_id: "req-7".into(),
        ..Default::default()
    };
    let first = app.triage.triage_ticket(request("VPN down")).await.expect("first").into_inner();
    let first_id = first.ticket.expect("ticket").ticket_id;
    let refused = app.triage.triage_ticket(request("Printer jam")).await.expect_err("another ticket");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(
        refused.message(),
        format!(
            "request_id \"req-7\" was used for a different ticket ({first_id}); a retry must send the same ticket, \
             and a new ticket needs a new request_id"
        )
    );
    let retry = app.triage.triage_ticket(request("VPN down")).await.expect("the same ticket again").into_inner();
    assert!(retry.replayed);

    // Two first attempts at once with different tickets: one is stored, the other refused.
    let mut other = app.triage.clone();
    let race = |title: &str| TriageTicketRequest {
        ticket: Some(ticket(title, "The office printer prints blank pages")),
        request_id: "req-8".into(),
        ..Default::default()
    };
    let (a, b) = tokio::join!(app.triage.triage_ticket(race("Printer A")), other.triage_ticket(race("Printer B")));
    let codes = [a.map(|_| Code::Ok).unwrap_or_else(|s| s.code()), b.map(|_| Code::Ok).unwrap_or_else(|s| s.code())];
    assert!(codes.contains(&Code::Ok) && codes.contains(&Code::FailedPrecondition), "{codes:?}");
    let stats = app.tickets.get_stats(GetStatsRequest {}).await.expect("stats").into_inner();
    assert_eq!(stats.total, 2, "nothing of a refused call is stored");
    app.shutdown().await;
}

async fn every_violation_comes_back_with_its_field_path(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let bad = proto::Ticket {
        ticket_id: "TKT-bad".into(),
        title: "".into(),
        description: "   ".into(),
        requester_email: "nobody".into(),
        priority: 17,
        ..Default::default()
    };
    let err = app
        .triage
        .triage_ticket(TriageTicketRequest { ticket: Some(bad), ..Default::default() })
        .await
        .expect_err("invalid");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violation_fields(&err), ["ticket.priority"]);

    let bad = proto::Ticket {
        ticket_id: "TKT-bad".into(),
        description: " ".into(),
        requester_email: "nobody".into(),
        ..Default::default()
    };
    let err = app
        .triage
        .triage_ticket(TriageTicketRequest { ticket: Some(bad), ..Default::default() })
        .await
        .expect_err("invalid");
    assert_eq!(
        violation_fields(&err),
        ["ticket.ticket_id", "ticket.title", "ticket.description", "ticket.requester_email"]
    );

    let err = app.triage.triage_ticket(TriageTicketRequest::default()).await.expect_err("missing ticket");
    assert_eq!(violation_fields(&err), ["ticket"]);
    app.shutdown().await;
}

async fn a_ticket_id_cannot_be_stored_twice(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let mut t = ticket("Printer jam", "The printer on floor 3 jams");
    t.ticket_id = "TKT-20261127-AAAA1111".into();
    triage(&mut app, t.clone()).await;
    let err =
        app.triage.triage_ticket(TriageTicketRequest { ticket: Some(t), ..Default::default() }).await.expect_err("dup");
    assert_eq!(err.code(), Code::AlreadyExists);
    app.shutdown().await;
}

#[tokio::test]
async fn a_rules_file_from_rules_path_decides_the_queue() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        r#"
name = "payroll"
default_queue = "front-desk"

[[rules]]
id = "payroll"
name = "Payroll questions go to HR"
priority = 1
when = { any = [ { field = "text", op = "contains", value = "payslip" }, { field = "metadata.product", op = "eq", value = "payroll" } ] }
then = { queue = "hr-payroll", add_tags = ["payroll"] }
"#,
    )
    .expect("write rules");
    let settings = helpdesk_ai::config::Settings { rules_path: Some(rules), ..crate::support::settings() };
    let mut app = crate::support::spawn_with(settings, Some(dir)).await;
    let payroll = triage(&mut app, ticket("Payslip missing", "My November payslip is not in the portal")).await;
    let result = payroll.result.expect("result");
    assert_eq!(result.queue, "hr-payroll");
    assert_eq!(result.matched_rule, "payroll");
    assert!(result.rules_version.starts_with("payroll@"), "{}", result.rules_version);
    assert_eq!(payroll.ticket.expect("ticket").tags, ["payroll"]);
    let other = triage(&mut app, ticket("Printer", "The printer is out of toner")).await.result.expect("result");
    assert_eq!((other.queue.as_str(), other.matched_rule.as_str()), ("front-desk", "default"));
    app.shutdown().await;
}

on_every_backend!(
    a_ticket_is_triaged_stored_and_explained,
    a_security_ticket_goes_to_the_security_queue,
    a_dry_run_stores_nothing,
    a_retry_with_the_same_request_id_returns_the_first_answer,
    a_request_id_reused_for_another_ticket_is_refused,
    every_violation_comes_back_with_its_field_path,
    a_ticket_id_cannot_be_stored_twice
);
