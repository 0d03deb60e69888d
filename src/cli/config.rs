//! `helpdesk config check`: loads the configuration (defaults, file, environment) and prints the
//! effective settings as JSON, or the error naming the key.

use std::process::ExitCode;

use clap::Subcommand;

use crate::{cli::CliError, config::Settings};

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

/// `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`.
fn mask_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_owned() };
    let authority_end = url[scheme_end..].find('/').map_or(url.len(), |i| scheme_end + i);
    let Some(at) = url[scheme_end..authority_end].rfind('@').map(|i| scheme_end + i) else { return url.to_owned() };
    match url[scheme_end..at].find(':').map(|i| scheme_end + i) {
        Some(colon) => format!("{}***{}", &url[..=colon], &url[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(mask_password("postgres://ana:s3cret@db:5432/helpdesk"), "postgres://ana:***@db:5432/helpdesk");
        assert_eq!(mask_password("postgres://db/helpdesk"), "postgres://db/helpdesk");
        assert_eq!(mask_password("postgres://ana@db/helpdesk"), "postgres://ana@db/helpdesk");
    }
}
