//! The command line's shape: global options and one variant per subcommand. Each subcommand's own
//! arguments live beside its code.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::{
    audit::AuditCommand, backup::BackupArgs, config::ConfigCommand, eval::EvalArgs, health::HealthArgs,
    privacy::PrivacyCommand, purge::PurgeArgs, restore::RestoreArgs, rules::RulesCommand, serve::ServeArgs,
    stats::StatsArgs, token::TokenCommand, train::TrainArgs, triage::TriageArgs,
};

/// helpdesk: triage helpdesk tickets (gRPC server and command line).
#[derive(Debug, Parser)]
#[command(name = "helpdesk", version, propagate_version = true, max_term_width = 100)]
#[command(after_long_help = "\
Configuration: built-in defaults, then the --config file (or HELPDESK_CONFIG), then HELPDESK_*
environment variables (HELPDESK_STORE_TYPE, HELPDESK_STORE_PATH, HELPDESK_LOG_LEVEL, ...).
`helpdesk config check` prints the effective settings.")]
pub struct Cli {
    /// Configuration file (JSON, TOML or YAML); HELPDESK_CONFIG when not given.
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gRPC server until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Triage tickets from a JSON, JSON lines, CSV or text file and write one outcome per record.
    Triage(TriageArgs),
    /// Apply pending database migrations to the configured store.
    #[command(after_long_help = "\
Opens the configured store (store_type, store_path) and applies the migrations it lacks; prints their
names, or \"database is up to date\". `helpdesk serve` applies them at start as well.")]
    Migrate,
    /// Print ticket counts by status, category, priority and queue.
    #[command(after_long_help = "\
Counts the tickets of the configured store in one read transaction: the total, then by status, by
category (UNSPECIFIED for none), by priority and by queue (tickets not routed yet are not counted
there), as an aligned GROUP / VALUE / COUNT table or, with --json, one JSON object. The same counts as
TicketStoreService.GetStats. Exit status 0, or 2 when the store cannot be opened.")]
    Stats(StatsArgs),
    /// Write a consistent snapshot of the live SQLite store to FILE.
    Backup(BackupArgs),
    /// Replace the SQLite store with a backup, after checking the backup (stop the server first).
    Restore(RestoreArgs),
    /// Remove tickets created before a cutoff (`--older-than 90d`), with their results.
    Purge(PurgeArgs),
    /// Export, purge and verify the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Ask a running server's health service whether it is serving.
    Health(HealthArgs),
    /// Check, try and backtest routing rules files.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Make bearer tokens for the principals file.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Train a text classifier (category, queue, ...) on labelled past tickets and write a model file.
    Train(TrainArgs),
    /// Personal data at rest: generate a data key, rotate the store to a new one.
    #[command(subcommand)]
    Privacy(PrivacyCommand),
    /// Evaluate a model file on labelled tickets: accuracy, macro-F1, per-label table, confusion
    /// matrix and prediction speed.
    Eval(EvalArgs),
}
