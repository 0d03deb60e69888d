//! The protected fields of a ticket row as the store writes and reads them: as given in a plain store,
//! sealed by the store's key ring otherwise (the requester's address, and the metadata values the ring
//! lists). Every row conversion goes through here, so every write and read path does. A sealed row
//! names its key in `sealed_with`; a plain row (written without a ring) is read as it is.

use std::{collections::BTreeMap, sync::Arc};

use super::{connect::Store, entities::ticket, error::StoreError};
use crate::{
    domain::Ticket,
    privacy::{PrivacyError, REQUESTER_FIELD, SEALED_PREFIX, Vault, metadata_field, normalize_email},
};

/// The key ring a store seals with, if any.
#[derive(Debug, Clone, Default)]
pub(super) struct Sealing(Option<Arc<Vault>>);

/// A ticket's protected fields in their stored form.
pub(super) struct StoredFields {
    pub requester_email: String,
    pub metadata: BTreeMap<String, String>,
    pub requester_index: String,
    pub sealed_with: Option<String>,
}

fn unreadable(ticket_id: &str, err: PrivacyError) -> StoreError {
    StoreError::internal(format!("stored ticket {ticket_id} is unreadable: {err}"))
}

impl Sealing {
    /// The ring, when the store seals.
    pub(super) fn vault(&self) -> Option<&Vault> {
        self.0.as_deref()
    }

    /// The stored form of `ticket`'s protected fields.
    pub(super) fn seal(&self, ticket: &Ticket) -> Result<StoredFields, StoreError> {
        let Some(vault) = self.vault() else {
            return Ok(StoredFields {
                requester_email: ticket.requester_email.clone(),
                metadata: ticket.metadata.clone(),
                requester_index: normalize_email(&ticket.requester_email),
                sealed_with: None,
            });
        };
        let id = ticket.ticket_id.as_str();
        let failed = |e| StoreError::internal(format!("ticket {id} cannot be sealed: {e}"));
        let mut metadata = BTreeMap::new();
        for (key, value) in &ticket.metadata {
            let stored = if vault.seals_metadata(key, value) {
                vault.seal(id, &metadata_field(key), value).map_err(failed)?
            } else {
                value.clone()
            };
            metadata.insert(key.clone(), stored);
        }
        Ok(StoredFields {
            requester_email: vault.seal(id, REQUESTER_FIELD, &ticket.requester_email).map_err(failed)?,
            metadata,
            requester_index: vault.blind_index(&ticket.requester_email),
            sealed_with: Some(vault.current_key_id().to_owned()),
        })
    }

    /// The requester's address and the metadata of a row, opened.
    pub(super) fn open(
        &self,
        row: &ticket::Model,
        metadata: BTreeMap<String, String>,
    ) -> Result<(String, BTreeMap<String, String>), StoreError> {
        let Some(key_id) = row.sealed_with.as_deref() else {
            return Ok((row.requester_email.clone(), metadata));
        };
        let id = row.ticket_id.as_str();
        let Some(vault) = self.vault() else {
            return Err(StoreError::FailedPrecondition(format!(
                "ticket {id} is encrypted at rest (key id {key_id}) and this store was opened without a key \
                 (set privacy.key_file)"
            )));
        };
        let email = vault.open(id, REQUESTER_FIELD, &row.requester_email).map_err(|e| unreadable(id, e))?;
        let mut opened = BTreeMap::new();
        for (key, value) in metadata {
            let value = if value.starts_with(SEALED_PREFIX) {
                vault.open(id, &metadata_field(&key), &value).map_err(|e| unreadable(id, e))?
            } else {
                value
            };
            opened.insert(key, value);
        }
        Ok((email, opened))
    }

    /// The lookup keys a row of requester `address` may have: the normalised address (a plain row) and
    /// its blind index under every key of the ring.
    pub(super) fn requester_lookup(&self, address: &str) -> Vec<String> {
        let mut keys = vec![normalize_email(address)];
        if let Some(vault) = self.vault() {
            keys.extend(vault.lookup_indexes(address));
        }
        keys
    }

    /// Whether a row is not (wholly) sealed under the current key yet: a plain row, a row of another
    /// key, or a listed metadata value still plain. Always false for a plain store.
    pub(super) fn needs_reseal(&self, row: &ticket::Model) -> bool {
        let Some(vault) = self.vault() else { return false };
        if row.sealed_with.as_deref() != Some(vault.current_key_id())
            || row.requester_index.is_none()
            || !vault.is_current(&row.requester_email)
        {
            return true;
        }
        match serde_json::from_str::<BTreeMap<String, String>>(&row.metadata_json) {
            Ok(metadata) => metadata.iter().any(|(k, v)| vault.seals_metadata(k, v) && !vault.is_current(v)),
            Err(_) => true,
        }
    }
}

impl Store {
    /// The same store (and pool), sealing the requester's address and the listed metadata values of
    /// every row it writes with `vault`'s current key, and opening what any key of the ring sealed.
    pub fn sealed_by(mut self, vault: Arc<Vault>) -> Store {
        self.sealing = Sealing(Some(vault));
        self
    }

    /// The same store without a key ring (what a store opened without `privacy.key_file` is).
    #[cfg(test)]
    pub(super) fn sealed_by_nothing(mut self) -> Store {
        self.sealing = Sealing::default();
        self
    }

    /// The key ring the store seals with, if any.
    pub fn vault(&self) -> Option<&Vault> {
        self.sealing.vault()
    }
}
