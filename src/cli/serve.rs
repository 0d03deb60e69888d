//! `helpdesk serve`: the gRPC server, built by [`Application::build`], until SIGINT or SIGTERM, then
//! a graceful shutdown.

use std::{net::SocketAddr, process::ExitCode};

use clap::Args;
use tokio::signal::unix::{SignalKind, signal};

use crate::{app::Application, cli::CliError, config::Settings, service::cause_chain};

/// Arguments of `helpdesk serve`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Serves helpdesk.v1.TriageService, BatchTriageService, TicketStoreService and AuditService, plus
grpc.health.v1.Health and server reflection. The store is opened and migrated first (embedded SQLite
under store_path by default, created when missing). SIGINT or SIGTERM starts a graceful shutdown:
health turns NOT_SERVING and in-flight calls get shutdown_grace_secs to finish. SIGHUP, or a change to
the rules_path file (looked at every reload_poll_interval_ms), reloads the routing rules: a valid file is
put in force, an invalid one is refused (the rules in force stay); either way an audit entry records
it. Every escalation_sweep.interval_secs the escalation sweep escalates tickets left open past
escalation_threshold_hours (one instance sweeps at a time when several share a database). When
metrics_addr (HELPDESK_METRICS_ADDR) is set, Prometheus metrics are served at http://METRICS_ADDR/metrics.

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
        settings.listen_addr = addr;
    }
    let watch =
        |kind: SignalKind, name: &str| signal(kind).map_err(|e| CliError::Setup(format!("cannot watch {name}: {e}")));
    let mut interrupt = watch(SignalKind::interrupt(), "SIGINT")?;
    let mut terminate = watch(SignalKind::terminate(), "SIGTERM")?;
    let app = Application::build(settings).await.map_err(|e| CliError::Setup(cause_chain(&e)))?;
    let shutdown = async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!("{name} received");
    };
    app.run_until_stopped(shutdown).await.map_err(|e| CliError::Failed(format!("the server stopped: {e}")))?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
