//! Storing triaged tickets, one or many, in ONE transaction: a multi-row insert per table, one update
//! of the audit chain's head, request keys for idempotent retries, and an outcome per item (a taken
//! ticket id or a mismatched result fails only its own item).

use std::collections::{HashMap, HashSet};

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{
    connect::Store,
    duplicates::insert_fingerprints,
    entities::{request_key, ticket},
    error::StoreError,
    rows::{insert_chunked, micros, result_row, stored_ticket, ticket_row},
    tickets::{load_result, load_ticket},
    triage::{NewTriage, StoredTriage, check_pair},
};

/// One triage to store, with the request id that makes its retries idempotent.
pub(super) type Pending<'a> = (&'a NewTriage, Option<&'a str>);

/// What became of each item: stored, replayed, or refused on its own; the outer error means the
/// transaction failed and nothing was stored.
pub(super) type Outcomes = Vec<Result<StoredTriage, StoreError>>;

impl Store {
    /// Stores many triaged tickets in ONE transaction, each as `record_triage` would without a request
    /// id, with one multi-row insert per table. An item whose ticket id is taken (in the store or
    /// earlier in the batch) gets its own `AlreadyExists` and the others are stored; the outer error
    /// means nothing was stored.
    pub async fn record_triage_batch(&self, items: &[NewTriage]) -> Result<Outcomes, StoreError> {
        match self.group() {
            Some(group) => group.submit(items.iter().map(|i| (i.clone(), None)).collect()).await,
            None => write_triages(self, &items.iter().map(|i| (i, None)).collect::<Vec<_>>()).await,
        }
    }
}

