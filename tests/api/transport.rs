//! The transport under every call: each connection the server accepts has `TCP_NODELAY` (without it
//! a small answer waits for the peer's delayed ACK, about 40 ms per unary call) and TCP keepalive as
//! configured, over plaintext and TLS. Read back from the server's own sockets, not from timings.

use std::{
    net::SocketAddr,
    os::fd::{BorrowedFd, RawFd},
    time::Duration,
};

use helpdesk_ai::config::Settings;
use helpdesk_client::{ConnectOptions, ServingStatus};
use socket2::SockRef;

use crate::support::{key_fixture, settings, spawn_connected, spawn_with, test_tls};

/// What one accepted socket has set.
#[derive(Debug, PartialEq, Eq)]
struct Options {
    nodelay: bool,
    keepalive: Option<Duration>,
}

/// The options of every socket of this process whose local address is the server's and that has a
/// peer: the connections the server accepted (the listener has no peer; the clients' sockets have
/// ephemeral local ports).
fn accepted_by(server: SocketAddr) -> Vec<Options> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd").flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<RawFd>() else { continue };
        let is_socket = std::fs::read_link(entry.path()).is_ok_and(|t| t.to_string_lossy().starts_with("socket:"));
        if !is_socket {
            continue;
        }
        // SAFETY: the descriptor is only read (getsockopt, getsockname) for the duration of this
        // loop body; should another test close it meanwhile, the calls fail and it is skipped.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = SockRef::from(&fd);
        let local = socket.local_addr().ok().and_then(|a| a.as_socket());
        if local != Some(server) || socket.peer_addr().is_err() {
            continue;
        }
        let (Ok(nodelay), Ok(keepalive)) = (socket.tcp_nodelay(), socket.keepalive()) else { continue };
        let keepalive = if keepalive { socket.tcp_keepalive_time().ok() } else { None };
        found.push(Options { nodelay, keepalive });
    }
    found
}

#[tokio::test]
async fn plaintext_connections_get_nodelay_and_the_configured_keepalive() {
    let mut app = spawn_with(Settings { tcp_keepalive_secs: 45, ..settings() }, None).await;
    assert_eq!(app.client.health("").await.expect("health"), ServingStatus::Serving);
    assert_eq!(
        accepted_by(app.addr),
        [Options { nodelay: true, keepalive: Some(Duration::from_secs(45)) }],
        "the one connection the test client opened"
    );
    app.shutdown().await;

    let mut app = spawn_with(Settings { tcp_keepalive_secs: 0, ..settings() }, None).await;
    assert_eq!(app.client.health("").await.expect("health"), ServingStatus::Serving);
    assert_eq!(accepted_by(app.addr), [Options { nodelay: true, keepalive: None }], "keepalive off");
    app.shutdown().await;
}

#[tokio::test]
async fn tls_connections_get_nodelay_and_keepalive_too() {
    let mut tls = settings();
    tls.tls.cert_file = Some(key_fixture("server.crt"));
    tls.tls.key_file = Some(key_fixture("server.key"));
    let options = ConnectOptions { tls: Some(test_tls(None)), ..ConnectOptions::default() };
    let mut app = spawn_connected(tls, None, options).await;
    assert_eq!(app.client.health("").await.expect("health over TLS"), ServingStatus::Serving);
    assert_eq!(accepted_by(app.addr), [Options { nodelay: true, keepalive: Some(Duration::from_secs(60)) }]);
    app.shutdown().await;
}
