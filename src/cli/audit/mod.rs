//! `helpdesk audit`: archive the audit log (export, then purge), verify its hash chain and signatures
//! (of the store, or of an archive offline), and make the key that signs it.

mod export;
mod keys;
mod purge;
mod verify;

use std::process::ExitCode;

use clap::Subcommand;

pub use export::ExportArgs;
pub use keys::{GenerateKeyArgs, PublicKeyArgs};
pub use purge::PurgeArgs;
pub use verify::VerifyArgs;

use crate::{cli::CliError, config::Settings};

/// The actor the audit log names for exports and purges from the command line.
const ACTOR: &str = "cli";

/// `helpdesk audit` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Write the audit entries from before a cutoff as JSON lines and record the export.
    Export(ExportArgs),
    /// Remove the audit entries from before a cutoff, once an export covered them.
    Purge(PurgeArgs),
    /// Check the audit log's hash chain and signatures (or an exported archive's) and name the first
    /// broken entry.
    Verify(VerifyArgs),
    /// Write a new Ed25519 key that signs the audit chain, and print its public key.
    GenerateKey(GenerateKeyArgs),
    /// Print the public key of the audit signing key.
    PublicKey(PublicKeyArgs),
}

/// Runs a `helpdesk audit` subcommand.
pub async fn run(command: AuditCommand, settings: &Settings) -> Result<ExitCode, CliError> {
    match command {
        AuditCommand::Export(args) => export::run(args, settings).await,
        AuditCommand::Purge(args) => purge::run(args, settings).await,
        AuditCommand::Verify(args) => verify::run(args, settings).await,
        AuditCommand::GenerateKey(args) => keys::generate(args),
        AuditCommand::PublicKey(args) => keys::public_key(args, settings),
    }
}
