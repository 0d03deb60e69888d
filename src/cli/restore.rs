//! `helpdesk restore FILE`: replaces the SQLite store with a backup, after the backup passed every
//! check and only while no server uses the store.

use std::{path::PathBuf, process::ExitCode};

use clap::Args;

use crate::{
    cli::{
        CliError,
        backup::{parent, sync_folder},
        ticket_store::{close_store, open_store},
    },
    config::{Settings, StoreType},
    store::{LockMode, Store, StoreError, StoreLock},
};

/// Arguments of `helpdesk restore`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Replaces the configured SQLite store (<store_path>/helpdesk.db) with FILE, a file written by
`helpdesk backup`. FILE is copied beside the database first and the copy is checked before anything is
replaced: the SQLite integrity check, the helpdesk tables, a schema no newer than this program's, and
the audit chain. Then stale -wal/-shm files are removed and the copy is renamed over the database, so
the store is either the old one or the whole backup. Migrations the backup lacks are applied.

A running server holds the store's lock (helpdesk.lock): stop every server on the store first. A store
that holds tickets or audit entries is only replaced with --force.

Exit status: 0 restored; 1 FILE did not pass its checks (the store is unchanged); 2 usage or set-up
errors (FILE missing, a server running, a store with data and no --force, memory or PostgreSQL store).

Example:
  helpdesk restore /var/backups/helpdesk-2026-11-27.db")]
pub struct RestoreArgs {
    /// The backup to restore (a SQLite file written by `helpdesk backup`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace a store that holds tickets or audit entries.
    #[arg(long)]
    pub force: bool,
}

/// Checks FILE, replaces the store with it and says what it holds.
pub async fn run(args: RestoreArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    match settings.store_type {
        StoreType::File => {}
        StoreType::Memory => {
            return Err(CliError::Usage(
                "store_type is \"memory\": there is no store to restore into; set store_type to \"file\"".into(),
            ));
        }
        StoreType::Postgres => {
            return Err(CliError::Usage(
                "store_type is \"postgres\": restore a pg_dump archive with pg_restore, e.g. pg_restore --clean \
                 --if-exists --dbname=\"$HELPDESK_DATABASE_URL\" helpdesk.dump (see the README)"
                    .into(),
            ));
        }
    }
    let file = &args.file;
    if !file.is_file() {
        return Err(CliError::Input { path: file.display().to_string(), reason: "no such file".into() });
    }
    let setup = |e: StoreError| CliError::Setup(e.to_string());
    let _lock = StoreLock::acquire(&settings.store_path, LockMode::Exclusive).map_err(setup)?;
    let database = settings.sqlite_file();
    match Store::counts_at(&database).await {
        Ok(Some(counts)) if !counts.is_empty() && !args.force => {
            return Err(CliError::Usage(format!(
                "the store at {} holds {} ticket(s) and {} audit entries; pass --force to replace it",
                database.display(),
                counts.tickets,
                counts.audit_entries
            )));
        }
        Err(e) if !args.force => {
            return Err(CliError::Usage(format!(
                "the store at {} cannot be read ({e}); pass --force to replace it",
                database.display()
            )));
        }
        _ => {}
    }

    let folder = parent(&database);
    let output = |source| CliError::Output { path: folder.display().to_string(), source };
    let mut copy =
        tempfile::Builder::new().prefix(".helpdesk-restore-").suffix(".tmp").tempfile_in(folder).map_err(output)?;
    let mut source = std::fs::File::open(file)
        .map_err(|e| CliError::Input { path: file.display().to_string(), reason: e.to_string() })?;
    std::io::copy(&mut source, copy.as_file_mut()).map_err(output)?;
    copy.as_file().sync_all().map_err(output)?;
    let report = Store::inspect_snapshot(copy.path()).await.map_err(|e| {
        CliError::Failed(format!("FILE {} cannot be restored: {e}; the store was not changed", file.display()))
    })?;

    for suffix in ["-wal", "-shm", "-journal"] {
        let stale = PathBuf::from(format!("{}{suffix}", database.display()));
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CliError::Output { path: stale.display().to_string(), source: e }),
        }
    }
    copy.persist(&database).map_err(|e| CliError::Output { path: database.display().to_string(), source: e.error })?;
    sync_folder(folder);

    // Open it as the server will: migrations the backup lacks are applied now.
    let store = open_store(settings).await?;
    let stats = store.stats().await.map_err(|e| CliError::Failed(format!("cannot count the restored tickets: {e}")));
    close_store(store).await;
    let stats = stats?;
    println!("restored {} into {}", file.display(), database.display());
    println!("  tickets:       {}", stats.total);
    println!("  audit entries: {} (chain verified)", report.audit_entries);
    if !report.pending_migrations.is_empty() {
        println!("  migrations applied: {}", report.pending_migrations.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
