//! The key ring against the data: the start-up check that every sealed row can be read with the ring
//! the store was given, and the re-sealing of rows under the ring's current key, one bounded batch per
//! transaction, for `helpdesk privacy rotate-key`.

use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{
    connect::Store,
    entities::ticket::{self, Column},
    error::StoreError,
    rows::{ticket_from_row, ticket_row},
};

/// What one batch of a re-sealing did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResealBatch {
    /// Rows read.
    pub scanned: u64,
    /// Rows written again under the current key.
    pub resealed: u64,
    /// The last ticket id read: the next batch starts after it; `None` when no row was left.
    pub last_ticket_id: Option<String>,
}

impl Store {
    /// Checks that every sealed row can be read: a store with sealed rows needs a key ring, every key
    /// id the rows name must be in it, and the newest row of each key must open. Returns the key ids the
    /// rows are sealed under. The errors name the settings to fix; nothing is logged or changed.
    pub async fn check_keys(&self) -> Result<Vec<String>, StoreError> {
        // The distinct key ids, one index seek each (there are one or two), not a scan of the table.
        let mut ids: Vec<String> = Vec::new();
        loop {
            let mut next = ticket::Entity::find()
                .select_only()
                .column(Column::SealedWith)
                .filter(Column::SealedWith.is_not_null());
            if let Some(last) = ids.last() {
                next = next.filter(Column::SealedWith.gt(last.as_str()));
            }
            let found = next
                .order_by_asc(Column::SealedWith)
                .limit(1)
                .into_tuple::<Option<String>>()
                .one(&self.db)
                .await?
                .flatten();
            match found {
                Some(id) => ids.push(id),
                None => break,
            }
        }
        if ids.is_empty() {
            return Ok(ids);
        }
        let Some(vault) = self.vault() else {
            return Err(StoreError::FailedPrecondition(format!(
                "the store holds tickets encrypted at rest (key id {}), and privacy.key_file is not set: set it \
                 to the key that wrote them",
                ids.join(", ")
            )));
        };
        for id in &ids {
            if !vault.holds(id) {
                return Err(StoreError::FailedPrecondition(format!(
                    "tickets are encrypted under key id {id}, which neither privacy.key_file nor \
                     privacy.previous_key_files holds (their key ids: {}): a wrong or missing key",
                    vault.key_ids().join(", ")
                )));
            }
            let sample = ticket::Entity::find().filter(Column::SealedWith.eq(id.as_str())).one(&self.db).await?;
            if let Some(row) = sample {
                let ticket_id = row.ticket_id.clone();
                ticket_from_row(row, &self.sealing).map_err(|e| {
                    let why = match &e {
                        StoreError::Internal(cause) => cause.to_string(),
                        other => other.to_string(),
                    };
                    StoreError::FailedPrecondition(format!(
                        "ticket {ticket_id} does not decrypt with the key of id {id} (privacy.key_file or \
                         privacy.previous_key_files holds a wrong key, or the data is corrupt): {why}"
                    ))
                })?;
            }
        }
        Ok(ids)
    }

    /// Re-seals, in one transaction, the rows among the next `limit` after `after` (by ticket id) that
    /// are not wholly sealed under the current key yet (plain rows, rows of another key, listed metadata
    /// values still plain); rows already under it are read and left alone. The write lock is held for
    /// the batch, so no concurrent change of these rows is lost. A plain store re-seals nothing.
    pub async fn reseal_tickets(&self, after: Option<&str>, limit: u64) -> Result<ResealBatch, StoreError> {
        let write = self.begin_write().await?;
        let mut query = ticket::Entity::find();
        if let Some(after) = after {
            query = query.filter(Column::TicketId.gt(after));
        }
        let rows = query.order_by_asc(Column::TicketId).limit(limit.max(1)).all(write.conn()).await?;
        let mut batch = ResealBatch {
            scanned: rows.len() as u64,
            last_ticket_id: rows.last().map(|r| r.ticket_id.clone()),
            ..ResealBatch::default()
        };
        for row in rows {
            if !self.sealing.needs_reseal(&row) {
                continue;
            }
            let ticket = ticket_from_row(row, &self.sealing)?;
            let sealed = ticket_row(&ticket, &self.sealing)?;
            let update = ticket::ActiveModel {
                ticket_id: sea_orm::ActiveValue::Unchanged(ticket.ticket_id.to_string()),
                requester_email: sealed.requester_email,
                metadata_json: sealed.metadata_json,
                requester_index: sealed.requester_index,
                sealed_with: sealed.sealed_with,
                ..Default::default()
            };
            ticket::Entity::update(update).exec(write.conn()).await?;
            batch.resealed += 1;
        }
        self.commit(write).await?;
        Ok(batch)
    }

    /// How many tickets are not sealed under the current key: plain rows and rows of other keys (all of
    /// them, for a plain store).
    pub async fn count_not_current(&self) -> Result<u64, StoreError> {
        let mut condition = Condition::any().add(Column::SealedWith.is_null());
        if let Some(vault) = self.vault() {
            condition = condition.add(Column::SealedWith.ne(vault.current_key_id()));
        }
        Ok(ticket::Entity::find().filter(condition).count(&self.db).await?)
    }
}

#[cfg(test)]
mod tests;
