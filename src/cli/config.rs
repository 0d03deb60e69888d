//! `helpdesk config check`: loads the configuration (defaults, file, environment) and prints the
//! effective settings as JSON, or the error naming the key.

use std::process::ExitCode;

use clap::Subcommand;

use crate::{cli::CliError, config::Settings, store::mask_password};

/// `helpdesk config` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ConfigCommand {
    /// Load the configuration and print the effective settings as JSON (exit 2 naming the key
    /// when a key is unknown or a value is invalid).
    #[command(after_long_help = "\
Settings come from built-in defaults, then the file given with --config (or HELPDESK_CONFIG; JSON,
TOML or YAML), then HELPDESK_* environment variables such as HELPDESK_STORE_TYPE or
HELPDESK_CACHE_TTL. A password in database_url is masked.

Example:
  helpdesk --config config.json config check")]
    Check,
}

/// Runs a `helpdesk config` subcommand on settings that loaded.
pub fn run(command: ConfigCommand, settings: &Settings) -> Result<ExitCode, CliError> {
    match command {
        ConfigCommand::Check => {
            let mut shown = settings.clone();
            shown.database_url = shown.database_url.as_deref().map(mask_password);
            let text = serde_json::to_string_pretty(&shown).map_err(|e| CliError::Failed(e.to_string()))?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
