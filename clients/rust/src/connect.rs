//! One connection to a running server: a URL (`http://` assumed; `https://` for TLS), a connect
//! timeout, TLS with the server's CA and, for mutual TLS, a client certificate; a bearer token sent
//! with every call; and a readable error with the transport's causes.

use std::{path::Path, time::Duration};

use tonic::{
    Request, Status,
    metadata::{AsciiMetadataValue, MetadataValue},
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity},
};

/// How long [`connect`] waits by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The variable a bearer token is read from by the command line and by [`ConnectOptions::from_env`].
pub const TOKEN_VAR: &str = "HELPDESK_TOKEN";

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the server at {target}: {reason}")]
pub struct ConnectError {
    /// The address tried.
    pub target: String,
    /// Why, with the transport's causes.
    pub reason: String,
}

/// TLS to the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// The CA that signed the server's certificate (PEM); the public web roots when `None`.
    pub ca_certificate: Option<Vec<u8>>,
    /// A client certificate and its key (PEM), for servers that require mutual TLS.
    pub client_identity: Option<(Vec<u8>, Vec<u8>)>,
    /// The name to check the server's certificate against, when it is not the URL's host.
    pub domain_name: Option<String>,
}

impl TlsOptions {
    /// TLS options from PEM files: the CA, and a client certificate with its key.
    pub fn from_files(ca: Option<&Path>, cert: Option<&Path>, key: Option<&Path>) -> Result<TlsOptions, String> {
        let read = |path: &Path| std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
        let ca_certificate = ca.map(read).transpose()?;
        let client_identity = match (cert, key) {
            (Some(cert), Some(key)) => Some((read(cert)?, read(key)?)),
            (None, None) => None,
            _ => return Err("a client certificate needs its key, and a key its certificate".into()),
        };
        Ok(TlsOptions { ca_certificate, client_identity, domain_name: None })
    }
}

/// How to reach a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// How long connecting may take.
    pub timeout: Duration,
    /// A bearer token (or a JWT) sent as `authorization: Bearer ...` with every call.
    pub token: Option<String>,
    /// TLS settings; an `https://` URL uses TLS even without them (with the public web roots).
    pub tls: Option<TlsOptions>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions { timeout: DEFAULT_CONNECT_TIMEOUT, token: None, tls: None }
    }
}

impl ConnectOptions {
    /// The defaults, with the token of `HELPDESK_TOKEN` when it is set.
    pub fn from_env() -> ConnectOptions {
        let token = std::env::var(TOKEN_VAR).ok().filter(|t| !t.trim().is_empty());
        ConnectOptions { token, ..ConnectOptions::default() }
    }
}

/// `target` as a URL: `http://` is assumed when no scheme is given.
pub fn target_url(target: &str) -> String {
    if target.contains("://") { target.to_owned() } else { format!("http://{target}") }
}

/// Connects to `target` (such as `http://127.0.0.1:50051` or `127.0.0.1:50051`) within `timeout`.
/// Calls carry no deadline of their own: set one per request with `Request::set_timeout`.
pub async fn connect(target: &str, timeout: Duration) -> Result<Channel, ConnectError> {
    connect_with(target, &ConnectOptions { timeout, ..ConnectOptions::default() }).await
}

/// Connects to `target` as `options` say (the token is added by [`BearerToken`], not here).
pub async fn connect_with(target: &str, options: &ConnectOptions) -> Result<Channel, ConnectError> {
    let mut url = target_url(target);
    if options.tls.is_some() && url.starts_with("http://") {
        url = url.replacen("http://", "https://", 1);
    }
    let failed = |reason: String| ConnectError { target: url.clone(), reason };
    let mut endpoint = Endpoint::from_shared(url.clone())
        .map_err(|e| failed(causes(&e)))?
        .connect_timeout(options.timeout)
        .tcp_nodelay(true);
    if url.starts_with("https://") {
        let tls = options.tls.clone().unwrap_or_default();
        let mut config = ClientTlsConfig::new();
        config = match &tls.ca_certificate {
            Some(ca) => config.ca_certificate(Certificate::from_pem(ca)),
            None => config.with_webpki_roots(),
        };
        if let Some((cert, key)) = &tls.client_identity {
            config = config.identity(Identity::from_pem(cert, key));
        }
        if let Some(domain) = &tls.domain_name {
            config = config.domain_name(domain.clone());
        }
        endpoint = endpoint.tls_config(config).map_err(|e| failed(causes(&e)))?;
    }
    endpoint.connect().await.map_err(|e| failed(causes(&e)))
}

/// Adds `authorization: Bearer TOKEN` to every call (nothing without a token).
#[derive(Debug, Clone, Default)]
pub struct BearerToken(Option<AsciiMetadataValue>);

impl BearerToken {
    /// The interceptor for `token`; a token that cannot travel in a header is an error.
    pub fn new(token: Option<&str>) -> Result<BearerToken, String> {
        match token {
            None => Ok(BearerToken(None)),
            Some(token) => MetadataValue::try_from(format!("Bearer {}", token.trim()))
                .map(|value| BearerToken(Some(value)))
                .map_err(|_| "the token holds characters a header cannot carry".to_owned()),
        }
    }
}

impl Interceptor for BearerToken {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request.metadata_mut().insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// The transport every client of [`HelpdeskClient`](crate::HelpdeskClient) uses: a channel that
/// sends the bearer token.
pub type Transport = InterceptedService<Channel, BearerToken>;

/// An error and its causes on one line.
pub fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_address_gets_the_http_scheme() {
        assert_eq!(target_url("127.0.0.1:50051"), "http://127.0.0.1:50051");
        assert_eq!(target_url("https://helpdesk.internal:443"), "https://helpdesk.internal:443");
    }

    #[test]
    fn the_token_travels_as_a_bearer_header() {
        let mut with = BearerToken::new(Some("hdk_abc")).expect("a header");
        let request = with.call(Request::new(())).expect("passes");
        assert_eq!(request.metadata().get("authorization").and_then(|v| v.to_str().ok()), Some("Bearer hdk_abc"));
        let mut without = BearerToken::new(None).expect("nothing");
        assert!(without.call(Request::new(())).expect("passes").metadata().get("authorization").is_none());
        assert!(BearerToken::new(Some("bad\ntoken")).is_err());
    }

    #[tokio::test]
    async fn nothing_listening_is_a_connect_error_naming_the_target() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let err = connect(&addr.to_string(), Duration::from_secs(2)).await.expect_err("nothing listens");
        assert_eq!(err.target, format!("http://{addr}"));
        assert!(err.to_string().starts_with(&format!("cannot connect to the server at http://{addr}: ")), "{err}");
        let err = connect("http://bad host:1", Duration::from_secs(1)).await.expect_err("not a URL");
        assert!(err.reason.contains("invalid"), "{err}");
    }
}
