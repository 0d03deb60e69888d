//! `helpdesk health`: asks a running server's standard health service how it is, for container
//! health checks and operators; the exit status says it.

use std::{process::ExitCode, time::Duration};

use clap::Args;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};

use helpdesk_client::connect_with;

use crate::{
    cli::{CliError, connection::ConnectionArgs},
    config::Settings,
};

/// Arguments of `helpdesk health`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Calls grpc.health.v1.Health/Check on the server and prints the status (SERVING, NOT_SERVING, ...).
Exit status 0 when SERVING, 1 otherwise (including a service the server does not know), 2 when the
server cannot be reached. Without --server, the configured listen_addr is asked (0.0.0.0 and [::]
are asked on the loopback address), over TLS when tls.cert_file is set (give the CA with --ca-file).
Health needs no token.

Examples:
  helpdesk health
  helpdesk health --server http://10.0.0.5:50051 --service helpdesk.v1.TriageService
  helpdesk health --server https://helpdesk.internal:50051 --ca-file /etc/helpdesk/tls/ca.crt")]
pub struct HealthArgs {
    /// The server, e.g. http://127.0.0.1:50051; the configured listen_addr when not given.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// One service (e.g. helpdesk.v1.TriageService); the server as a whole when not given.
    #[arg(long, default_value = "")]
    pub service: String,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 5)]
    pub timeout: u64,
    /// Token and TLS.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Runs `helpdesk health`.
pub async fn run(args: HealthArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let scheme = if settings.tls.enabled() { "https" } else { "http" };
    let target = match &args.server {
        Some(server) => server.clone(),
        None => format!("{scheme}://{}", crate::app::reachable(settings.listen_addr)),
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let options = args.connection.options(timeout)?;
    let channel = connect_with(&target, &options).await.map_err(|e| CliError::Setup(e.to_string()))?;
    let mut request = tonic::Request::new(HealthCheckRequest { service: args.service.clone() });
    request.set_timeout(timeout);
    let what = if args.service.is_empty() { "server".to_owned() } else { args.service.clone() };
    match HealthClient::new(channel).check(request).await {
        Ok(answer) => {
            let status = ServingStatus::try_from(answer.into_inner().status).unwrap_or(ServingStatus::Unknown);
            println!("{what}: {}", status.as_str_name());
            Ok(if status == ServingStatus::Serving { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Err(status) if status.code() == tonic::Code::NotFound => {
            println!("{what}: unknown to the server");
            Ok(ExitCode::from(1))
        }
        Err(status) => Err(CliError::Setup(format!("health check failed: {}", status.message()))),
    }
}
