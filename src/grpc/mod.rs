//! The thin gRPC layer: one file per service, conversions, status mapping, health and the server.

pub mod audit_api;
pub mod auth;
pub mod batch_api;
pub mod codec_errors;
pub mod convert;
pub mod health;
pub mod request;
pub mod server;
pub mod shed;
pub mod socket;
pub mod status;
pub mod ticket_api;
pub mod tls;
pub mod triage_api;
pub mod update_mask;
pub use shed::RateLimit;
