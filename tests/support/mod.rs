//! What the integration suites share: a server built the way `helpdesk serve` builds it, on a port
//! and database of its own; the databases the suites run on; the `helpdesk` binary with a clean
//! environment; and a real `helpdesk serve` process.
#![allow(dead_code, unused_imports, unused_macros)]

#[macro_use]
pub mod backend;
pub mod app;
pub mod binary;
pub mod server;

pub use app::{
    TestApp, key_fixture, settings, spawn_app, spawn_app_on, spawn_connected, spawn_on_file, spawn_with, test_tls,
    ticket, triage, violation_fields,
};
pub use backend::{Backend, TEST_DATABASE_URL_VAR};
pub use binary::{Run, fixture, helpdesk, http_get, is_ticket_id, run};
