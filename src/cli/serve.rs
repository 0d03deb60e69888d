//! `helpdesk serve`: the gRPC server, until SIGINT or SIGTERM, then a graceful shutdown.

use std::{net::SocketAddr, process::ExitCode, sync::Arc};

use clap::Args;
use tokio::{
    net::TcpListener,
    signal::unix::{SignalKind, signal},
    sync::watch,
};

use crate::{
    cli::{CliError, ticket_store::where_stored},
    config::{Settings, StoreType},
    grpc::server::{App, run as serve},
    metrics::{self, METRICS_PATH},
    store::{LockMode, StoreLock},
    sweeper::{Sweeper, SystemClock},
};

/// Arguments of `helpdesk serve`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Serves helpdesk.v1.TriageService, BatchTriageService, TicketStoreService and AuditService, plus
grpc.health.v1.Health and server reflection. The store is opened and migrated first (embedded SQLite
under store_path by default). SIGINT or SIGTERM starts a graceful shutdown: health turns NOT_SERVING
and in-flight calls get shutdown_grace_secs to finish. SIGHUP, or a change to the rules_path file
(looked at every 2 s), reloads the routing rules: a valid file is put in force, an invalid one is
refused (the rules in force stay); either way an audit entry records it. Every
escalation_sweep.interval_secs the escalation sweep escalates tickets left open past
escalation_threshold_hours (one instance sweeps at a time when several share a database). When metrics_addr
(HELPDESK_METRICS_ADDR) is set, Prometheus metrics are served at http://METRICS_ADDR/metrics.

Examples:
  helpdesk serve
  helpdesk --config helpdesk.yaml serve --listen 0.0.0.0:50051
  HELPDESK_METRICS_ADDR=0.0.0.0:9464 helpdesk serve")]
pub struct ServeArgs {
    /// Address to listen on, overriding listen_addr (HELPDESK_LISTEN_ADDR); port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Runs the server until a signal asks it to stop.
pub async fn run(args: ServeArgs, mut settings: Settings) -> Result<ExitCode, CliError> {
    if let Some(addr) = args.listen {
        settings.listen_addr = addr.to_string();
    }
    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| CliError::Setup(format!("cannot watch SIGINT: {e}")))?;
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| CliError::Setup(format!("cannot watch SIGTERM: {e}")))?;
    let listener = TcpListener::bind(&settings.listen_addr)
        .await
        .map_err(|e| CliError::Setup(format!("cannot listen on {}: {e}", settings.listen_addr)))?;
    // Held until the server stops, so `helpdesk restore` cannot replace the database under it.
    let _store_lock = match settings.store_type {
        StoreType::File => Some(
            StoreLock::acquire(&settings.store_path, LockMode::Shared).map_err(|e| CliError::Setup(e.to_string()))?,
        ),
        _ => None,
    };
    let metrics_listener = match &settings.metrics_addr {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .map_err(|e| CliError::Setup(format!("cannot listen on {addr} (metrics_addr): {e}")))?,
        ),
        None => None,
    };
    // Installed before the app is built, so nothing it records is missed.
    let metrics_endpoint = metrics_listener.map(|listener| (listener, metrics::install()));
    let app = App::build(&settings).await.map_err(|e| CliError::Setup(e.to_string()))?;
    let mut hangup = signal(SignalKind::hangup()).map_err(|e| CliError::Setup(format!("cannot watch SIGHUP: {e}")))?;
    let reloader = app.reloader().cloned();
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            match &reloader {
                Some(reloader) => {
                    reloader.reload("SIGHUP").await;
                }
                None => tracing::info!(
                    "SIGHUP received; the built-in rules are in force (no rules_path), nothing to reload"
                ),
            }
        }
    });
    let local = listener.local_addr().map_or_else(|_| settings.listen_addr.clone(), |a| a.to_string());
    tracing::info!(store = %where_stored(&settings), "listening on {local}");
    let exporter = metrics_endpoint.map(|(listener, handle)| {
        let at = listener.local_addr().map_or_else(|_| "metrics_addr".to_owned(), |a| a.to_string());
        tracing::info!("metrics at http://{at}{METRICS_PATH}");
        tokio::spawn(metrics::serve(listener, handle, app.intake().store().clone(), std::future::pending()))
    });
    let (stop_sweeper, sweeper_stopping) = watch::channel(false);
    let sweeper = settings.escalation_sweep.enabled.then(|| {
        let store = app.intake().store().clone();
        let clock = Arc::new(SystemClock);
        let sweeper =
            Sweeper::new(store, settings.escalation_sweep, settings.triage_settings(), clock, Sweeper::instance_name());
        tokio::spawn(sweeper.run(sweeper_stopping))
    });
    let shutdown = async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!("{name} received");
        // The sweep stops first and gives its lease up, so another instance takes it over at once.
        stop_sweeper.send_replace(true);
    };
    let served = serve(listener, app, shutdown).await;
    if let Some(sweeper) = sweeper {
        let _ = sweeper.await;
    }
    if let Some(exporter) = exporter {
        exporter.abort();
    }
    served.map_err(|e| CliError::Failed(format!("the server stopped: {e}")))?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
