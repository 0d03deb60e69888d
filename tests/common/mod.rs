//! Test harness: an in-process server on 127.0.0.1:0 with its own database, and generated clients.
#![allow(dead_code)]

use std::{net::SocketAddr, path::Path};

use helpdesk_ai::{
    config::{Settings, StoreType},
    grpc::server::{App, run},
    intake::engine_from_settings,
    proto::{
        self, audit_service_client::AuditServiceClient, batch_triage_service_client::BatchTriageServiceClient,
        ticket_store_service_client::TicketStoreServiceClient, triage_service_client::TriageServiceClient,
    },
    store::Store,
};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic::transport::Channel;

pub mod backend;
pub use backend::Backend;

/// A running server and clients connected to it.
pub struct TestApp {
    pub addr: SocketAddr,
    pub channel: Channel,
    pub store: Store,
    pub triage: TriageServiceClient<Channel>,
    pub batch: BatchTriageServiceClient<Channel>,
    pub tickets: TicketStoreServiceClient<Channel>,
    pub audit: AuditServiceClient<Channel>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// Settings for a test: an in-memory store, short shutdown grace.
pub fn settings() -> Settings {
    Settings { store_type: StoreType::Memory, shutdown_grace_secs: 2, ..Settings::default() }
}

/// A server on a fresh in-memory database.
pub async fn spawn_app() -> TestApp {
    spawn_with(settings(), None).await
}

/// A server on a fresh database of `backend`.
pub async fn spawn_app_on(backend: &Backend) -> TestApp {
    spawn_with(backend.settings(), None).await
}

/// A server on a SQLite file under `dir`.
pub async fn spawn_on_file(dir: &Path) -> TestApp {
    let settings = Settings { store_type: StoreType::File, store_path: dir.to_path_buf(), ..settings() };
    spawn_with(settings, None).await
}

/// A server with the given settings; `dir` is kept alive as long as the app.
pub async fn spawn_with(settings: Settings, dir: Option<tempfile::TempDir>) -> TestApp {
    let store = Store::connect(&settings).await.expect("store opens");
    let engine = engine_from_settings(&settings).expect("rules load");
    let app = App::with_engine(&settings, store.clone(), engine);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        run(listener, app, async {
            let _ = stopped.await;
        })
        .await
        .expect("server runs");
    });
    let channel = Channel::from_shared(format!("http://{addr}")).expect("uri").connect().await.expect("connects");
    TestApp {
        addr,
        store,
        triage: TriageServiceClient::new(channel.clone()),
        batch: BatchTriageServiceClient::new(channel.clone()),
        tickets: TicketStoreServiceClient::new(channel.clone()),
        audit: AuditServiceClient::new(channel.clone()),
        channel,
        stop: Some(stop),
        server: Some(server),
        _dir: dir,
    }
}

impl TestApp {
    /// Starts shutdown and waits for the server to return.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task ends cleanly");
        }
    }

    /// Starts shutdown without waiting.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A valid ticket.
pub fn ticket(title: &str, description: &str) -> proto::Ticket {
    proto::Ticket {
        title: title.into(),
        description: description.into(),
        requester_email: "ana@example.com".into(),
        ..Default::default()
    }
}

/// The field paths of an INVALID_ARGUMENT status's BadRequest details.
pub fn violation_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

/// Triages one ticket and returns the response.
pub async fn triage(app: &mut TestApp, ticket: proto::Ticket) -> proto::TriageTicketResponse {
    app.triage
        .triage_ticket(proto::TriageTicketRequest { ticket: Some(ticket), ..Default::default() })
        .await
        .expect("triage succeeds")
        .into_inner()
}