/// Writes `items` in one transaction and answers for each, in order. A request id stored before
/// replays its first answer (a key whose ticket was deleted since is stored anew); a request id given
/// twice in `items` is stored once and replayed for the later item.
pub(super) async fn write_triages(store: &Store, items: &[Pending<'_>]) -> Result<Outcomes, StoreError> {
    let mut outcomes: Vec<Option<Result<StoredTriage, StoreError>>> =
        items.iter().map(|(new, _)| check_pair(&new.ticket, &new.result).err().map(Err)).collect();
    let mut write = store.begin_write().await?;
    let conn = write.conn();

    // Request ids: answered from the store, repeated within `items`, or new.
    let asked: Vec<&str> =
        items.iter().zip(&outcomes).filter(|(_, o)| o.is_none()).filter_map(|((_, r), _)| *r).collect();
    let known: HashMap<String, String> = match asked.is_empty() {
        true => HashMap::new(),
        false => request_key::Entity::find()
            .filter(request_key::Column::RequestId.is_in(asked))
            .all(conn)
            .await?
            .into_iter()
            .map(|k| (k.request_id, k.ticket_id))
            .collect(),
    };
    let (mut first_asked, mut repeats, mut stale) = (HashMap::new(), Vec::new(), Vec::new());
    for (position, (_, request_id)) in items.iter().enumerate() {
        let Some(request_id) = request_id.filter(|_| outcomes[position].is_none()) else { continue };
        if let Some(ticket_id) = known.get(request_id) {
            let ticket = load_ticket(conn, &store.sealing, ticket_id).await?;
            if let (Some(ticket), Some(result)) = (ticket, load_result(conn, ticket_id, false).await?) {
                outcomes[position] = Some(Ok(StoredTriage { ticket, result, replayed: true }));
                continue;
            }
            // The key's ticket was deleted: the key no longer answers, the request is stored anew.
            stale.push(request_id.to_owned());
        }
        if let Some(&first) = first_asked.get(request_id) {
            repeats.push((position, first));
        } else {
            first_asked.insert(request_id, position);
        }
    }
    if !stale.is_empty() {
        request_key::Entity::delete_many().filter(request_key::Column::RequestId.is_in(stale)).exec(conn).await?;
    }
    let repeated: HashSet<usize> = repeats.iter().map(|(position, _)| *position).collect();

    // Ticket ids taken in the store or earlier in `items`.
    let to_store: Vec<usize> = (0..items.len()).filter(|p| outcomes[*p].is_none() && !repeated.contains(p)).collect();
    let ids: Vec<&str> = to_store.iter().map(|&p| items[p].0.ticket.ticket_id.as_str()).collect();
    let mut taken: HashSet<String> = match ids.is_empty() {
        true => HashSet::new(),
        false => ticket::Entity::find()
            .select_only()
            .column(ticket::Column::TicketId)
            .filter(ticket::Column::TicketId.is_in(ids))
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect(),
    };
    let (mut tickets, mut results, mut entries, mut keys, mut fingerprints) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for position in to_store {
        let (new, request_id) = items[position];
        let id = new.ticket.ticket_id.as_str();
        if !taken.insert(id.to_owned()) {
            outcomes[position] = Some(Err(StoreError::AlreadyExists(format!("ticket {id}"))));
            continue;
        }
        let ticket = stored_ticket(&new.ticket);
        tickets.push(ticket_row(&ticket, &store.sealing)?);
        results.push(result_row(&new.result)?);
        if let Some(fingerprint) = &new.fingerprint {
            fingerprints.push((&new.ticket, fingerprint));
        }
        if let Some(request_id) = request_id {
            keys.push(request_key::ActiveModel {
                request_id: Set(request_id.to_owned()),
                ticket_id: Set(id.to_owned()),
                created_at: Set(micros(new.result.triaged_at)),
            });
        }
        entries.push(write.stage(new.record.clone()));
        outcomes[position] = Some(Ok(StoredTriage { ticket, result: new.result.clone(), replayed: false }));
    }
    if !tickets.is_empty() {
        let conn = write.conn();
        insert_chunked(conn, tickets).await?;
        insert_chunked(conn, results).await?;
        insert_fingerprints(conn, fingerprints).await?;
        insert_chunked(conn, keys).await?;
        write.insert_staged(&entries).await?;
    }
    store.commit(write).await?;

    // A request id given twice: the later item gets the answer the first one got.
    for (position, first) in repeats {
        outcomes[position] = Some(match &outcomes[first] {
            Some(Ok(stored)) => Ok(StoredTriage { replayed: true, ..stored.clone() }),
            Some(Err(StoreError::AlreadyExists(what))) => Err(StoreError::AlreadyExists(what.clone())),
            _ => Err(StoreError::internal("the first item with this request id was not stored")),
        });
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(StoreError::internal("an item was left without an outcome"))))
        .collect())
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

    #[tokio::test]
    async fn request_ids_replay_from_the_store_and_within_one_transaction() {
        let store = Store::open_memory().await.expect("store");
        let first = numbered(1, at(0));
        let stored = store
            .record_triage(
                &write(&first, &result(&first, "network", Category::Technical), None, &"svc".into()),
                Some("a"),
            )
            .await
            .expect("stored");
        let news: Vec<NewTriage> = (2..=5)
            .map(|n| {
                let t = numbered(n, at(i64::from(n)));
                write(&t, &result(&t, "billing", Category::Billing), None, &"svc".into())
            })
            .collect();
        // "a" was stored before; "b" is asked twice here; the last item has no request id.
        let items: Vec<Pending<'_>> =
            vec![(&news[0], Some("a")), (&news[1], Some("b")), (&news[2], Some("b")), (&news[3], None)];
        let outcomes = write_triages(&store, &items).await.expect("one transaction");
        let seen: Vec<(String, bool)> = outcomes
            .iter()
            .map(|o| o.as_ref().map(|s| (s.ticket.ticket_id.to_string(), s.replayed)).expect("answered"))
            .collect();
        let id = |t: &NewTriage| t.ticket.ticket_id.to_string();
        assert_eq!(
            seen,
            [
                (stored.ticket.ticket_id.to_string(), true),
                (id(&news[1]), false),
                (id(&news[1]), true),
                (id(&news[3]), false)
            ]
        );
        assert_eq!(store.stats().await.expect("stats").total, 3, "the first, b's and the last");
        assert_eq!(store.last_audit_sequence().await.expect("seq"), 3);
        assert_eq!(
            store.find_request("b").await.expect("read").map(|s| s.ticket.ticket_id),
            Some(news[1].ticket.ticket_id.clone())
        );
    }

    #[tokio::test]
    async fn a_batch_larger_than_one_statement_is_stored_whole() {
        let store = Store::open_memory().await.expect("store");
        let news: Vec<NewTriage> = (1..=1_200)
            .map(|n| {
                let t = numbered(n, at(i64::from(n)));
                write(&t, &result(&t, "network", Category::Technical), None, &"svc".into())
            })
            .collect();
        let outcomes = store.record_triage_batch(&news).await.expect("one transaction");
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1_200);
        assert_eq!(store.stats().await.expect("stats").total, 1_200);
        let chain = store.verify_audit().await.expect("verify");
        assert!(chain.valid && chain.entries_checked == 1_200, "{chain:?}");
    }
}
