//! The `helpdesk` command line: one file per subcommand, parsed with clap.

mod args;
pub mod audit;
pub mod backup;
pub mod config;
pub mod connection;
mod dispatch;
mod error;
pub mod eval;
pub mod health;
pub mod migrate;
pub mod privacy;
pub mod purge;
pub mod restore;
pub mod rules;
pub mod serve;
pub mod stats;
mod ticket_store;
pub mod token;
pub mod train;
pub mod triage;
mod when;

pub use args::{Cli, Command};
pub use dispatch::run;
pub use error::CliError;
