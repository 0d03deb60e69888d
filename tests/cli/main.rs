//! The command-line suite: the `helpdesk` binary as operators run it (serve, triage, maintenance,
//! configuration, metrics), durability through `kill -9` and storage faults, and several instances on
//! one PostgreSQL (ignored unless asked for).

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod backup;
mod commands;
mod config;
mod crash;
mod faults;
mod logs;
mod metrics;
mod operations;
mod postgres;
mod privacy;
mod rules;
mod security;
mod serve;
mod shutdown;
mod signing;
mod train;
mod triage;
