//! The gRPC server: builds the services over one store and triage engine, adds health and reflection,
//! applies limits, counts and times every call, and serves a bound listener until a shutdown future completes.

use std::{future::Future, sync::Arc, time::Duration};

use tokio::{net::TcpListener, sync::watch};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

use super::{
    audit_api::AuditApi,
    batch_api::BatchApi,
    health::{self, CHECK_INTERVAL, Health, SERVICES},
    ticket_api::TicketApi,
    triage_api::TriageApi,
};
use crate::{
    config::Settings,
    intake::{EngineError, Intake, engine_from_settings},
    metrics::RpcMetricsLayer,
    proto::{
        self, audit_service_server::AuditServiceServer, batch_triage_service_server::BatchTriageServiceServer,
        ticket_store_service_server::TicketStoreServiceServer, triage_service_server::TriageServiceServer,
    },
    reload::{POLL_INTERVAL, RulesReloader},
    store::{Store, StoreError},
    triage::TriageEngine,
};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store could not be opened or migrated.
    #[error("cannot open the ticket store: {0}")]
    Store(#[from] StoreError),
    /// The rules or a model file is invalid.
    #[error("{0}")]
    Engine(#[from] EngineError),
}

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The transport failed.
    #[error("gRPC transport error: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// Reflection could not be built from the descriptors.
    #[error("cannot build the reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

/// Everything the services share.
pub struct App {
    settings: Settings,
    intake: Intake,
    reloader: Option<RulesReloader>,
}

impl App {
    /// Loads the rules, builds the triage engine and opens the store.
    pub async fn build(settings: &Settings) -> Result<App, StartError> {
        let engine = engine_from_settings(settings)?;
        let store = Store::connect(settings).await?;
        Ok(App::with_engine(settings, store, engine))
    }

    /// An app over an already opened store and a built engine.
    pub fn with_engine(settings: &Settings, store: Store, engine: TriageEngine) -> App {
        let limits = settings.triage_settings().limits;
        let engine = Arc::new(engine);
        let reloader =
            settings.rules_path.as_deref().map(|path| RulesReloader::new(path, engine.clone(), store.clone()));
        let intake = Intake::new(engine, store, limits).with_duplicates(settings.duplicates);
        App { settings: settings.clone(), intake, reloader }
    }

    /// Reloads the rules file (`rules_path`), when the rules come from one.
    pub fn reloader(&self) -> Option<&RulesReloader> {
        self.reloader.as_ref()
    }

    /// The intake the services use.
    pub fn intake(&self) -> &Intake {
        &self.intake
    }
}

/// Where the rules in force come from: the rules file, or `built-in`.
fn rules_source(settings: &Settings) -> String {
    settings.rules_path.as_ref().map_or_else(|| "built-in".to_owned(), |p| p.display().to_string())
}

/// Reflection listing exactly the public services (the helpdesk's four and health). The descriptors
/// of `google.rpc` are registered too, so grpcurl can decode the `BadRequest` details of an error.
fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    let builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .include_reflection_service(false)
        .with_service_name("grpc.health.v1.Health");
    SERVICES.iter().fold(builder, |b, name| b.with_service_name(*name))
}

/// Serves on `listener` until `shutdown` completes. Then every health status turns NOT_SERVING,
/// streams are told to end, and in-flight calls get `shutdown_grace_secs` to finish.
pub async fn run(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (reporter, health_service) = tonic_health::server::health_reporter();
    let health = Health::new(reporter);
    health.set_all(true).await;
    let monitor =
        tokio::spawn(health::monitor(app.intake.store().clone(), health.clone(), stop_rx.clone(), CHECK_INTERVAL));
    if let Some(reloader) = app.reloader.clone() {
        tokio::spawn(reloader.watch_file(POLL_INTERVAL, stop_rx.clone()));
    }

    let reflection_v1 = reflection_builder().build_v1()?;
    let reflection_v1alpha = reflection_builder().build_v1alpha()?;

    let s = &app.settings;
    let max = s.max_message_bytes;
    let intake = app.intake.clone();
    let signal = {
        let health = health.clone();
        async move {
            shutdown.await;
            tracing::info!("shutting down: health NOT_SERVING, draining in-flight calls");
            health.set_all(false).await;
            let _ = stop_tx.send(true);
        }
    };
    let server = Server::builder()
        .timeout(Duration::from_secs(s.request_timeout_secs))
        .concurrency_limit_per_connection(s.max_concurrent_requests_per_connection)
        .load_shed(true)
        .tcp_nodelay(true)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .trace_fn(
            |request| tracing::info_span!("rpc", method = %request.uri().path(), ticket_id = tracing::field::Empty),
        )
        .layer(RpcMetricsLayer)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(
            TriageServiceServer::new(TriageApi::new(intake.clone(), rules_source(s))).max_decoding_message_size(max),
        )
        .add_service(
            BatchTriageServiceServer::new(BatchApi::new(intake.clone(), stop_rx.clone()))
                .max_decoding_message_size(max),
        )
        .add_service(TicketStoreServiceServer::new(TicketApi::new(intake.clone())).max_decoding_message_size(max))
        .add_service(
            AuditServiceServer::new(AuditApi::new(intake.store().clone(), stop_rx.clone()))
                .max_decoding_message_size(max),
        )
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), signal);

    let grace = Duration::from_secs(s.shutdown_grace_secs);
    let mut stopped = stop_rx.clone();
    let outcome = tokio::select! {
        result = server => result.map_err(ServeError::from),
        _ = async { let _ = stopped.wait_for(|s| *s).await; tokio::time::sleep(grace).await } => {
            tracing::warn!(grace_secs = grace.as_secs(), "calls still running after the grace period were cut off");
            Ok(())
        }
    };
    monitor.abort();
    outcome
}
