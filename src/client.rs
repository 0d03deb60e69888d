//! Calling a running helpdesk server from Rust: one connection with a timeout, and the generated
//! clients of every service over it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use helpdesk_ai::{client::HelpdeskClients, proto};
//! let mut clients = HelpdeskClients::connect("http://127.0.0.1:50051", std::time::Duration::from_secs(5)).await?;
//! let ticket = proto::Ticket { title: "VPN down".into(), description: "Since 9:00".into(),
//!     requester_email: "ana@example.com".into(), ..Default::default() };
//! let request = proto::TriageTicketRequest { ticket: Some(ticket), ..Default::default() };
//! let answer = clients.triage.triage_ticket(request).await?.into_inner();
//! println!("{:?}", answer.result.map(|r| r.queue));
//! # Ok(()) }
//! ```

use std::time::Duration;

use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_client::HealthClient;

pub use crate::proto::{
    audit_service_client::AuditServiceClient, batch_triage_service_client::BatchTriageServiceClient,
    ticket_store_service_client::TicketStoreServiceClient, triage_service_client::TriageServiceClient,
};

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
    let endpoint = Endpoint::from_shared(url.clone()).map_err(|e| failed(e.to_string()))?;
    endpoint.connect_timeout(timeout).connect().await.map_err(|e| failed(causes(&e)))
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

/// A client of every service of one server, sharing one connection.
#[derive(Debug, Clone)]
pub struct HelpdeskClients {
    /// `helpdesk.v1.TriageService`.
    pub triage: TriageServiceClient<Channel>,
    /// `helpdesk.v1.BatchTriageService`.
    pub batch: BatchTriageServiceClient<Channel>,
    /// `helpdesk.v1.TicketStoreService`.
    pub tickets: TicketStoreServiceClient<Channel>,
    /// `helpdesk.v1.AuditService`.
    pub audit: AuditServiceClient<Channel>,
    /// `grpc.health.v1.Health`.
    pub health: HealthClient<Channel>,
}

impl HelpdeskClients {
    /// Connects to `target` (see [`connect`]).
    pub async fn connect(target: &str, timeout: Duration) -> Result<Self, ConnectError> {
        Ok(HelpdeskClients::over(connect(target, timeout).await?))
    }

    /// Clients over an existing channel.
    pub fn over(channel: Channel) -> Self {
        HelpdeskClients {
            triage: TriageServiceClient::new(channel.clone()),
            batch: BatchTriageServiceClient::new(channel.clone()),
            tickets: TicketStoreServiceClient::new(channel.clone()),
            audit: AuditServiceClient::new(channel.clone()),
            health: HealthClient::new(channel),
        }
    }
}
