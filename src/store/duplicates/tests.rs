//! The rows that index tickets' text, against a real SQLite store: the band-row read seeks the
//! primary key, stays bounded under a flood of copies, and follows deletes, purges and edits.

use sea_orm::{DbBackend, PaginatorTrait, Statement};

use super::*;
use crate::{
    domain::Category,
    store::{NewTriage, TicketChange},
    testing::{at, numbered, result, write},
    triage::similarity::{BANDS, fingerprint},
};

const TITLE: &str = "VPN down in the Berlin office";
const TEXT: &str = "Since 9am nobody in the Berlin office can connect to the VPN. The client shows error 809 and \
                    times out after a minute.";

/// The write of ticket `n` created `minutes` after [`at`] with this text, with its fingerprint.
fn indexed(n: u32, minutes: i64, title: &str, description: &str) -> NewTriage {
    let mut t = numbered(n, at(minutes));
    (t.title, t.description) = (title.into(), description.into());
    let f = fingerprint(&t.title, &t.description);
    write(&t, &result(&t, "network", Category::Technical), Some(f), &"tester".into())
}

/// The distinct tickets whose band rows hold a key of `text`, created in the whole window.
async fn tickets_sharing_keys(store: &Store, title: &str, text: &str) -> Vec<String> {
    let keys = fingerprint(title, text).bands;
    let rows = store.band_rows(&keys, at(-100_000), at(100_000), 1_000).await.expect("rows");
    let mut ids: Vec<String> = rows.into_iter().map(|r| r.ticket_id).collect();
    ids.sort();
    ids.dedup();
    ids
}

async fn plan(store: &Store, read: Statement) -> Vec<String> {
    store.sqlite_plan(read).await
}

#[tokio::test]
async fn each_key_is_one_bounded_seek_in_the_primary_key() {
    let store = Store::open_memory().await.expect("store");
    let seek = "SEARCH ticket_bands USING PRIMARY KEY (band_key=? AND created_at>? AND created_at<?)";
    for size in KEYS_PER_READ {
        let keys: Vec<i64> = (0..size as i64).collect();
        let steps = plan(&store, band_read(DbBackend::Sqlite, &keys, 0, 1_000, 10)).await;
        let seeks = steps.iter().filter(|s| s.starts_with(seek)).count();
        assert_eq!(seeks, size, "one seek a key: {steps:?}");
        let table_scan = |s: &&String| s.starts_with("SCAN ticket_bands") || s.contains("TEMP B-TREE");
        assert!(!steps.iter().any(|s| table_scan(&s)), "no scan of the table, no sort: {steps:?}");
    }
}

#[test]
fn keys_and_ids_are_read_in_few_statement_sizes() {
    let keys: Vec<i64> = (0..100).collect();
    let chunks = read_chunks(&keys);
    assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [64, 16, 16, 16]);
    assert_eq!(chunks[3][3..], [99; 13], "the last chunk is padded with its last key");
    let ids = ["a", "b", "c"];
    assert_eq!(id_chunks(&ids), [vec!["a", "b", "c", "c", "c", "c", "c", "c"]]);
}

#[tokio::test]
async fn a_flood_of_copies_reads_the_newest_rows_of_each_key_only() {
    let store = Store::open_memory().await.expect("store");
    let items: Vec<NewTriage> = (0..400u32).map(|n| indexed(10 + n, i64::from(n) / 10, TITLE, TEXT)).collect();
    store.record_triage_batch(&items).await.expect("stored");
    let keys = fingerprint(TITLE, TEXT).bands;
    let rows = store.band_rows(&keys, at(-1), at(1_000), 25).await.expect("rows");
    assert_eq!(rows.len(), BANDS * 25);
    assert!(rows.iter().all(|r| r.created_at >= at(37)), "only the newest 25 of each key");
    let few = store.band_rows(&keys, at(39), at(1_000), 25).await.expect("rows");
    assert_eq!(few.len(), BANDS * 10, "every row of the window, when it holds fewer");
    let mut doubled = keys.clone();
    doubled.extend(&keys);
    let again = store.band_rows(&doubled, at(39), at(1_000), 25).await.expect("rows");
    assert_eq!(again.len(), BANDS * 10, "a key asked twice answers once");
}

#[tokio::test]
async fn deleted_and_purged_tickets_take_their_rows_along() {
    let store = Store::open_memory().await.expect("store");
    store.record_triage(&indexed(1, 0, TITLE, TEXT), None).await.expect("stored");
    store.record_triage(&indexed(2, 60, TITLE, TEXT), None).await.expect("stored");
    assert_eq!(tickets_sharing_keys(&store, TITLE, TEXT).await.len(), 2);
    let first = numbered(1, at(0)).ticket_id.to_string();
    store.delete_ticket(&first, &"agent".into(), at(100)).await.expect("deleted");
    assert_eq!(tickets_sharing_keys(&store, TITLE, TEXT).await, [numbered(2, at(60)).ticket_id.to_string()]);
    assert_eq!(ticket_band::Entity::find().count(&store.db).await.expect("count"), BANDS as u64);
    assert_eq!(store.purge_tickets(at(90), false, &"ops".into(), at(100)).await.expect("purged"), 1);
    assert_eq!(ticket_band::Entity::find().count(&store.db).await.expect("count"), 0);
    assert_eq!(ticket_fingerprint::Entity::find().count(&store.db).await.expect("count"), 0);
}

#[tokio::test]
async fn an_edited_text_is_indexed_by_its_new_words_and_an_unindexed_one_stays_so() {
    let store = Store::open_memory().await.expect("store");
    let stored = store.record_triage(&indexed(1, 0, TITLE, TEXT), None).await.expect("stored").ticket;
    let plain = numbered(2, at(0));
    store.create_ticket(&plain, &"agent".into()).await.expect("created");
    let printer = "The printer on floor 3 jams on every page and shows paper error 42.";
    for ticket in [stored, plain.clone()] {
        let id = ticket.ticket_id.to_string();
        let changed = store
            .update_ticket(&id, |current| {
                let mut next = current.clone();
                next.description = printer.into();
                let record = crate::service::records::updated(current, &next, &["description"], &"agent".into());
                let new_fingerprint = Some(fingerprint(&next.title, &next.description));
                Ok::<_, StoreError>(Some(TicketChange { ticket: next, record, new_fingerprint }))
            })
            .await
            .expect("updated");
        assert_eq!(changed.description, printer);
    }
    assert!(tickets_sharing_keys(&store, TITLE, TEXT).await.is_empty());
    assert_eq!(tickets_sharing_keys(&store, TITLE, printer).await, [numbered(1, at(0)).ticket_id.to_string()]);
}
