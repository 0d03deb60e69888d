//! Runs the chosen subcommand with the loaded settings.

use std::process::ExitCode;

use super::{
    CliError, Command, audit, backup, config, eval, health, migrate, privacy, purge, restore, rules, serve, stats,
    token, train, triage,
};
use crate::config::Settings;

/// Runs `command`; the exit status is the subcommand's (errors are returned for the caller to print).
pub async fn run(command: Command, settings: Settings) -> Result<ExitCode, CliError> {
    match command {
        Command::Serve(args) => serve::run(args, settings).await,
        Command::Triage(args) => triage::run(args, &settings).await,
        Command::Health(args) => health::run(args, &settings).await,
        Command::Migrate => migrate::run(&settings).await,
        Command::Stats(args) => stats::run(args, &settings).await,
        Command::Backup(args) => backup::run(args, &settings).await,
        Command::Restore(args) => restore::run(args, &settings).await,
        Command::Purge(args) => purge::run(args, &settings).await,
        Command::Audit(command) => audit::run(command, &settings).await,
        Command::Config(command) => config::run(command, &settings),
        Command::Rules(command) => rules::run(command, &settings).await,
        Command::Token(command) => token::run(command),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Privacy(command) => privacy::run(command, &settings).await,
    }
}
