//! `helpdesk rules check FILE`: loads a rules file as the server would and lists its rules in order,
//! or every error naming the rule and field.

use std::{path::PathBuf, process::ExitCode};

use clap::Subcommand;

use crate::{cli::CliError, triage::RuleSet};

/// `helpdesk rules` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum RulesCommand {
    /// Check a rules file (YAML, TOML or JSON) and list its rules in evaluation order.
    #[command(after_long_help = "\
Loads FILE exactly as the server loads rules_path: every condition, operator, regular expression and
value is checked, and ids and priorities must be unique. Prints the rule set's version (the one every
triage result records) and its rules in evaluation order; exits 1 naming the rule and field of the
first error.

Example:
  helpdesk rules check rules/default.yaml")]
    Check {
        /// The rules file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Runs a `helpdesk rules` subcommand.
pub fn run(command: RulesCommand) -> Result<ExitCode, CliError> {
    match command {
        RulesCommand::Check { file } => {
            let rules = RuleSet::load(&file).map_err(|e| CliError::Failed(e.to_string()))?;
            let enabled = rules.rules().iter().filter(|r| r.enabled).count();
            println!("{}: valid", file.display());
            println!("version:       {}", rules.version());
            println!("rules:         {} ({enabled} enabled)", rules.rules().len());
            println!("default queue: {}", rules.default_queue());
            for rule in rules.rules() {
                let queue = rule.then.queue.as_deref().unwrap_or("-");
                let state = if rule.enabled { "" } else { "  (disabled)" };
                let more = if rule.continue_ { "  (continue)" } else { "" };
                println!("  {:>5}  {:<24} -> {queue}{state}{more}", rule.priority, rule.id);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
