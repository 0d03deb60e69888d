//! `helpdesk audit`: archive the audit log (export, then purge) and verify its hash chain.

mod export;
mod purge;
mod verify;

use std::process::ExitCode;

use clap::Subcommand;

pub use export::ExportArgs;
pub use purge::PurgeArgs;

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
    /// Check the audit log's hash chain and name the first broken entry.
    #[command(after_long_help = "\
Recomputes every entry's hash and its link to the entry before it, from the anchor a purge left (the
genesis hash for a fresh log), in one read transaction, like AuditService.VerifyAuditChain.

Exit status: 0 the chain is valid; 1 it is broken (the first broken entry and the reason are printed);
2 the store cannot be opened.")]
    Verify,
}

/// Runs a `helpdesk audit` subcommand.
pub async fn run(command: AuditCommand, settings: &Settings) -> Result<ExitCode, CliError> {
    match command {
        AuditCommand::Export(args) => export::run(args, settings).await,
        AuditCommand::Purge(args) => purge::run(args, settings).await,
        AuditCommand::Verify => verify::run(settings).await,
    }
}
