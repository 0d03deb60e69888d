//! Storage faults: told apart, remembered until a write succeeds, never acknowledged, and a
//! connection left inside a failed transaction never lent again.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::*;
use crate::{
    domain::Category,
    store::{Store, StoreSettings},
    testing::{at, numbered, result, write},
};

#[test]
fn a_deleted_or_replaced_file_is_told_apart_from_the_one_opened() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db");
    std::fs::write(&path, b"a").expect("write");
    let opened = FileIdentity::of(&path).expect("stat");
    assert_eq!(opened.check(), Ok(()));
    std::fs::rename(&path, dir.path().join("moved")).expect("move away");
    assert_eq!(opened.check(), Err(StorageFault::FileDeleted));
    std::fs::write(&path, b"b").expect("another file");
    assert_eq!(opened.check(), Err(StorageFault::FileReplaced));
    std::fs::rename(dir.path().join("moved"), &path).expect("move back");
    assert_eq!(opened.check(), Ok(()), "the same file back in place");
}

#[test]
fn only_real_faults_count() {
    let busy = DbErr::Custom("database is locked".into());
    assert_eq!(StorageFault::of(&busy), None);
    let timed_out = DbErr::Conn(RuntimeErr::SqlxError(Arc::new(sqlx::Error::PoolTimedOut)));
    assert_eq!(StorageFault::of(&timed_out), None, "a saturated pool is not a fault");
    let io = DbErr::Conn(RuntimeErr::SqlxError(Arc::new(sqlx::Error::Io(std::io::ErrorKind::BrokenPipe.into()))));
    assert_eq!(StorageFault::of(&io), Some(StorageFault::Unreachable));
}

fn triage(n: u32) -> crate::store::NewTriage {
    let t = numbered(n, at(i64::from(n)));
    write(&t, &result(&t, "network", Category::Technical), None, &"svc".into())
}

async fn sql(store: &Store, text: &str) {
    store.db.execute_raw(Statement::from_string(DbBackend::Sqlite, text)).await.expect(text);
}

#[tokio::test]
async fn a_failed_commit_loses_nothing_acknowledged_after_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = StoreSettings::file(dir.path());
    let store = Store::connect(&settings).await.expect("opened");
    // A deferred foreign key that the ticket T0000002 breaks: its COMMIT fails and SQLite keeps the
    // transaction open, as a COMMIT that meets a full disk may.
    sql(&store, "CREATE TABLE trap (ticket_id TEXT REFERENCES tickets(ticket_id) DEFERRABLE INITIALLY DEFERRED)").await;
    sql(
        &store,
        "CREATE TRIGGER springs AFTER INSERT ON tickets WHEN NEW.ticket_id LIKE '%T0000002' \
         BEGIN INSERT INTO trap VALUES ('TKT-19700101-NOWHERE0'); END",
    )
    .await;
    let mut acknowledged = Vec::new();
    for n in 1..=6 {
        match store.record_triage(&triage(n), None).await {
            Ok(stored) => acknowledged.push(stored.ticket.ticket_id.to_string()),
            Err(e) => assert_eq!(n, 2, "only the trapped ticket fails: {e:?}"),
        }
    }
    assert_eq!(acknowledged.len(), 5);
    store.close().await.expect("closed");

    let store = Store::connect(&settings).await.expect("reopened");
    for id in &acknowledged {
        assert!(store.get_ticket(id).await.expect("read").is_some(), "acknowledged {id} is in the file");
    }
    assert_eq!(store.stats().await.expect("stats").total, 5);
    let chain = store.verify_audit().await.expect("verify");
    assert!(chain.valid && chain.entries_checked == 5, "{chain:?}");
}

#[tokio::test]
async fn a_full_database_fails_writes_clearly_until_there_is_room_again() {
    let store = Store::open_memory().await.expect("memory").grouping_writes();
    let mut faults = store.write_fault();
    let mut acknowledged = Vec::new();
    let mut n = 1;
    for _ in 0..20 {
        acknowledged.push(store.record_triage(&triage(n), None).await.expect("room").ticket.ticket_id.to_string());
        n += 1;
    }
    // SQLite's own size limit: the database may not grow past the pages it has now.
    sql(&store, "PRAGMA max_page_count = 1").await;
    let mut refused = 0;
    for _ in 0..200 {
        match store.record_triage(&triage(n), None).await {
            Ok(stored) => acknowledged.push(stored.ticket.ticket_id.to_string()),
            Err(err) => {
                assert_eq!(err.fault(), Some(StorageFault::DiskFull), "{err:?}");
                assert!(err.is_unavailable());
                assert_eq!(err.to_string(), "the disk holding the store is full");
                refused += 1;
            }
        }
        n += 1;
    }
    assert!(refused > 100, "only {refused} of 200 writes were refused");
    assert_eq!(*faults.borrow_and_update(), Some(StorageFault::DiskFull));
    // Reads go on.
    assert_eq!(store.stats().await.expect("reads serve").total, acknowledged.len() as u64);

    sql(&store, "PRAGMA max_page_count = 1073741823").await;
    store.probe_write().await.expect("the probe writes");
    assert_eq!(*faults.borrow_and_update(), None, "the fault ended with a successful write");
    acknowledged.push(store.record_triage(&triage(n), None).await.expect("room again").ticket.ticket_id.to_string());
    for id in &acknowledged {
        assert!(store.get_ticket(id).await.expect("read").is_some(), "{id}");
    }
    assert_eq!(store.stats().await.expect("stats").total, acknowledged.len() as u64);
    let chain = store.verify_audit().await.expect("verify");
    assert!(chain.valid && chain.entries_checked == acknowledged.len() as u64, "{chain:?}");
}

#[tokio::test]
async fn a_database_file_moved_away_is_never_written_to_as_if_it_were_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = StoreSettings::file(dir.path());
    let store = Store::connect(&settings).await.expect("opened").grouping_writes();
    let file = settings.sqlite_file().expect("a file");
    store.record_triage(&triage(1), None).await.expect("stored");
    std::fs::rename(&file, dir.path().join("elsewhere.db")).expect("move away");
    let err = store.record_triage(&triage(2), Some("req-2")).await.expect_err("the file is gone");
    assert_eq!(err.fault(), Some(StorageFault::FileDeleted), "{err:?}");
    assert_eq!(*store.write_fault().borrow(), Some(StorageFault::FileDeleted));
    std::fs::write(&file, b"").expect("another file in its place");
    let err = store.probe_write().await.expect_err("still not the store's file");
    assert_eq!(err.fault(), Some(StorageFault::FileReplaced), "{err:?}");
    std::fs::rename(dir.path().join("elsewhere.db"), &file).expect("moved back");
    store.probe_write().await.expect("the store's own file again");
    assert_eq!(*store.write_fault().borrow(), None);
    store.record_triage(&triage(3), None).await.expect("stored");
    // Ticket 2 went to the moved file (and is back with it) or nowhere: its retry stores it once.
    store.record_triage(&triage(2), Some("req-2")).await.expect("retried");
    tokio::time::sleep(Duration::from_millis(10)).await;
    store.close().await.expect("closed");
    let store = Store::connect(&settings).await.expect("reopened");
    assert_eq!(store.stats().await.expect("stats").total, 3, "ticket 2 once, whichever way it went");
}
