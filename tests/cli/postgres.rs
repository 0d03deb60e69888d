//! Several instances on one PostgreSQL database: migrations when they start together, and two
//! `helpdesk serve` processes taking writes at once. Runs when `HELPDESK_TEST_DATABASE_URL` is set.

use std::{collections::HashMap, time::Duration};

use crate::support::{Backend, ticket};
use crate::support::{
    helpdesk, http_get,
    server::{Server, start_as_configured},
};
use helpdesk_ai::{
    config::Settings,
    proto::{self, ListAuditEntriesRequest, ListTicketsRequest, TriageTicketRequest, UpdateTicketRequest},
    store::Store,
};
use prost_types::FieldMask;
use sea_orm::sqlx::{Connection as _, PgConnection};
use tokio_stream::StreamExt;

/// A fresh PostgreSQL database's settings.
async fn postgres() -> Settings {
    Backend::postgres().await.settings()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set HELPDESK_TEST_DATABASE_URL and run with --ignored (CI does)"]
async fn instances_starting_together_migrate_once() {
    let settings = postgres().await;
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let settings = settings.clone();
            tokio::spawn(async move { Store::connect_migrating(&settings.store_settings()).await })
        })
        .collect();
    let mut migrated = Vec::new();
    for start in starts {
        let (store, applied) = start.await.expect("joined").expect("every instance starts");
        migrated.push(applied.len());
        store.close().await.expect("closed");
    }
    migrated.sort_unstable();
    assert_eq!(migrated[..3], [0, 0, 0], "only one instance applies the migrations: {migrated:?}");
    assert!(migrated[3] >= 2, "the first one applies all of them: {migrated:?}");
}

fn start(settings: &Settings, dir: &std::path::Path, metrics_addr: Option<&str>) -> Server {
    let mut command = helpdesk(dir);
    command
        .env("HELPDESK_STORE_TYPE", "postgres")
        .env("HELPDESK_DATABASE_URL", settings.database_url.as_deref().expect("a URL"));
    if let Some(addr) = metrics_addr {
        command.env("HELPDESK_METRICS_ADDR", addr);
    }
    start_as_configured(command)
}

