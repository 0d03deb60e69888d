use std::{collections::BTreeMap, sync::Arc};

use sea_orm::EntityTrait;

use crate::{
    domain::Category,
    privacy::{DataKey, Vault},
    store::{PageRequest, Store, StoreError, TicketFilter, entities::ticket},
    testing::{at, numbered, result, write},
};

fn ring(current: &DataKey, previous: &[&DataKey]) -> Arc<Vault> {
    Arc::new(Vault::new(current.clone(), previous.iter().map(|k| (*k).clone()).collect(), ["phone".to_owned()]))
}

/// Stores ticket `n` of `requester` with a phone number and a tier, triaged.
async fn store_ticket(store: &Store, n: u32, requester: &str) -> String {
    let mut t = numbered(n, at(i64::from(n)));
    t.requester_email = requester.into();
    t.metadata =
        BTreeMap::from([("phone".to_owned(), format!("+44 20 7946 {n:04}")), ("tier".to_owned(), "gold".into())]);
    let r = result(&t, "network", Category::Technical);
    store.record_triage(&write(&t, &r, None, &"svc".into()), None).await.expect("stored").ticket.ticket_id.to_string()
}

async fn requester_ids(store: &Store, address: &str) -> Vec<String> {
    let filter = TicketFilter { requester_email: Some(address.into()), ..TicketFilter::default() };
    let page = store.list_tickets(&filter, &PageRequest { page_size: 100, page_token: None }).await.expect("listed");
    page.items.into_iter().map(|t| t.ticket_id.to_string()).collect()
}

#[tokio::test]
async fn a_sealed_store_keeps_no_address_or_listed_value_in_its_rows_and_reads_them_back() {
    let key = DataKey::generate().expect("key");
    let store = Store::open_memory().await.expect("store").sealed_by(ring(&key, &[]));
    let id = store_ticket(&store, 1, "Ana.Long@Example.com").await;
    store_ticket(&store, 2, "bob@example.com").await;
    let rows = ticket::Entity::find().all(&store.db).await.expect("rows");
    for row in &rows {
        let raw = format!("{row:?}");
        for secret in ["ana.long", "Ana.Long", "bob@", "7946"] {
            assert!(!raw.contains(secret), "{secret} in {raw}");
        }
        assert!(raw.contains("gold"), "unlisted metadata stays plain: {raw}");
        assert_eq!(row.sealed_with.as_deref(), Some(key.id()));
    }
    let (read, _) = store.get_ticket(&id).await.expect("read").expect("found");
    assert_eq!(read.requester_email, "Ana.Long@Example.com");
    assert_eq!(read.metadata["phone"], "+44 20 7946 0001");
    assert_eq!(requester_ids(&store, " ana.long@example.COM ").await, [id]);
    assert!(requester_ids(&store, "nobody@example.com").await.is_empty());
    assert_eq!(store.check_keys().await.expect("readable"), [key.id().to_owned()]);
}

#[tokio::test]
async fn a_plain_store_finds_requesters_by_the_normalised_address() {
    let store = Store::open_memory().await.expect("store");
    let id = store_ticket(&store, 1, "Ana@Example.com").await;
    store_ticket(&store, 2, "bob@example.com").await;
    let row = ticket::Entity::find_by_id(id.as_str()).one(&store.db).await.expect("row").expect("found");
    assert_eq!((row.requester_email.as_str(), row.sealed_with), ("Ana@Example.com", None));
    assert_eq!(requester_ids(&store, "ana@example.com").await, [id]);
    assert!(store.check_keys().await.expect("nothing sealed").is_empty());
}

#[tokio::test]
async fn keys_that_cannot_read_the_rows_are_refused_naming_the_settings() {
    let (old, other) = (DataKey::generate().expect("key"), DataKey::generate().expect("key"));
    let sealed = Store::open_memory().await.expect("store").sealed_by(ring(&old, &[]));
    store_ticket(&sealed, 1, "ana@example.com").await;
    let plain = sealed.clone().sealed_by_nothing();
    let Err(StoreError::FailedPrecondition(why)) = plain.check_keys().await else { panic!("a store without keys") };
    assert!(why.contains("privacy.key_file is not set") && why.contains(old.id()), "{why}");
    let wrong = sealed.clone().sealed_by(ring(&other, &[]));
    let Err(StoreError::FailedPrecondition(why)) = wrong.check_keys().await else { panic!("a wrong key") };
    assert!(why.contains(old.id()) && why.contains("privacy.previous_key_files"), "{why}");
    wrong.sealed_by(ring(&other, &[&old])).check_keys().await.expect("the old key is still in the ring");
    assert!(matches!(plain.get_ticket("TKT-20261127-T0000001").await, Err(StoreError::FailedPrecondition(_))));
}

#[tokio::test]
async fn a_rotation_reseals_plain_and_old_rows_in_batches_and_every_ticket_stays_readable() {
    let (old, new) = (DataKey::generate().expect("key"), DataKey::generate().expect("key"));
    let base = Store::open_memory().await.expect("store");
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(store_ticket(&base, n, &format!("plain{n}@example.com")).await);
    }
    let under_old = base.clone().sealed_by(ring(&old, &[]));
    for n in 3..7 {
        ids.push(store_ticket(&under_old, n, &format!("old{n}@example.com")).await);
    }
    let rotating = base.clone().sealed_by(ring(&new, &[&old]));
    assert_eq!(rotating.count_not_current().await.expect("count"), 7);
    let (mut after, mut resealed, mut batches) = (None, 0, 0);
    loop {
        let batch = rotating.reseal_tickets(after.as_deref(), 3).await.expect("batch");
        if batch.scanned == 0 {
            break;
        }
        batches += 1;
        resealed += batch.resealed;
        after = batch.last_ticket_id;
    }
    assert_eq!((batches, resealed), (3, 7));
    assert_eq!(rotating.count_not_current().await.expect("count"), 0);
    let again = rotating.reseal_tickets(None, 100).await.expect("second run");
    assert_eq!((again.scanned, again.resealed), (7, 0), "a ticket already under the new key is skipped");

    let only_new = base.clone().sealed_by(ring(&new, &[]));
    assert_eq!(only_new.check_keys().await.expect("readable"), [new.id().to_owned()]);
    for (n, id) in ids.iter().enumerate() {
        let (t, _) = only_new.get_ticket(id).await.expect("read").expect("found");
        assert!(t.requester_email.ends_with(&format!("{n}@example.com")), "{}", t.requester_email);
        assert_eq!(t.metadata["phone"], format!("+44 20 7946 {n:04}"));
    }
    assert_eq!(requester_ids(&only_new, "OLD4@example.com").await, [ids[4].clone()]);
    assert_eq!(requester_ids(&only_new, "plain1@example.com").await, [ids[1].clone()]);
    assert!(matches!(under_old.check_keys().await, Err(StoreError::FailedPrecondition(_))));
}

#[tokio::test]
async fn during_a_rotation_requesters_are_found_under_either_key() {
    let (old, new) = (DataKey::generate().expect("key"), DataKey::generate().expect("key"));
    let base = Store::open_memory().await.expect("store");
    let first = store_ticket(&base.clone().sealed_by(ring(&old, &[])), 1, "ana@example.com").await;
    let both = base.sealed_by(ring(&new, &[&old]));
    let second = store_ticket(&both, 2, "ana@example.com").await;
    assert_eq!(requester_ids(&both, "ana@example.com").await, [second, first]);
}
