//! Opening the configured ticket store for the subcommands that need it, with errors that say where.
//! Only `serve` and `migrate` create a store; every other command refuses a store that is not there.
//! The store is sealed by the key ring the privacy settings name, as the server's is, and checked
//! against it, so the commands read and write personal data at rest exactly as the server does.
//! With `audit.signing_key_file` set, what the commands write to the audit log is signed as the
//! server signs it.

use std::sync::Arc;

use crate::{
    app::privacy_vault,
    audit_keys::signer_from_settings,
    cli::CliError,
    config::Settings,
    privacy::Vault,
    store::{Store, StoreError},
};

/// Opens (and migrates) the configured store, which must exist already, sealed by the configured keys
/// and signing with the configured audit key.
pub async fn open_store(settings: &Settings) -> Result<Store, CliError> {
    let vault = privacy_vault(&settings.privacy).map_err(|e| CliError::Setup(e.to_string()))?;
    open_store_with(settings, vault).await
}

/// Opens (and migrates) the configured store, which must exist already, sealed by `vault` and signing
/// with the configured audit key.
pub async fn open_store_with(settings: &Settings, vault: Option<Arc<Vault>>) -> Result<Store, CliError> {
    let signer = signer_from_settings(&settings.audit).map_err(|e| CliError::Setup(e.to_string()))?;
    let store = Store::open_existing(&settings.store_settings()).await.map_err(|e| match e {
        // The refusal of a store that is not there names it already.
        StoreError::FailedPrecondition(why) => CliError::Setup(format!("cannot open the ticket store: {why}")),
        e => CliError::Setup(format!("cannot open the ticket store ({}): {e}", where_stored(settings))),
    })?;
    let store = match vault {
        Some(vault) => store.sealed_by(vault),
        None => store,
    };
    if let Err(e) = store.check_keys().await {
        close_store(store).await;
        return Err(CliError::Setup(format!("cannot read the personal data encrypted at rest: {e}")));
    }
    Ok(match signer {
        Some(signer) => store.signed_by(Arc::new(signer)),
        None => store,
    })
}

/// Closes the store at the end of a command; a failure to close is logged, not fatal (the work is done).
pub async fn close_store(store: Store) {
    if let Err(e) = store.close().await {
        tracing::warn!(error = %e, "cannot close the store cleanly");
    }
}

/// Where the settings keep tickets, in words: the SQLite file, "in memory" or "PostgreSQL".
pub fn where_stored(settings: &Settings) -> String {
    settings.store_settings().describe()
}
