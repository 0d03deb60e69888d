//! `helpdesk privacy`: data keys for personal data at rest (generate one; rotate the store to a new one).

mod generate;
mod rotate;

use std::process::ExitCode;

use clap::Subcommand;

pub use generate::GenerateKeyArgs;
pub use rotate::RotateKeyArgs;

use crate::{cli::CliError, config::Settings};

/// `helpdesk privacy` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum PrivacyCommand {
    /// Write a new data key: 32 random bytes from the operating system, in base64.
    GenerateKey(GenerateKeyArgs),
    /// Re-encrypt the store's personal data under a new key, in batches, while servers keep running.
    RotateKey(RotateKeyArgs),
}

/// Runs a `helpdesk privacy` subcommand.
pub async fn run(command: PrivacyCommand, settings: &Settings) -> Result<ExitCode, CliError> {
    match command {
        PrivacyCommand::GenerateKey(args) => generate::run(args),
        PrivacyCommand::RotateKey(args) => rotate::run(args, settings).await,
    }
}
