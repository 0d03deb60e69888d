//! Opening the configured ticket store for the subcommands that need it, with errors that say where.

use crate::{
    cli::CliError,
    config::{Settings, StoreType},
    store::Store,
};

/// Opens (and migrates) the configured store.
pub async fn open_store(settings: &Settings) -> Result<Store, CliError> {
    Store::connect(settings)
        .await
        .map_err(|e| CliError::Setup(format!("cannot open the ticket store ({}): {e}", where_stored(settings))))
}

/// Closes the store at the end of a command; a failure to close is logged, not fatal (the work is done).
pub async fn close_store(store: Store) {
    if let Err(e) = store.close().await {
        tracing::warn!(error = %e, "cannot close the store cleanly");
    }
}

/// Where the settings keep tickets, in words: the SQLite file, "in memory" or "PostgreSQL".
pub fn where_stored(settings: &Settings) -> String {
    match settings.store_type {
        StoreType::Memory => "in memory".into(),
        StoreType::File => settings.sqlite_file().display().to_string(),
        StoreType::Postgres => "PostgreSQL".into(),
    }
}
