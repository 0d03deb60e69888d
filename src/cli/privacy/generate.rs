//! `helpdesk privacy generate-key [--output FILE]`: a new data key, printed or written to a file only
//! its owner may read.

use std::{
    io::Write,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::PathBuf,
    process::ExitCode,
};

use clap::Args;

use crate::{
    cli::{
        CliError,
        backup::{parent, sync_folder},
    },
    privacy::DataKey,
};

/// Arguments of `helpdesk privacy generate-key`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Draws 32 bytes from the operating system's random generator and writes them in base64 (one line), the
form privacy.key_file and privacy.previous_key_files read. With --output the key goes to FILE, created
with mode 0600 (written beside it and renamed into place), and its id is printed; an existing FILE is
never replaced without --force. Without --output the key is printed on standard output. The key id (16
hex digits derived from the key, not the key) is what logs, audit entries and error messages name.

Examples:
  helpdesk privacy generate-key --output /etc/helpdesk/privacy.key
  helpdesk privacy generate-key > privacy.key && chmod 600 privacy.key")]
pub struct GenerateKeyArgs {
    /// The file to write (mode 0600); standard output when not given.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Writes a new key and says its id.
pub fn run(args: GenerateKeyArgs) -> Result<ExitCode, CliError> {
    let key = DataKey::generate().map_err(|e| CliError::Failed(e.to_string()))?;
    let Some(file) = &args.output else {
        println!("{}", key.to_base64().as_str());
        return Ok(ExitCode::SUCCESS);
    };
    if file.exists() && !args.force {
        return Err(CliError::Usage(format!(
            "--output: {} exists; pass --force to replace it (a replaced key cannot decrypt what the old one \
             encrypted)",
            file.display()
        )));
    }
    if file.is_dir() {
        return Err(CliError::Usage(format!("--output: {} is a folder", file.display())));
    }
    let folder = parent(file);
    let output = |source| CliError::Output { path: file.display().to_string(), source };
    let temp = tempfile::Builder::new()
        .prefix(".helpdesk-key-")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(folder)
        .map_err(output)?;
    let mut handle = std::fs::OpenOptions::new().write(true).mode(0o600).open(temp.path()).map_err(output)?;
    handle.write_all(format!("{}\n", key.to_base64().as_str()).as_bytes()).map_err(output)?;
    handle.sync_all().map_err(output)?;
    if args.force {
        temp.persist(file).map_err(|e| output(e.error))?;
    } else {
        temp.persist_noclobber(file).map_err(|e| output(e.error))?;
    }
    sync_folder(folder);
    println!("wrote a new key (id {}) to {} (mode 0600)", key.id(), file.display());
    Ok(ExitCode::SUCCESS)
}
