//! `helpdesk rules`: check and lint a rules file, try it on tickets, backtest it on stored tickets.

mod backtest;
mod check;
mod test;

use std::{path::PathBuf, process::ExitCode};

use clap::Subcommand;

pub use backtest::BacktestArgs;
pub use test::TestArgs;

use crate::{cli::CliError, config::Settings};

/// `helpdesk rules` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum RulesCommand {
    /// Check and lint a rules file (YAML, TOML or JSON) and list its rules in evaluation order.
    #[command(after_long_help = "\
Loads FILE exactly as the server loads rules_path: every condition, operator, regular expression and
value is checked, and ids and priorities must be unique. Then lints it: rules that can never match,
rules shadowed by an earlier rule, declared queues no rule uses, disabled rules. Prints the rule set's
version (the one every triage result records) and its rules in evaluation order. Exit status 1 when
the file has errors (every one is listed, naming the rule and field), 0 otherwise (warnings included).

Example:
  helpdesk rules check rules/default.yaml")]
    Check {
        /// The rules file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Triage tickets from a file under candidate rules and under the rules in force; show the differences.
    Test(TestArgs),
    /// Replay candidate rules over stored tickets and report the decisions that would change.
    Backtest(BacktestArgs),
}

/// Runs a `helpdesk rules` subcommand.
pub async fn run(command: RulesCommand, settings: &Settings) -> Result<ExitCode, CliError> {
    match command {
        RulesCommand::Check { file } => check::run(&file, settings),
        RulesCommand::Test(args) => test::run(args, settings),
        RulesCommand::Backtest(args) => backtest::run(args, settings).await,
    }
}
