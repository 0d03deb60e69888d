//! One connection to a running server: a URL (`http://` assumed), a connect timeout, and a
//! readable error with the transport's causes.

use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

/// How long [`connect`] waits by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the server at {target}: {reason}")]
pub struct ConnectError {
    /// The address tried.
    pub target: String,
    /// Why, with the transport's causes.
    pub reason: String,
}

/// `target` as a URL: `http://` is assumed when no scheme is given.
pub fn target_url(target: &str) -> String {
    if target.contains("://") { target.to_owned() } else { format!("http://{target}") }
}

/// Connects to `target` (such as `http://127.0.0.1:50051` or `127.0.0.1:50051`) within `timeout`.
/// Calls carry no deadline of their own: set one per request with `Request::set_timeout`.
pub async fn connect(target: &str, timeout: Duration) -> Result<Channel, ConnectError> {
    let url = target_url(target);
    let failed = |reason: String| ConnectError { target: url.clone(), reason };
    let endpoint = Endpoint::from_shared(url.clone()).map_err(|e| failed(causes(&e)))?;
    endpoint.connect_timeout(timeout).tcp_nodelay(true).connect().await.map_err(|e| failed(causes(&e)))
}

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
