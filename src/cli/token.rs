//! `helpdesk token create`: a fresh bearer token, printed once, and the principals-file entry that
//! grants it (the entry holds only the token's SHA-256).

use std::process::ExitCode;

use chrono::{SecondsFormat, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::{
    auth::{Scope, new_token, token_digest},
    cli::{CliError, when::parse_age},
};

/// `helpdesk token` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Make a new bearer token for a principal and print it with its principals-file entry.
    Create(CreateArgs),
}

/// Arguments of `helpdesk token create`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Prints the token once, on the first line of standard output, and then the entry to add to the
principals file (auth.principals_file): the principal's name, the token's SHA-256, its scopes and
expiry. The token itself is stored nowhere: give it to the caller (HELPDESK_TOKEN, or the clients'
token option) and keep the entry. The server picks the changed file up within
reload_poll_interval_ms, or at once on SIGHUP.

Scopes: triage, tickets.read, tickets.write, audit.read, rules, admin (admin implies all).

Examples:
  helpdesk token create --name support-portal --scopes triage,tickets.read --expires 90d
  helpdesk token create --name ops --scopes admin --format json")]
pub struct CreateArgs {
    /// The principal's name: the audit actor of its calls.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The scopes it grants, separated by commas.
    #[arg(long, value_name = "SCOPES", value_delimiter = ',', required = true)]
    pub scopes: Vec<String>,
    /// How long the token works, e.g. 90d or 12h; never expires when not given.
    #[arg(long, value_name = "AGE")]
    pub expires: Option<String>,
    /// The entry's format: yaml (default), json or toml.
    #[arg(long, value_name = "FORMAT", default_value = "yaml")]
    pub format: String,
}

/// Runs a `helpdesk token` subcommand.
pub fn run(command: TokenCommand) -> Result<ExitCode, CliError> {
    match command {
        TokenCommand::Create(args) => create(args),
    }
}

fn create(args: CreateArgs) -> Result<ExitCode, CliError> {
    let name = args.name.trim();
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(CliError::Usage("--name must be 1 to 200 printable characters".into()));
    }
    let mut scopes = Vec::new();
    for scope in &args.scopes {
        let scope: Scope = scope.parse().map_err(|e| CliError::Usage(format!("--scopes: {e}")))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let expires_at = match &args.expires {
        Some(age) => {
            let age = parse_age(age).map_err(|e| CliError::Usage(format!("--expires: {e}")))?;
            let at = Utc::now().checked_add_signed(age).ok_or_else(|| CliError::Usage("--expires: too far".into()))?;
            Some(at.to_rfc3339_opts(SecondsFormat::Secs, true))
        }
        None => None,
    };
    let token = new_token().map_err(CliError::Failed)?;
    let digest = token_digest(&token);
    let scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let entry = match args.format.as_str() {
        "yaml" => {
            let mut text = format!(
                "  - name: {}\n    token_sha256: {digest}\n    scopes: [{}]\n",
                serde_json::to_string(name).unwrap_or_default(),
                scope_names.join(", ")
            );
            if let Some(at) = &expires_at {
                text.push_str(&format!("    expires_at: {at}\n"));
            }
            text
        }
        "json" => {
            let mut value = json!({ "name": name, "token_sha256": digest, "scopes": scope_names });
            if let Some(at) = &expires_at {
                value["expires_at"] = json!(at);
            }
            format!("{value}\n")
        }
        "toml" => {
            let mut text = format!(
                "[[principals]]\nname = {}\ntoken_sha256 = \"{digest}\"\nscopes = [{}]\n",
                serde_json::to_string(name).unwrap_or_default(),
                scope_names.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
            );
            if let Some(at) = &expires_at {
                text.push_str(&format!("expires_at = {at}\n"));
            }
            text
        }
        other => return Err(CliError::Usage(format!("--format: {other:?} is not yaml, json or toml"))),
    };
    println!("{token}");
    print!("{entry}");
    eprintln!("The token is shown once: give it to the caller. Add the entry to auth.principals_file.");
    Ok(ExitCode::SUCCESS)
}