/// Collects watched entries until `want` arrived or 20 s passed.
async fn watched(
    mut stream: tonic::Streaming<proto::WatchAuditEntriesResponse>,
    want: usize,
) -> Vec<proto::AuditEntry> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while seen.len() < want {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(item))) => seen.extend(item.entry),
            _ => break,
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set HELPDESK_TEST_DATABASE_URL and run with --ignored (CI does)"]
async fn two_servers_on_one_database_store_each_ticket_once_and_watch_each_other() {
    let settings = postgres().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let a = start(&settings, dir.path(), Some("127.0.0.1:0"));
    let b = start(&settings, dir.path(), None);
    let metrics_line = a.wait_for(&["metrics at http://"]);
    let mut clients = Vec::new();
    for server in [&a, &b] {
        clients.push(
            helpdesk_client::HelpdeskClient::connect_within(&server.addr, Duration::from_secs(5))
                .await
                .expect("connects"),
        );
    }
    let watch = proto::WatchAuditEntriesRequest::default();
    let watch_a =
        clients[0].audit_service.clone().watch_audit_entries(watch.clone()).await.expect("watch a").into_inner();
    let watch_b = clients[1].audit_service.clone().watch_audit_entries(watch).await.expect("watch b").into_inner();

    // 24 tickets, triaged through both instances at once; each is then updated through the other
    // instance, and its triage is retried there with the same request id.
    const TICKETS: usize = 24;
    let tasks: Vec<_> = (0..TICKETS)
        .map(|i| {
            let (mut here, mut there) = (clients[i % 2].clone(), clients[(i + 1) % 2].clone());
            tokio::spawn(async move {
                let request = TriageTicketRequest {
                    ticket: Some(ticket(&format!("Printer {i} jams"), &format!("Printer number {i} jams on page two"))),
                    request_id: format!("multi-{i}"),
                    ..Default::default()
                };
                let first = here.triage_service.triage_ticket(request.clone()).await.expect("triaged").into_inner();
                let retried = there.triage_service.triage_ticket(request).await.expect("retried").into_inner();
                let id = first.result.expect("result").ticket_id;
                assert_eq!(retried.result.expect("result").ticket_id, id, "a retry answers the first ticket");
                let update = UpdateTicketRequest {
                    ticket: Some(proto::Ticket {
                        ticket_id: id.clone(),
                        status: proto::Status::InProgress as i32,
                        ..Default::default()
                    }),
                    update_mask: Some(FieldMask { paths: vec!["status".into()] }),
                };
                there.ticket_service.update_ticket(update).await.expect("updated through the other instance");
                id
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.push(task.await.expect("every request is acknowledged"));
    }
    acknowledged.sort();

    // Every acknowledged ticket is stored exactly once, updated, and visible through either instance.
    for client in &mut clients {
        let listed = client
            .ticket_service
            .list_tickets(ListTicketsRequest { page_size: 100, ..Default::default() })
            .await
            .expect("listed")
            .into_inner()
            .tickets;
        let mut ids: Vec<String> = listed.iter().map(|t| t.ticket_id.clone()).collect();
        ids.sort();
        assert_eq!(ids, acknowledged);
        assert!(listed.iter().all(|t| t.status == proto::Status::InProgress as i32));
    }

    // One audit entry per operation: a triage and an update per ticket, none for the replayed retries.
    let entries = clients[0]
        .audit_service
        .list_audit_entries(ListAuditEntriesRequest { page_size: 100, ..Default::default() })
        .await
        .expect("audit listed")
        .into_inner()
        .entries;
    let mut per_action: HashMap<String, Vec<String>> = HashMap::new();
    for entry in &entries {
        per_action.entry(entry.action.clone()).or_default().push(entry.ticket_id.clone());
    }
    for action in ["ticket.triaged", "ticket.updated"] {
        let mut ids = per_action.remove(action).unwrap_or_default();
        ids.sort();
        assert_eq!(ids, acknowledged, "one {action} entry per ticket");
    }
    assert!(per_action.is_empty(), "no other entries: {per_action:?}");
    let mut sequences: Vec<u64> = entries.iter().map(|e| e.sequence).collect();
    sequences.sort_unstable();
    assert_eq!(sequences, (1..=2 * TICKETS as u64).collect::<Vec<_>>(), "one chain without gaps");
    let report =
        clients[1].audit_service.verify_audit_chain(proto::VerifyAuditChainRequest::default()).await.expect("verified");
    assert!(report.get_ref().valid, "{:?}", report.get_ref());

    // Each watch saw every entry, half of them written through the other instance.
    for stream in [watch_a, watch_b] {
        let mut seen: Vec<u64> = watched(stream, 2 * TICKETS).await.iter().map(|e| e.sequence).collect();
        seen.sort_unstable();
        assert_eq!(seen, sequences);
    }
    // Instance a's metrics: its share of the triages and its PostgreSQL pool.
    let at = metrics_line.split("metrics at http://").nth(1).and_then(|r| r.split('/').next()).expect("an address");
    let metrics = http_get(at, "/metrics");
    let triaged = r#"helpdesk_rpc_requests_total{method="helpdesk.v1.TriageService/TriageTicket",code="OK"} 24"#;
    assert!(metrics.contains(triaged), "12 first triages and 12 retries through a: {metrics}");
    assert!(metrics.contains("helpdesk_db_pool_max_connections 10"), "the PostgreSQL pool: {metrics}");
    for server in [a, b] {
        assert_eq!(server.terminate().0, 0, "a clean stop");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set HELPDESK_TEST_DATABASE_URL and run with --ignored (CI does)"]
async fn a_url_that_requires_tls_gets_an_encrypted_connection() {
    let settings = postgres().await;
    let url = settings.database_url.clone().expect("a URL");
    let mut probe = PgConnection::connect(&url).await.expect("connects");
    let ssl: String = sea_orm::sqlx::query_scalar("SHOW ssl").fetch_one(&mut probe).await.expect("SHOW ssl");
    assert_eq!(ssl, "on", "the test server must offer TLS (CI starts it with ssl=on)");
    let separator = if url.contains('?') { '&' } else { '?' };
    let settings = Settings { database_url: Some(format!("{url}{separator}sslmode=require")), ..settings };
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start(&settings, dir.path(), None);
    let connected = server.startup.iter().find(|l| l.contains("connected to PostgreSQL")).cloned();
    assert!(connected.as_deref().is_some_and(|l| l.contains("tls=true")), "{:?}", server.startup);
    assert_eq!(server.terminate().0, 0);
}

/// Stored triages through `client`, each with its own request id: the acknowledged ids, and how many
/// were refused (UNAVAILABLE; any other failure fails the test).
async fn store_each(client: &mut helpdesk_client::HelpdeskClient, from: usize, count: usize) -> (Vec<String>, usize) {
    let (mut acknowledged, mut refused) = (Vec::new(), 0);
    for n in from..from + count {
        let options = helpdesk_client::TriageOptions { request_id: Some(format!("lost-{n}")), ..Default::default() };
        match client
            .triage(ticket(&format!("Lost connection {n}"), "The VPN is down for the whole office"), options)
            .await
        {
            Ok(answer) => acknowledged.push(answer.ticket.expect("stored").ticket_id),
            Err(e) => {
                assert_eq!(e.code(), tonic::Code::Unavailable, "{e}");
                refused += 1;
            }
        }
    }
    (acknowledged, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set HELPDESK_TEST_DATABASE_URL and run with --ignored (CI does)"]
async fn a_vanished_database_is_unavailable_then_recovers_with_every_acknowledged_ticket() {
    use helpdesk_client::{HelpdeskClient, ServingStatus};
    let settings = postgres().await;
    let url = settings.database_url.clone().expect("a URL");
    let database = url.rsplit('/').next().expect("a database name").split('?').next().expect("name").to_owned();
    // The test server's own database, from which this one can be closed.
    let admin_url = std::env::var("HELPDESK_TEST_DATABASE_URL").expect("the test server");
    let mut admin = PgConnection::connect(&admin_url).await.expect("connects");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = helpdesk(dir.path());
    command
        .env("HELPDESK_STORE_TYPE", "postgres")
        .env("HELPDESK_DATABASE_URL", &url)
        .env("HELPDESK_HEALTH_CHECK_INTERVAL_MS", "100")
        .env("HELPDESK_DATABASE_CONNECT_TIMEOUT", "1")
        .env("HELPDESK_DATABASE_ACQUIRE_TIMEOUT", "1");
    let server = start_as_configured(command);
    let mut client = HelpdeskClient::connect(&format!("http://{}", server.addr)).await.expect("connect");
    let (mut acknowledged, refused) = store_each(&mut client, 0, 10).await;
    assert_eq!((acknowledged.len(), refused), (10, 0));

    // Every connection of the server is cut and no new one is let in: the database is gone.
    let sql = |text: String| sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(text));
    sql(format!("ALTER DATABASE {database} ALLOW_CONNECTIONS false")).execute(&mut admin).await.expect("closed");
    sql(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    ))
    .execute(&mut admin)
    .await
    .expect("terminated");
    let (during, refused) = store_each(&mut client, 10, 10).await;
    assert_eq!((during.len(), refused), (0, 10), "nothing is acknowledged while the database is gone");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while client.health("helpdesk.v1.TriageService").await.expect("health") != ServingStatus::NotServing {
        assert!(std::time::Instant::now() < deadline, "health never said NOT_SERVING");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The database is back: the server reconnects by itself.
    sql(format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true")).execute(&mut admin).await.expect("open");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while client.health("helpdesk.v1.TriageService").await.expect("health") != ServingStatus::Serving {
        assert!(std::time::Instant::now() < deadline, "health never came back to SERVING");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (after, refused) = store_each(&mut client, 20, 10).await;
    assert_eq!((after.len(), refused), (10, 0), "writes succeed again");
    acknowledged.extend(after);
    assert_eq!(server.terminate().0, 0, "a clean stop");

    let server = start(&settings, dir.path(), None);
    let mut client = HelpdeskClient::connect(&format!("http://{}", server.addr)).await.expect("connect");
    for id in &acknowledged {
        client.get_ticket(id).await.unwrap_or_else(|e| panic!("acknowledged {id} is lost: {e}"));
    }
    assert_eq!(client.stats().await.expect("stats").total, 20);
    assert!(client.verify_audit().await.expect("verify").valid);
    assert_eq!(server.terminate().0, 0);
}
