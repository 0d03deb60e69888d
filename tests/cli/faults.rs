//! Storage faults under a running `helpdesk serve`: a full disk (a small tmpfs filled up), files made
//! read-only (immutable) under it, its database file deleted or replaced. Every write answers OK or
//! UNAVAILABLE naming the fault; health says NOT_SERVING for the writing services while reads go on;
//! it all recovers once the fault clears; and after a restart every acknowledged ticket is there,
//! nothing refused is, the SQLite integrity check is ok and the audit chain verifies. The tmpfs and
//! immutable-file faults need root (CI runs as root); without it they say so and do nothing.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use helpdesk_client::{HelpdeskClient, ServingStatus, TriageOptions, new_ticket};
use tonic::Code;

use crate::support::{
    helpdesk,
    server::{Server, start_with},
};

const TRIAGE: &str = "helpdesk.v1.TriageService";
const BATCH: &str = "helpdesk.v1.BatchTriageService";
const TICKETS: &str = "helpdesk.v1.TicketStoreService";

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A tmpfs of `megabytes` mounted at a folder of its own, unmounted when dropped.
struct Tmpfs {
    at: PathBuf,
}

impl Tmpfs {
    fn mount(at: &Path, megabytes: u32) -> Tmpfs {
        std::fs::create_dir_all(at).expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m,mode=0700"), "tmpfs"])
            .arg(at)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mount tmpfs at {}", at.display());
        Tmpfs { at: at.to_path_buf() }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

fn serve(dir: &Path, store: &Path) -> Server {
    let mut command = helpdesk(dir);
    command.env("HELPDESK_STORE_PATH", store).env("HELPDESK_HEALTH_CHECK_INTERVAL_MS", "100");
    start_with(command)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// Who asked for what and what they were told.
#[derive(Default)]
struct Ledger {
    acknowledged: Vec<String>,
    refused: usize,
    /// The numbers of the refused writes, to retry with their request ids.
    refused_writes: Vec<usize>,
    messages: Vec<String>,
}

impl Ledger {
    /// One stored triage with a request id of its own: OK (acknowledged) or UNAVAILABLE (refused);
    /// any other answer fails the test.
    async fn write(&mut self, client: &mut HelpdeskClient, n: usize) {
        let ticket = new_ticket(
            &format!("Fault ticket {n}"),
            &format!("The shared drive in building {n} is down and nobody can open files {}", "x".repeat(400)),
            "fault.tester@example.com",
        );
        let options = TriageOptions { request_id: Some(format!("fault-{n}")), ..TriageOptions::default() };
        match client.triage(ticket, options).await {
            Ok(answer) => {
                let id = answer.ticket.expect("the stored ticket").ticket_id;
                self.acknowledged.push(id);
            }
            Err(err) => {
                assert_eq!(err.code(), Code::Unavailable, "a write in a fault is UNAVAILABLE: {err}");
                self.refused += 1;
                self.refused_writes.push(n);
                self.messages.push(err.to_string());
            }
        }
    }
}

/// Waits up to 15 s for `service` to report `wanted`.
async fn health_becomes(client: &mut HelpdeskClient, service: &str, wanted: ServingStatus) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = client.health(service).await.expect("health answers");
        if now == wanted {
            return;
        }
        assert!(Instant::now() < deadline, "{service} stayed {now:?}, not {wanted:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// While the fault lasts: the writing services NOT_SERVING, the others SERVING, reads answered.
async fn reads_serve_while_writes_do_not(client: &mut HelpdeskClient, ledger: &Ledger) {
    // The monitor sets one service's status after the other: each is waited for.
    health_becomes(client, TRIAGE, ServingStatus::NotServing).await;
    health_becomes(client, BATCH, ServingStatus::NotServing).await;
    assert_eq!(client.health(TICKETS).await.expect("health"), ServingStatus::Serving);
    assert_eq!(client.health("").await.expect("health"), ServingStatus::Serving);
    for id in ledger.acknowledged.iter().take(5) {
        client.get_ticket(id).await.expect("reads serve during the fault");
    }
}

/// After a restart on the same store: every acknowledged ticket once; with `retry_refused` every
/// refused write retried with its request id (answered OK, replayed when it had reached the store
/// after all); then `stored` tickets in all and the chain valid; then, with the server stopped,
/// SQLite's integrity check.
fn check_after_restart(dir: &Path, store: &Path, ledger: &Ledger, retry_refused: bool, stored: u64) {
    let server = serve(dir, store);
    runtime().block_on(async {
        let mut client = HelpdeskClient::connect(&format!("http://{}", server.addr)).await.expect("connect");
        for id in &ledger.acknowledged {
            client.get_ticket(id).await.unwrap_or_else(|e| panic!("acknowledged {id} is lost: {e}"));
        }
        if retry_refused {
            let mut retried = Ledger::default();
            for &n in &ledger.refused_writes {
                retried.write(&mut client, n).await;
            }
            assert_eq!(retried.refused, 0, "retries succeed once the fault is gone: {:?}", retried.messages);
        }
        assert_eq!(client.stats().await.expect("stats").total, stored, "tickets stored in all");
        let chain = client.verify_audit().await.expect("verify");
        assert!(chain.valid, "{chain:?}");
    });
    let (code, lines) = server.terminate();
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(integrity_check(&store.join("helpdesk.db")), "ok");
}

/// `PRAGMA integrity_check` on a SQLite file no one else has open.
pub fn integrity_check(file: &Path) -> String {
    use sea_orm::sqlx::{Connection, sqlite::SqliteConnection};
    runtime().block_on(async {
        let url = format!("sqlite://{}", file.display());
        let mut conn = SqliteConnection::connect(&url).await.expect("open the file");
        let rows: Vec<(String,)> =
            sea_orm::sqlx::query_as("PRAGMA integrity_check").fetch_all(&mut conn).await.expect("integrity check");
        rows.into_iter().map(|(line,)| line).collect::<Vec<_>>().join("; ")
    })
}

#[test]
fn a_full_disk_refuses_writes_until_there_is_room_and_loses_nothing_acknowledged() {
    if !is_root() {
        eprintln!("not run: mounting a small tmpfs needs root");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let disk = Tmpfs::mount(&dir.path().join("disk"), 12);
    let store = disk.at.join("store");
    let server = serve(dir.path(), &store);
    let mut ledger = Ledger::default();
    runtime().block_on(async {
        let mut client = HelpdeskClient::connect(&format!("http://{}", server.addr)).await.expect("connect");
        for n in 0..20 {
            ledger.write(&mut client, n).await;
        }
        assert_eq!(ledger.acknowledged.len(), 20, "{:?}", ledger.messages);
        // Everything the disk has left goes to a ballast file.
        let ballast = disk.at.join("ballast");
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&ballast).expect("ballast");
            let chunk = vec![0u8; 64 * 1024];
            while file.write_all(&chunk).is_ok() {}
        }
        let mut n = 20;
        while ledger.refused < 20 && n < 2_000 {
            ledger.write(&mut client, n).await;
            n += 1;
        }
        assert!(ledger.refused >= 20, "a full disk refused only {} of {n} writes", ledger.refused);
        assert!(
            ledger
                .messages
                .iter()
                .all(|m| m.contains("the ticket store is unavailable: the disk holding the store is full")),
            "{:?}",
            &ledger.messages[..3]
        );
        reads_serve_while_writes_do_not(&mut client, &ledger).await;

        std::fs::remove_file(&ballast).expect("room again");
        health_becomes(&mut client, TRIAGE, ServingStatus::Serving).await;
        let before = ledger.refused;
        for m in n..n + 20 {
            ledger.write(&mut client, m).await;
        }
        assert_eq!(ledger.refused, before, "writes succeed again: {:?}", ledger.messages.last());
    });
    let (code, lines) = server.terminate();
    assert_eq!(code, 0, "{lines:?}");
    assert!(lines.iter().all(|l| !l.contains("panicked")), "{lines:?}");
    let stored = ledger.acknowledged.len() as u64;
    check_after_restart(dir.path(), &store, &ledger, false, stored);
}

#[test]
fn immutable_store_files_refuse_writes_until_they_are_writable_again() {
    if !is_root() {
        eprintln!("not run: making files immutable (chattr +i) needs root");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let server = serve(dir.path(), &store);
    // The database and its log; not the -shm index, which SQLite maps into memory: a store of a
    // page of a map whose file turned immutable is a SIGBUS in the kernel's rules, for any program.
    let files: Vec<PathBuf> = ["helpdesk.db", "helpdesk.db-wal"].iter().map(|f| store.join(f)).collect();
    let chattr = |flag: &str| Command::new("chattr").arg(flag).args(&files).status().is_ok_and(|s| s.success());
    let mut ledger = Ledger::default();
    runtime().block_on(async {
        let mut client = HelpdeskClient::connect(&format!("http://{}", server.addr)).await.expect("connect");
        for n in 0..10 {
            ledger.write(&mut client, n).await;
        }
        if !chattr("+i") {
            eprintln!("not run: this file system does not take chattr +i");
            return;
        }
        for n in 10..40 {
            ledger.write(&mut client, n).await;
        }
        let refused = ledger.refused;
        assert!(refused >= 29, "read-only files refused only {refused} of 30 writes");
        reads_serve_while_writes_do_not(&mut client, &ledger).await;
        assert!(chattr("-i"), "chattr -i");
        health_becomes(&mut client, TRIAGE, ServingStatus::Serving).await;
        for n in 40..50 {
            ledger.write(&mut client, n).await;
        }
        assert_eq!(ledger.refused, refused, "writes succeed again: {:?}", ledger.messages.last());
    });
    chattr("-i");
    let (code, lines) = server.terminate();
    assert_eq!(code, 0, "{lines:?}");
    let stored = ledger.acknowledged.len() as u64;
    check_after_restart(dir.path(), &store, &ledger, false, stored);
}

#[test]
fn a_database_file_deleted_or_replaced_under_the_server_is_never_written_to_as_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let file = store.join("helpdesk.db");
    let server = serve(dir.path(), &store);
    let mut ledger = Ledger::default();
    runtime().block_on(async {
        let mut client = HelpdeskClient::connect(&format!("http://{}", server.addr)).await.expect("connect");
        for n in 0..10 {
            ledger.write(&mut client, n).await;
        }
        // Moved away (as a careless clean-up or a restore would): the server's open file is no
        // longer what the path names, so nothing written to it is acknowledged.
        std::fs::rename(&file, dir.path().join("moved.db")).expect("move away");
        for n in 10..20 {
            ledger.write(&mut client, n).await;
        }
        assert_eq!(ledger.refused, 10);
        assert!(ledger.messages.iter().all(|m| m.contains("the database file was deleted")), "{:?}", ledger.messages);
        reads_serve_while_writes_do_not(&mut client, &ledger).await;
        // Another file in its place is not the store either.
        std::fs::write(&file, b"").expect("a file in its place");
        ledger.write(&mut client, 20).await;
        assert!(
            ledger.messages.last().is_some_and(|m| m.contains("the database file was replaced")),
            "{:?}",
            ledger.messages
        );
        // The same file back: writes go on.
        std::fs::rename(dir.path().join("moved.db"), &file).expect("move back");
        health_becomes(&mut client, TRIAGE, ServingStatus::Serving).await;
        for n in 21..31 {
            ledger.write(&mut client, n).await;
        }
        assert_eq!(ledger.refused, 11, "{:?}", ledger.messages.last());
    });
    let (code, lines) = server.terminate();
    assert_eq!(code, 0, "{lines:?}");
    // The eleven refused calls went to the moved file (and are in the store now that it is back) or,
    // on a connection opened on the replacement, nowhere: either way a retry with the same request id
    // stores each exactly once.
    check_after_restart(dir.path(), &store, &ledger, true, 31);
}
