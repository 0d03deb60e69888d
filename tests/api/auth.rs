//! Who may call what, through real gRPC: for every RPC, no token, a wrong token, an expired token, a
//! token without the method's scope and one with it; health always open; reflection open or
//! authenticated; a spoofed `x-helpdesk-actor` never becomes the actor; refused calls audited.

use std::{collections::HashMap, path::Path};

use helpdesk_ai::{
    auth::{METHOD_SCOPES, Scope, token_digest},
    config::{ReflectionAccess, Settings},
    proto,
};
use helpdesk_client::{BearerToken, ConnectOptions, HelpdeskClient, proto::ListAuditEntriesRequest};
use tokio_stream::StreamExt;
use tonic::{Code, Request};

use crate::support::{Backend, TestApp, spawn_connected, ticket};

/// A principal of the test file: its name, token and scopes (`expired` holds admin but has expired).
pub const PRINCIPALS: &[(&str, &str, &[&str])] = &[
    ("triage-bot", "tok-triage", &["triage"]),
    ("reader", "tok-reader", &["tickets.read"]),
    ("writer", "tok-writer", &["tickets.write"]),
    ("auditor", "tok-auditor", &["audit.read"]),
    ("rules-editor", "tok-rules", &["rules"]),
    ("root", "tok-admin", &["admin"]),
    ("expired", "tok-expired", &["admin"]),
];

/// Writes the principals file of [`PRINCIPALS`] into `dir`.
pub fn principals_file(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from("principals:\n");
    for (name, token, scopes) in PRINCIPALS {
        text.push_str(&format!(
            "  - name: {name}\n    token_sha256: {}\n    scopes: [{}]\n",
            token_digest(token),
            scopes.join(", ")
        ));
        if *name == "expired" {
            text.push_str("    expires_at: 2020-01-01T00:00:00Z\n");
        }
    }
    let path = dir.join("principals.yaml");
    std::fs::write(&path, text).expect("principals file");
    path
}

/// A server on `backend` that requires the principals of [`PRINCIPALS`]; its own clients send no token.
pub async fn secured(backend: &Backend, dir: &Path, reflection: ReflectionAccess) -> TestApp {
    let mut settings = backend.settings();
    settings.auth.principals_file = Some(principals_file(dir));
    settings.auth.reflection = reflection;
    spawn_connected(settings, None, ConnectOptions::default()).await
}

/// Clients over the app's connection sending `token`.
fn as_caller(app: &TestApp, token: Option<&str>) -> HelpdeskClient {
    HelpdeskClient::with_token(app.channel.clone(), BearerToken::new(token).expect("a token"))
}

