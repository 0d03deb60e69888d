//! Storing many triaged tickets at once: one transaction, one multi-row insert per table, and an
//! `AlreadyExists` for each item whose ticket id is taken.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{
    connect::Store,
    duplicates::insert_fingerprints,
    entities::{ticket, triage_result},
    error::StoreError,
    rows::{result_row, stored_ticket, ticket_row},
    triage::{NewTriage, StoredTriage, check_pair},
};

impl Store {
    /// Stores many triaged tickets in ONE transaction, each as `record_triage` would without a request
    /// id, with one multi-row insert per table. An item whose ticket id is taken (in the store or
    /// earlier in the batch) gets its own `AlreadyExists` and the others are stored; the outer error
    /// means nothing was stored.
    pub async fn record_triage_batch(
        &self,
        items: &[NewTriage],
    ) -> Result<Vec<Result<StoredTriage, StoreError>>, StoreError> {
        for item in items {
            check_pair(&item.ticket, &item.result)?;
        }
        let mut write = self.begin_write().await?;
        let ids: Vec<&str> = items.iter().map(|i| i.ticket.ticket_id.as_str()).collect();
        let mut taken: HashSet<String> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::TicketId)
            .filter(ticket::Column::TicketId.is_in(ids))
            .into_tuple::<String>()
            .all(write.conn())
            .await?
            .into_iter()
            .collect();
        let (mut tickets, mut results, mut entries, mut outcomes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut fingerprints = Vec::new();
        for item in items {
            let id = item.ticket.ticket_id.as_str();
            if !taken.insert(id.to_owned()) {
                outcomes.push(Err(StoreError::AlreadyExists(format!("ticket {id}"))));
                continue;
            }
            if let Some(fingerprint) = &item.fingerprint {
                fingerprints.push((&item.ticket, fingerprint));
            }
            let ticket = stored_ticket(&item.ticket);
            tickets.push(ticket_row(&ticket, &self.sealing)?);
            results.push(result_row(&item.result)?);
            entries.push(write.stage(item.record.clone()));
            outcomes.push(Ok(StoredTriage { ticket, result: item.result.clone(), replayed: false }));
        }
        if !tickets.is_empty() {
            ticket::Entity::insert_many(tickets).exec_without_returning(write.conn()).await?;
            triage_result::Entity::insert_many(results).exec_without_returning(write.conn()).await?;
            insert_fingerprints(write.conn(), fingerprints).await?;
            write.insert_staged(&entries).await?;
        }
        self.commit(write).await?;
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::Category,
        domain::Ticket,
        store::NewTriage,
        testing::{at, numbered, result, write},
    };

    #[tokio::test]
    async fn a_batch_stores_every_item_but_the_taken_ids_in_one_transaction() {
        let store = Store::open_memory().await.expect("store");
        let existing = numbered(1, at(0));
        store
            .record_triage(
                &write(&existing, &result(&existing, "network", Category::Technical), None, &"svc".into()),
                None,
            )
            .await
            .expect("first");
        let items: Vec<NewTriage> = [1, 2, 3, 2]
            .iter()
            .map(|&n| {
                let t: Ticket = numbered(n, at(i64::from(n)));
                write(&t, &result(&t, "billing", Category::Billing), None, &"stream".into())
            })
            .collect();
        let outcomes = store.record_triage_batch(&items).await.expect("batch commits");
        let taken: Vec<bool> = outcomes.iter().map(|o| matches!(o, Err(StoreError::AlreadyExists(_)))).collect();
        assert_eq!(taken, [true, false, false, true]);
        assert_eq!(outcomes[1].as_ref().expect("stored").ticket.assigned_queue.as_deref(), Some("billing"));
        assert_eq!(store.last_audit_sequence().await.expect("seq"), 3);
        assert!(store.verify_audit().await.expect("verify").valid);
        assert_eq!(store.stats().await.expect("stats").total, 3);
    }
}
