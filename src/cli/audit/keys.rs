//! `helpdesk audit generate-key` and `helpdesk audit public-key`: the Ed25519 key that signs the audit
//! chain (PKCS#8 PEM, written 0600) and its public key (SPKI PEM), which is all an auditor needs to
//! verify the chain or an archive.

use std::{path::PathBuf, process::ExitCode};

use clap::Args;

use crate::{
    audit_keys::{SIGNING_KEY_SETTING, read_signing_key, write_new_signing_key},
    cli::CliError,
    config::Settings,
    domain::ChainSigner,
};

/// Arguments of `helpdesk audit generate-key`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Writes a new random Ed25519 private key to FILE in PEM (PKCS#8, \"BEGIN PRIVATE KEY\"), readable by its
owner only (0600), and prints its public key (PEM, \"BEGIN PUBLIC KEY\") on standard output; the key id
goes to stderr. Point audit.signing_key_file (HELPDESK_AUDIT_SIGNING_KEY_FILE) at FILE and keep it out of
the database's folder and backups; give the public key to whoever verifies archives. An existing FILE is
refused unless --force (signatures made with the old key then verify only with its public key, listed
in audit.previous_public_key_files).

Exit status: 0 written; 2 FILE exists, or cannot be written.

Example:
  helpdesk audit generate-key --output /etc/helpdesk/audit-signing.pem > audit-signing.pub")]
pub struct GenerateKeyArgs {
    /// Where to write the private key.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `helpdesk audit public-key`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Prints the public key (PEM, \"BEGIN PUBLIC KEY\") of the audit signing key: the --key file, or
audit.signing_key_file. The key id goes to stderr. Keep the public key of a key you rotate away from,
and list it in audit.previous_public_key_files, so the signatures it made still verify.

Exit status: 0 printed; 2 no key given, or it cannot be read.

Example:
  helpdesk audit public-key --key /etc/helpdesk/audit-signing.pem > audit-signing.pub")]
pub struct PublicKeyArgs {
    /// The private key file (default: audit.signing_key_file).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

fn print_public(signer: &ChainSigner) -> Result<(), CliError> {
    let pem = signer.public_pem().map_err(|e| CliError::Failed(e.to_string()))?;
    print!("{pem}");
    Ok(())
}

/// Writes a new key and prints its public key.
pub fn generate(args: GenerateKeyArgs) -> Result<ExitCode, CliError> {
    let signer =
        write_new_signing_key("--output", &args.output, args.force).map_err(|e| CliError::Usage(e.to_string()))?;
    print_public(&signer)?;
    eprintln!(
        "wrote a new audit signing key to {} (readable by its owner only), key id {}; its public key is on standard \
         output",
        args.output.display(),
        signer.key_id()
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the public key of the given or configured key.
pub fn public_key(args: PublicKeyArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let (key, path) = match (&args.key, &settings.audit.signing_key_file) {
        (Some(path), _) => ("--key", path),
        (None, Some(path)) => (SIGNING_KEY_SETTING, path),
        (None, None) => {
            return Err(CliError::Usage("give --key FILE, or set audit.signing_key_file".into()));
        }
    };
    let signer = read_signing_key(key, path).map_err(|e| CliError::Setup(e.to_string()))?;
    print_public(&signer)?;
    eprintln!("key id {}", signer.key_id());
    Ok(ExitCode::SUCCESS)
}
