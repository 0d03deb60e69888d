//! An in-process server built by [`Application::build`], the function `helpdesk serve` uses, on
//! 127.0.0.1:0 with its own database, and clients connected to it through the `helpdesk-client` crate.

use std::{net::SocketAddr, path::Path};

use helpdesk_ai::{
    app::Application,
    config::{Settings, StoreType},
    proto,
    store::Store,
};
use helpdesk_client::{
    BearerToken, ConnectOptions, HelpdeskClient, Transport, connect_with,
    proto::{AuditServiceClient, BatchTriageServiceClient, TicketStoreServiceClient, TriageServiceClient},
};
use tokio::{sync::oneshot, task::JoinHandle};
use tonic::transport::Channel;

use super::backend::Backend;

/// A running server and clients connected to it.
pub struct TestApp {
    pub addr: SocketAddr,
    /// Where the metrics endpoint listens, when `metrics_addr` is set.
    pub metrics: Option<SocketAddr>,
    pub channel: Channel,
    pub store: Store,
    pub client: HelpdeskClient,
    pub triage: TriageServiceClient<Transport>,
    pub batch: BatchTriageServiceClient<Transport>,
    pub tickets: TicketStoreServiceClient<Transport>,
    pub audit: AuditServiceClient<Transport>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// Settings for a test: an in-memory store, a free port, short shutdown grace, no sweep.
pub fn settings() -> Settings {
    Settings {
        store_type: StoreType::Memory,
        listen_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        shutdown_grace_secs: 2,
        ..Settings::default()
    }
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

/// A server with the given settings (built as `helpdesk serve` builds it); `dir` is kept alive as
/// long as the app.
pub async fn spawn_with(settings: Settings, dir: Option<tempfile::TempDir>) -> TestApp {
    spawn_connected(settings, dir, ConnectOptions::default()).await
}

/// A server with the given settings, its clients connected as `options` say (TLS, a token).
pub async fn spawn_connected(settings: Settings, dir: Option<tempfile::TempDir>, options: ConnectOptions) -> TestApp {
    let app = Application::build(settings).await.expect("the application builds");
    let (addr, metrics, store) = (app.local_addr(), app.metrics_addr(), app.store().clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until_stopped(async {
            let _ = stopped.await;
        })
        .await
        .expect("server runs");
    });
    let scheme = if options.tls.is_some() { "https" } else { "http" };
    let channel = connect_with(&format!("{scheme}://{addr}"), &options).await.expect("connects");
    let token = BearerToken::new(options.token.as_deref()).expect("a token that travels in a header");
    let client = HelpdeskClient::with_token(channel.clone(), token);
    TestApp {
        addr,
        metrics,
        store,
        triage: client.triage_service.clone(),
        batch: client.batch_service.clone(),
        tickets: client.ticket_service.clone(),
        audit: client.audit_service.clone(),
        client,
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
    helpdesk_client::new_ticket(title, description, "ana@example.com")
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

/// A file under `tests/fixtures/keys`.
pub fn key_fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys").join(name)
}

/// TLS options trusting the test CA, with the client certificate `client` (`client-ops`, ...) if any.
pub fn test_tls(client: Option<&str>) -> helpdesk_client::TlsOptions {
    let cert = client.map(|c| key_fixture(&format!("{c}.crt")));
    let key = client.map(|c| key_fixture(&format!("{c}.key")));
    helpdesk_client::TlsOptions::from_files(Some(&key_fixture("ca.crt")), cert.as_deref(), key.as_deref())
        .expect("the test certificates")
}
