//! `helpdesk audit verify`: the chain check of the store, or of an exported archive offline, with an
//! exit status scripts can test.

use std::{
    io::BufRead,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};

use clap::Args;

use crate::{
    audit_keys::{read_keyring, signer_from_settings},
    cli::{
        CliError,
        ticket_store::{close_store, open_store},
    },
    config::Settings,
    domain::{ArchiveLine, ChainEnd, ChainReport, ChainVerifier, Keyring},
};

/// How the report names an archive.
const ARCHIVE: &str = "audit archive";

/// Arguments of `helpdesk audit verify`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Recomputes every entry's hash and its link to the entry before it, from the anchor a purge left (the
genesis hash for a fresh log), in one read transaction, like AuditService.VerifyAuditChain. When the
chain is signed, every signature is checked too with the public key of audit.signing_key_file (and of
audit.previous_public_key_files), or with the --public-key files given: a rewritten and re-hashed
chain, a truncated chain and a moved anchor are each reported, naming the first entry no valid
signature covers. Entries written before signing was turned on are counted as unsigned; with --strict
they are broken.

With --archive FILE, checks a file written by `helpdesk audit export` instead, offline: no store and
no configuration are needed, only the public key(s). The archive must end with its export signature.

Exit status: 0 the chain is valid; 1 it is broken (the first broken entry and the reason are printed);
2 the store, the archive or a key cannot be read.

Examples:
  helpdesk audit verify
  helpdesk audit verify --strict
  helpdesk audit verify --archive audit-2025.jsonl --public-key audit-signing.pub")]
pub struct VerifyArgs {
    /// Verify this exported archive (JSON lines) instead of the store.
    #[arg(long, value_name = "FILE")]
    pub archive: Option<PathBuf>,
    /// A public key (PEM) to verify signatures with, instead of the configured keys; repeat it for the
    /// keys used before a rotation.
    #[arg(long = "public-key", value_name = "FILE")]
    pub public_keys: Vec<PathBuf>,
    /// Count entries written before signing was turned on as broken.
    #[arg(long)]
    pub strict: bool,
}

/// Verifies the store's chain or an archive; exit status 1 when it is broken.
pub async fn run(args: VerifyArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let given = match args.public_keys.is_empty() {
        true => None,
        false => Some(read_keyring("--public-key", &args.public_keys).map_err(|e| CliError::Setup(e.to_string()))?),
    };
    let (what, report) = match &args.archive {
        Some(path) => {
            let keyring = match given {
                Some(keyring) => Some(keyring),
                None => signer_from_settings(&settings.audit)
                    .map_err(|e| CliError::Setup(e.to_string()))?
                    .map(|s| s.keyring().clone()),
            };
            (ARCHIVE, verify_archive(path, keyring.map(Arc::new), args.strict)?)
        }
        None => {
            let mut store = open_store(settings).await?;
            if let Some(keyring) = given {
                store = store.verified_with(Arc::new(keyring));
            }
            let report = store.verify_audit_with(args.strict).await;
            close_store(store).await;
            ("audit chain", report.map_err(|e| CliError::Setup(format!("cannot read the audit log: {e}")))?)
        }
    };
    println!("{}", summary(what, &report));
    Ok(if report.valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The report in one line.
fn summary(what: &str, report: &ChainReport) -> String {
    if !report.valid {
        return format!(
            "{what} BROKEN at entry {}: {} ({} entries checked)",
            report.first_broken_sequence.unwrap_or_default(),
            report.reason.as_deref().unwrap_or_default(),
            report.entries_checked
        );
    }
    let mut line = format!("{what} valid: {} entries checked", report.entries_checked);
    if report.signatures_required {
        line.push_str(&format!(", {} signatures verified", report.signatures_checked));
        if report.unsigned_entries > 0 {
            line.push_str(&format!(
                "; {} entries written before signing was turned on are unsigned",
                report.unsigned_entries
            ));
        }
    } else if what == ARCHIVE {
        line.push_str(" (hashes only: no public key given, so no signature was checked)");
    }
    line
}

/// Checks an exported archive line by line.
fn verify_archive(path: &Path, keyring: Option<Arc<Keyring>>, strict: bool) -> Result<ChainReport, CliError> {
    let unreadable = |reason: String| CliError::Input { path: path.display().to_string(), reason };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut check = ChainVerifier::new(None, keyring, strict);
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| unreadable(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<ArchiveLine>(&line) {
            Ok(ArchiveLine::Entry(entry)) => check.entry(&entry),
            Ok(ArchiveLine::Signature { signature }) => check.signature(&signature),
            Err(e) => {
                return Err(unreadable(format!(
                    "line {} is neither an audit entry nor a signature of `helpdesk audit export`: {e}",
                    number + 1
                )));
            }
        }
    }
    Ok(check.finish(ChainEnd::Archive))
}