/// The status code of one call to `method` with a small request (OK when it succeeded).
async fn call(client: &mut HelpdeskClient, method: &str) -> Code {
    let code = |result: Result<(), tonic::Status>| result.map_or_else(|s| s.code(), |()| Code::Ok);
    let t = || ticket("Auth matrix", "A ticket sent by the authorisation tests.");
    let id = "TKT-20261127-AUTHTEST".to_owned();
    let yaml = proto::CandidateRules { text: "name: x\ndefault_queue: q\nrules: []\n".into(), format: 0 };
    let later = Some(prost_types::Timestamp { seconds: 4_000_000_000, nanos: 0 });
    match method {
        "helpdesk.v1.TriageService/TriageTicket" => code(
            client
                .triage_service
                .triage_ticket(proto::TriageTicketRequest { ticket: Some(t()), dry_run: true, ..Default::default() })
                .await
                .map(drop),
        ),
        "helpdesk.v1.TriageService/GetRules" => {
            code(client.triage_service.get_rules(proto::GetRulesRequest {}).await.map(drop))
        }
        "helpdesk.v1.TriageService/CheckRules" => {
            code(client.triage_service.check_rules(proto::CheckRulesRequest { rules: Some(yaml) }).await.map(drop))
        }
        "helpdesk.v1.TriageService/TestRules" => code(
            client
                .triage_service
                .test_rules(proto::TestRulesRequest { rules: Some(yaml), ticket: Some(t()) })
                .await
                .map(drop),
        ),
        "helpdesk.v1.TriageService/BacktestRules" => code(
            client
                .triage_service
                .backtest_rules(proto::BacktestRulesRequest { rules: Some(yaml), ..Default::default() })
                .await
                .map(drop),
        ),
        "helpdesk.v1.BatchTriageService/BatchTriage" => code(
            client
                .batch_service
                .batch_triage(proto::BatchTriageRequest { tickets: vec![t()], dry_run: true })
                .await
                .map(drop),
        ),
        "helpdesk.v1.BatchTriageService/StreamTriage" => {
            let items = tokio_stream::iter(vec![proto::StreamTriageRequest {
                ticket: Some(t()),
                dry_run: true,
                ..Default::default()
            }]);
            match client.batch_service.stream_triage(items).await {
                Err(status) => status.code(),
                Ok(answers) => {
                    let answers: Vec<_> = answers.into_inner().collect().await;
                    answers.into_iter().find_map(|a| a.err()).map_or(Code::Ok, |s| s.code())
                }
            }
        }
        "helpdesk.v1.TicketStoreService/CreateTicket" => {
            code(client.ticket_service.create_ticket(proto::CreateTicketRequest { ticket: Some(t()) }).await.map(drop))
        }
        "helpdesk.v1.TicketStoreService/GetTicket" => {
            code(client.ticket_service.get_ticket(proto::GetTicketRequest { ticket_id: id }).await.map(drop))
        }
        "helpdesk.v1.TicketStoreService/ListTickets" => {
            code(client.ticket_service.list_tickets(proto::ListTicketsRequest::default()).await.map(drop))
        }
        "helpdesk.v1.TicketStoreService/UpdateTicket" => {
            let mask = prost_types::FieldMask { paths: vec!["title".into()] };
            let change = proto::Ticket { ticket_id: id, title: "New title".into(), ..Default::default() };
            code(
                client
                    .ticket_service
                    .update_ticket(proto::UpdateTicketRequest { ticket: Some(change), update_mask: Some(mask) })
                    .await
                    .map(drop),
            )
        }
        "helpdesk.v1.TicketStoreService/DeleteTicket" => {
            code(client.ticket_service.delete_ticket(proto::DeleteTicketRequest { ticket_id: id }).await.map(drop))
        }
        "helpdesk.v1.TicketStoreService/PurgeTickets" => code(
            client
                .ticket_service
                .purge_tickets(proto::PurgeTicketsRequest { created_before: later, dry_run: true })
                .await
                .map(drop),
        ),
        "helpdesk.v1.TicketStoreService/GetStats" => {
            code(client.ticket_service.get_stats(proto::GetStatsRequest {}).await.map(drop))
        }
        "helpdesk.v1.AuditService/ListAuditEntries" => {
            code(client.audit_service.list_audit_entries(ListAuditEntriesRequest::default()).await.map(drop))
        }
        "helpdesk.v1.AuditService/WatchAuditEntries" => {
            code(client.audit_service.watch_audit_entries(proto::WatchAuditEntriesRequest::default()).await.map(drop))
        }
        "helpdesk.v1.AuditService/ExportAuditEntries" => {
            match client.audit_service.export_audit_entries(proto::ExportAuditEntriesRequest { before: None }).await {
                Err(status) => status.code(),
                Ok(entries) => {
                    let entries: Vec<_> = entries.into_inner().collect().await;
                    entries.into_iter().find_map(|e| e.err()).map_or(Code::Ok, |s| s.code())
                }
            }
        }
        "helpdesk.v1.AuditService/PurgeAuditEntries" => code(
            client
                .audit_service
                .purge_audit_entries(proto::PurgeAuditEntriesRequest { before: later, force: true })
                .await
                .map(drop),
        ),
        "helpdesk.v1.AuditService/VerifyAuditChain" => {
            code(client.audit_service.verify_audit_chain(proto::VerifyAuditChainRequest::default()).await.map(drop))
        }
        other => panic!("no call for {other}: add one (every RPC is tested)"),
    }
}

