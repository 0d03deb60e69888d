//! The gRPC suite: every service over real sockets against servers built as `helpdesk serve` builds
//! them, through the `helpdesk-client` crate, on SQLite and (ignored unless asked for) PostgreSQL.

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod audit;
mod auth;
mod batch;
mod client;
mod duplicates;
mod health;
mod limits;
mod overload;
mod privacy;
mod properties;
mod rules;
mod signing;
mod sweeper;
mod tickets;
mod tls;
mod transport;
mod triage;
