//! `helpdesk migrate`: applies the schema migrations to the configured store and says what it did.

use std::process::ExitCode;

use crate::{
    cli::{
        CliError,
        ticket_store::{close_store, where_stored},
    },
    config::Settings,
    store::Store,
};

/// Applies pending migrations and prints their names, or "database is up to date".
pub async fn run(settings: &Settings) -> Result<ExitCode, CliError> {
    let (store, applied) = Store::connect_migrating(&settings.store_settings())
        .await
        .map_err(|e| CliError::Setup(format!("cannot open the store at {}: {e}", where_stored(settings))))?;
    let place = where_stored(settings);
    if applied.is_empty() {
        println!("database is up to date ({place})");
    } else {
        println!("applied {} migration(s) to {place}:", applied.len());
        for name in &applied {
            println!("  {name}");
        }
    }
    close_store(store).await;
    Ok(ExitCode::SUCCESS)
}
