//! `helpdesk migrate`: applies the schema migrations to the configured store and says what it did.

use std::process::ExitCode;

use sea_orm_migration::MigratorTrait;

use crate::{
    cli::{
        CliError,
        ticket_store::{open_store, where_stored},
    },
    config::{Settings, StoreType},
    store::migrations::Migrator,
};

/// Applies pending migrations and prints their names, or "database is up to date".
pub async fn run(settings: &Settings) -> Result<ExitCode, CliError> {
    // Opening the store applies pending migrations itself; a database that did not exist before
    // receives every migration.
    let fresh = match settings.store_type {
        StoreType::Memory => true,
        StoreType::File => !settings.sqlite_file().exists(),
        StoreType::Postgres => false,
    };
    let store = open_store(settings).await?;
    let mut applied = store.migrate().await.map_err(|e| CliError::Failed(format!("cannot apply migrations: {e}")))?;
    if fresh && applied.is_empty() {
        applied = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    }
    let place = where_stored(settings);
    if applied.is_empty() {
        println!("database is up to date ({place})");
    } else {
        println!("applied {} migration(s) to {place}:", applied.len());
        for name in &applied {
            println!("  {name}");
        }
    }
    if let Err(e) = store.close().await {
        tracing::warn!(error = %e, "cannot close the store cleanly");
    }
    Ok(ExitCode::SUCCESS)
}
