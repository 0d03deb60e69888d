//! Health per service, reflection listing the public services, shutdown turning health NOT_SERVING,
//! and tickets surviving a restart on a file store.

use std::time::Duration;

use crate::support::{Backend, spawn_app_on, spawn_on_file, ticket, triage};
use helpdesk_ai::proto::{GetStatsRequest, ListTicketsRequest};
use tokio_stream::StreamExt;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

const SERVICES: [&str; 4] = [
    "helpdesk.v1.TriageService",
    "helpdesk.v1.BatchTriageService",
    "helpdesk.v1.TicketStoreService",
    "helpdesk.v1.AuditService",
];

async fn every_service_reports_serving(backend: Backend) {
    let app = spawn_app_on(&backend).await;
    let mut health = HealthClient::new(app.channel.clone());
    for service in SERVICES.iter().copied().chain([""]) {
        let status =
            health.check(HealthCheckRequest { service: service.into() }).await.expect("known service").into_inner();
        assert_eq!(status.status, ServingStatus::Serving as i32, "{service}");
    }
    let err = health.check(HealthCheckRequest { service: "helpdesk.v1.Nope".into() }).await.expect_err("unknown");
    assert_eq!(err.code(), tonic::Code::NotFound);
    app.shutdown().await;
}

async fn reflection_lists_exactly_the_public_services(backend: Backend) {
    let app = spawn_app_on(&backend).await;
    let mut reflection = ServerReflectionClient::new(app.channel.clone());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses =
        reflection.server_reflection_info(tokio_stream::iter([request])).await.expect("reflection").into_inner();
    let response = responses.next().await.expect("a response").expect("no error");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else { panic!("a service list") };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    let mut expected: Vec<String> =
        SERVICES.iter().map(|s| s.to_string()).chain(["grpc.health.v1.Health".to_owned()]).collect();
    expected.sort();
    assert_eq!(names, expected);
    app.shutdown().await;
}

async fn shutdown_turns_health_not_serving_first(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let mut health = HealthClient::new(app.channel.clone());
    let mut watch = health
        .watch(HealthCheckRequest { service: "helpdesk.v1.TriageService".into() })
        .await
        .expect("watch")
        .into_inner();
    let first = watch.next().await.expect("status").expect("ok");
    assert_eq!(first.status, ServingStatus::Serving as i32);
    app.begin_shutdown();
    let next = tokio::time::timeout(Duration::from_secs(5), watch.next())
        .await
        .expect("in time")
        .expect("status")
        .expect("ok");
    assert_eq!(next.status, ServingStatus::NotServing as i32);
    app.shutdown().await;
}

async fn health_turns_not_serving_when_the_database_stops_answering(backend: Backend) {
    let app = spawn_app_on(&backend).await;
    let mut health = HealthClient::new(app.channel.clone());
    let mut watch = health.watch(HealthCheckRequest { service: String::new() }).await.expect("watch").into_inner();
    assert_eq!(watch.next().await.expect("status").expect("ok").status, ServingStatus::Serving as i32);
    app.store.clone().close().await.expect("closes");
    let next = tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .expect("in time")
        .expect("status")
        .expect("ok");
    assert_eq!(next.status, ServingStatus::NotServing as i32);
    let mut tickets = app.tickets.clone();
    let err = tickets.get_stats(GetStatsRequest {}).await.expect_err("store is gone");
    assert_eq!(err.code(), tonic::Code::Unavailable);
    assert!(!err.message().to_lowercase().contains("sql"), "no internals in {:?}", err.message());
    app.shutdown().await;
}

#[tokio::test]
async fn tickets_survive_a_restart_on_a_file_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut app = spawn_on_file(dir.path()).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(triage(&mut app, ticket(&format!("Ticket {i}"), "Keep me")).await.ticket.expect("t").ticket_id);
    }
    app.shutdown().await;
    assert!(dir.path().join("helpdesk.db").exists());

    let mut app = spawn_on_file(dir.path()).await;
    let listed = app
        .tickets
        .list_tickets(ListTicketsRequest { page_size: 100, ..Default::default() })
        .await
        .expect("list")
        .into_inner();
    let mut found: Vec<String> = listed.tickets.into_iter().map(|t| t.ticket_id).collect();
    found.sort();
    ids.sort();
    assert_eq!(found, ids);
    app.shutdown().await;
}

on_every_backend!(
    every_service_reports_serving,
    reflection_lists_exactly_the_public_services,
    shutdown_turns_health_not_serving_first,
    health_turns_not_serving_when_the_database_stops_answering
);