/// The token of a principal holding `scope` (not admin), and of one that does not.
fn holders(scope: Scope) -> (&'static str, &'static str) {
    let holds = |p: &&(&str, &str, &[&str])| p.2.contains(&scope.as_str()) && p.0 != "expired";
    let with = PRINCIPALS.iter().find(holds).map(|p| p.1).expect("a holder");
    let without = PRINCIPALS.iter().find(|p| !p.2.contains(&scope.as_str()) && !p.2.contains(&"admin")).map(|p| p.1);
    (with, without.expect("a principal without the scope"))
}

async fn every_rpc_needs_a_known_unexpired_credential_with_its_scope(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let app = secured(&backend, dir.path(), ReflectionAccess::Open).await;
    let mut checked = HashMap::new();
    for (method, scope) in METHOD_SCOPES {
        let (with, without) = holders(*scope);
        let cases: [(Option<&str>, &str); 5] = [
            (None, "no token"),
            (Some("tok-nobody-knows"), "wrong token"),
            (Some("tok-expired"), "expired token"),
            (Some(without), "token without the scope"),
            (Some(with), "token with the scope"),
        ];
        for (token, case) in cases {
            let got = call(&mut as_caller(&app, token), method).await;
            let expected = match case {
                "token without the scope" => Code::PermissionDenied,
                "token with the scope" => {
                    assert!(
                        !matches!(got, Code::Unauthenticated | Code::PermissionDenied),
                        "{method}, {case}: {got:?}"
                    );
                    continue;
                }
                _ => Code::Unauthenticated,
            };
            assert_eq!(got, expected, "{method}, {case}");
        }
        let admin = call(&mut as_caller(&app, Some("tok-admin")), method).await;
        assert!(!matches!(admin, Code::Unauthenticated | Code::PermissionDenied), "{method} as admin: {admin:?}");
        checked.insert(*method, *scope);
    }
    assert_eq!(checked.len(), METHOD_SCOPES.len());

    // The refusal names the scope, nothing about the credential.
    let denied = as_caller(&app, Some("tok-reader"))
        .ticket_service
        .delete_ticket(proto::DeleteTicketRequest { ticket_id: "TKT-20261127-AUTHTEST".into() })
        .await
        .expect_err("denied");
    assert_eq!(denied.message(), "this call needs the scope tickets.write");
    let unknown = as_caller(&app, Some("tok-nobody-knows")).ticket_service.get_stats(proto::GetStatsRequest {}).await;
    let expired = as_caller(&app, Some("tok-expired")).ticket_service.get_stats(proto::GetStatsRequest {}).await;
    assert_eq!(unknown.expect_err("refused").message(), expired.expect_err("refused").message(), "the same answer");
    app.shutdown().await;
}

async fn health_is_open_and_reflection_as_configured(backend: Backend) {
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest,
    };
    for reflection in [ReflectionAccess::Open, ReflectionAccess::Authenticated] {
        let dir = tempfile::tempdir().expect("dir");
        let app = secured(&backend, dir.path(), reflection).await;
        let health = HealthClient::new(app.channel.clone()).check(HealthCheckRequest { service: String::new() }).await;
        assert!(health.is_ok(), "health needs no credential");
        let list = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut reflect = ServerReflectionClient::new(app.channel.clone());
        let answer = reflect.server_reflection_info(tokio_stream::iter(vec![list.clone()])).await;
        match reflection {
            ReflectionAccess::Open => assert!(answer.is_ok(), "{answer:?}"),
            ReflectionAccess::Authenticated => {
                assert_eq!(answer.expect_err("needs a credential").code(), Code::Unauthenticated);
                let mut request = Request::new(tokio_stream::iter(vec![list]));
                request.metadata_mut().insert("authorization", "Bearer tok-reader".parse().expect("ascii"));
                assert!(reflect.server_reflection_info(request).await.is_ok(), "any principal may reflect");
            }
        }
        app.shutdown().await;
    }
}

