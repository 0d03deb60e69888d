//! What every accepted connection is given before it serves: `TCP_NODELAY`, so a small answer is sent
//! at once instead of waiting for the peer's delayed ACK (Nagle's algorithm meeting it stalls every
//! unary call by about 40 ms), and TCP keepalive, so a peer that vanished is noticed.

use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::net::TcpStream;

/// The socket options of accepted connections, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOptions {
    /// Idle time before the first keepalive probe; `None` leaves keepalive off.
    pub keepalive: Option<Duration>,
}

impl SocketOptions {
    /// From `tcp_keepalive_secs` (0 turns keepalive off).
    pub fn from_keepalive_secs(secs: u64) -> SocketOptions {
        SocketOptions { keepalive: (secs > 0).then(|| Duration::from_secs(secs)) }
    }

    /// Sets the options on `stream`; a failure is logged (the connection still serves, only slower
    /// or without keepalive), never fatal.
    pub fn apply(&self, stream: &TcpStream) {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY on a connection: its answers may be delayed");
        }
        if let Some(idle) = self.keepalive {
            let keepalive = TcpKeepalive::new().with_time(idle).with_interval(idle.min(Duration::from_secs(75)));
            if let Err(e) = SockRef::from(stream).set_tcp_keepalive(&keepalive) {
                tracing::warn!(error = %e, "cannot set TCP keepalive on a connection");
            }
        }
    }
}
