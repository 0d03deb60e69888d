//! `helpdesk backup FILE`: a consistent snapshot of the live SQLite store, written beside FILE,
//! checked, then renamed into place.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::Args;

use crate::{
    cli::{
        CliError,
        ticket_store::{close_store, open_store},
    },
    config::{Settings, StoreType},
    store::Store,
};

/// Arguments of `helpdesk backup`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Takes a consistent snapshot of the configured SQLite store (store_type \"file\") with VACUUM INTO while
the server keeps running: the snapshot holds every write committed when it began. It is written to a
temporary file beside FILE, checked (SQLite integrity check, helpdesk tables, audit chain), flushed to
disk and renamed to FILE, so FILE is either the whole snapshot or absent. Prints the path, the size,
and the tickets and audit entries it holds.

A memory store has nothing to back up. For PostgreSQL use pg_dump (see the README).

Exit status: 0 written; 1 the snapshot failed or did not pass its checks; 2 usage or set-up errors
(FILE exists without --force, no database at store_path, memory or PostgreSQL store).

Example:
  helpdesk backup /var/backups/helpdesk-$(date +%F).db")]
pub struct BackupArgs {
    /// The file to write (refused if it exists, unless --force).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Writes the snapshot and says what it holds.
pub async fn run(args: BackupArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    match settings.store_type {
        StoreType::File => {}
        StoreType::Memory => {
            return Err(CliError::Usage(
                "store_type is \"memory\": there is nothing to back up (an in-memory store lives and dies with \
                 its server)"
                    .into(),
            ));
        }
        StoreType::Postgres => {
            return Err(CliError::Usage(
                "store_type is \"postgres\": back it up with pg_dump, e.g. pg_dump --format=custom \
                 --file=helpdesk.dump \"$HELPDESK_DATABASE_URL\" (see the README)"
                    .into(),
            ));
        }
    }
    let file = &args.file;
    if file.exists() && !args.force {
        return Err(CliError::Usage(format!("FILE: {} exists; pass --force to replace it", file.display())));
    }
    if file.is_dir() {
        return Err(CliError::Usage(format!("FILE: {} is a folder", file.display())));
    }
    let database = settings.sqlite_file();
    if !database.is_file() {
        return Err(CliError::Setup(format!(
            "there is no database at {} to back up (check store_path)",
            database.display()
        )));
    }
    let folder = parent(file);
    let temp = tempfile::Builder::new()
        .prefix(".helpdesk-backup-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(|e| CliError::Output { path: folder.display().to_string(), source: e })?;

    let store = open_store(settings).await?;
    let written = store.snapshot_into(temp.path()).await;
    close_store(store).await;
    written.map_err(|e| CliError::Failed(format!("the snapshot of {} failed: {e}", database.display())))?;
    let report = Store::inspect_snapshot(temp.path())
        .await
        .map_err(|e| CliError::Failed(format!("the snapshot did not pass its checks, nothing was written: {e}")))?;
    let output = |source| CliError::Output { path: file.display().to_string(), source };
    temp.as_file().sync_all().map_err(output)?;
    if args.force {
        temp.persist(file).map_err(|e| output(e.error))?;
    } else {
        temp.persist_noclobber(file).map_err(|e| output(e.error))?;
    }
    sync_folder(folder);
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!("backup written to {}", file.display());
    println!("  size:          {size} bytes");
    println!("  tickets:       {}", report.tickets);
    println!("  audit entries: {} (chain verified)", report.audit_entries);
    println!("  schema:        {}", report.migrations.last().map_or("(none)", String::as_str));
    Ok(ExitCode::SUCCESS)
}

/// The folder `file` is in (the current one for a bare name).
pub(super) fn parent(file: &Path) -> &Path {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Flushes a folder's entries (a rename in it) to disk; best effort.
pub(super) fn sync_folder(folder: &Path) {
    if let Err(e) = std::fs::File::open(folder).and_then(|f| f.sync_all()) {
        tracing::warn!(folder = %folder.display(), error = %e, "cannot flush the folder to disk");
    }
}