async fn a_spoofed_actor_header_never_becomes_the_actor(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let app = secured(&backend, dir.path(), ReflectionAccess::Open).await;
    let mut writer = as_caller(&app, Some("tok-writer"));
    let created =
        writer.create_ticket(ticket("Spoof", "Created to be deleted by a spoofing caller.")).await.expect("created");
    let mut request = Request::new(proto::DeleteTicketRequest { ticket_id: created.ticket_id.clone() });
    request.metadata_mut().insert("x-helpdesk-actor", "someone-else@company".parse().expect("ascii"));
    writer.ticket_service.delete_ticket(request).await.expect("deleted");
    let filter = ListAuditEntriesRequest { ticket_id: created.ticket_id.clone(), ..Default::default() };
    let entries = as_caller(&app, Some("tok-auditor")).list_audit(filter).await.expect("listed");
    let deleted = entries.iter().find(|e| e.action == "ticket.deleted").expect("the deletion is audited");
    assert_eq!(deleted.actor, "writer");
    let details: serde_json::Value = serde_json::from_str(&deleted.details_json).expect("json");
    assert_eq!(details["on_behalf_of"], "someone-else@company");
    assert!(entries.iter().all(|e| e.actor == "writer"), "{entries:?}");
    app.shutdown().await;
}

async fn refused_calls_are_audited_with_who_what_and_why(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let app = secured(&backend, dir.path(), ReflectionAccess::Open).await;
    let _ = as_caller(&app, None).ticket_service.get_stats(proto::GetStatsRequest {}).await;
    let _ = as_caller(&app, Some("tok-triage"))
        .audit_service
        .purge_audit_entries(proto::PurgeAuditEntriesRequest::default())
        .await;
    let mut auditor = as_caller(&app, Some("tok-auditor"));
    let filter = ListAuditEntriesRequest { action: "auth.refused".into(), ..Default::default() };
    let mut entries = Vec::new();
    for _ in 0..100 {
        entries = auditor.list_audit(filter.clone()).await.expect("listed");
        if entries.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut seen: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            let details: serde_json::Value = serde_json::from_str(&e.details_json).expect("json");
            (e.actor.clone(), format!("{} {} {}", details["method"], details["reason"], details["scope"]))
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (
                "triage-bot".to_owned(),
                r#""helpdesk.v1.AuditService/PurgeAuditEntries" "permission_denied" "admin""#.to_owned()
            ),
            (
                "unauthenticated".to_owned(),
                r#""helpdesk.v1.TicketStoreService/GetStats" "unauthenticated" null"#.to_owned()
            ),
        ]
    );
    app.shutdown().await;
}

on_every_backend!(
    every_rpc_needs_a_known_unexpired_credential_with_its_scope,
    health_is_open_and_reflection_as_configured,
    a_spoofed_actor_header_never_becomes_the_actor,
    refused_calls_are_audited_with_who_what_and_why,
);

#[tokio::test]
async fn an_unprotected_public_address_refuses_to_start_unless_anonymous_is_allowed() {
    use helpdesk_ai::app::{Application, StartError};
    let public = Settings { listen_addr: "0.0.0.0:0".parse().expect("addr"), ..crate::support::settings() };
    let err = Application::build(public.clone()).await.err().expect("refused");
    assert!(matches!(err, StartError::Unprotected { .. }), "{err}");
    assert!(err.to_string().contains("auth.principals_file (HELPDESK_AUTH_PRINCIPALS_FILE)"), "{err}");
    let mut anonymous = public;
    anonymous.auth.allow_anonymous = true;
    let app = Application::build(anonymous).await.expect("allowed, with a warning");
    assert!(app.local_addr().ip().is_unspecified());
}
