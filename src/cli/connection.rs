//! How the commands that call a running server (`helpdesk health`, `helpdesk triage --server`) reach
//! it: a bearer token (`--token` or `HELPDESK_TOKEN`) and TLS (the server's CA; a client certificate
//! and key for mutual TLS).

use std::{path::PathBuf, time::Duration};

use clap::Args;
use helpdesk_client::{ConnectOptions, TlsOptions};

use super::CliError;

/// The options of a connection to a server.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionArgs {
    /// A bearer token (or a JWT) for the server; HELPDESK_TOKEN when not given.
    #[arg(long, value_name = "TOKEN", env = "HELPDESK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Use TLS, trusting the CA in FILE (PEM) for the server's certificate; an https:// URL without it
    /// trusts the public web roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// A client certificate (PEM) for a server that requires mutual TLS; needs --key-file.
    #[arg(long, value_name = "FILE", requires = "key_file")]
    pub cert_file: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "cert_file")]
    pub key_file: Option<PathBuf>,
    /// The name to check the server's certificate against, when it is not the URL's host.
    #[arg(long, value_name = "NAME")]
    pub tls_server_name: Option<String>,
}

impl ConnectionArgs {
    /// The connect options these arguments describe.
    pub fn options(&self, timeout: Duration) -> Result<ConnectOptions, CliError> {
        let wants_tls = self.ca_file.is_some() || self.cert_file.is_some() || self.tls_server_name.is_some();
        let tls = if wants_tls {
            let mut tls =
                TlsOptions::from_files(self.ca_file.as_deref(), self.cert_file.as_deref(), self.key_file.as_deref())
                    .map_err(CliError::Setup)?;
            tls.domain_name = self.tls_server_name.clone();
            Some(tls)
        } else {
            None
        };
        let token = self.token.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        Ok(ConnectOptions { timeout, token, tls })
    }
}
