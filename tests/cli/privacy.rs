//! Personal data at rest, through the `helpdesk` binary: what the SQLite file (and a PostgreSQL dump)
//! holds with a privacy key, the commands that read the store with it, keys that cannot read the store
//! refusing start-up, key generation, and a rotation while a server keeps serving.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use crate::support::{
    helpdesk, run,
    server::{Server, start_as_configured},
};
use helpdesk_ai::proto::{self, ListAuditEntriesRequest, ListTicketsRequest};
use helpdesk_client::{HelpdeskClient, TriageOptions, new_ticket};

/// The test's requesters; none may appear in the database's bytes.
const ADDRESSES: [&str; 6] = [
    "ana.sealed@example.com",
    "Bob.Sealed@Example.org",
    "carol.sealed@example.net",
    "dan.sealed@example.com",
    "erin.sealed@example.com",
    "frank.sealed@example.org",
];
/// Listed (sealed) metadata values; none may appear either.
const SECRETS: [&str; 3] = ["+44 20 7946 0101", "CUST-7731-SEALED", "+44 20 7946 0202"];
/// An unlisted metadata value and a title, stored plain: they show the search reads the real bytes.
const PLAIN: [&str; 2] = ["platinum-tier-plain", "Printer jam on floor three"];

/// A key written by `helpdesk privacy generate-key` to `dir/name`; returns the file and the key id.
fn generate_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let file = dir.join(name);
    let done = run(helpdesk(dir).args(["privacy", "generate-key", "--output"]).arg(&file), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    let id = done.stdout.split("(id ").nth(1).and_then(|r| r.split(')').next()).expect("the key id").to_owned();
    (file, id)
}

/// `helpdesk` on the file store under `dir`, with a config file sealing under `key` (opening with
/// `previous` too) and sealing the `phone` and `customer_id` metadata; no key at all when `key` is None.
fn configured(dir: &Path, key: Option<&Path>, previous: &[&Path]) -> Command {
    let mut command = helpdesk(dir);
    command.env("HELPDESK_STORE_TYPE", "file");
    if let Some(key) = key {
        let previous: Vec<String> = previous.iter().map(|p| format!("{:?}", p.display().to_string())).collect();
        let config = format!(
            "privacy:\n  key_file: {:?}\n  previous_key_files: [{}]\n  encrypted_metadata_keys: [phone, customer_id]\n",
            key.display().to_string(),
            previous.join(", ")
        );
        let file = dir.join("helpdesk.yaml");
        std::fs::write(&file, config).expect("config written");
        command.env("HELPDESK_CONFIG", &file);
    }
    command
}

async fn connect(server: &Server) -> HelpdeskClient {
    HelpdeskClient::connect_within(&server.addr, Duration::from_secs(5)).await.expect("connects")
}

fn ticket(n: usize, title: &str) -> proto::Ticket {
    let mut t = new_ticket(title, "The VPN is down for the whole floor since nine", ADDRESSES[n]);
    t.metadata.insert("phone".into(), SECRETS[0].into());
    t.metadata.insert("customer_id".into(), SECRETS[1].into());
    t.metadata.insert("tier".into(), PLAIN[0].into());
    t
}

/// Stores tickets of every test requester through every way in (triage, create, batch, stream, update).
async fn store_every_way(client: &mut HelpdeskClient) -> Vec<String> {
    let mut ids = Vec::new();
    let triaged = client.triage(ticket(0, PLAIN[1]), TriageOptions::default()).await.expect("triaged");
    ids.push(triaged.ticket.expect("ticket").ticket_id);
    ids.push(client.create_ticket(ticket(1, "Invoice twice")).await.expect("created").ticket_id);
    let batch = client.batch_triage(vec![ticket(2, "Cannot log in"), ticket(3, "Refund")], false).await.expect("batch");
    for outcome in batch.outcomes {
        assert!(matches!(outcome.outcome, Some(proto::triage_outcome::Outcome::Result(_))), "{outcome:?}");
        ids.push(outcome.ticket_id);
    }
    let item =
        proto::StreamTriageRequest { ticket: Some(ticket(4, "Slow laptop")), client_id: "s".into(), dry_run: false };
    let mut answers = client.stream_triage(tokio_stream::iter(vec![item])).await.expect("stream");
    let answer = answers.message().await.expect("an answer").expect("one item").outcome.expect("an outcome");
    assert!(matches!(answer.outcome, Some(proto::triage_outcome::Outcome::Result(_))), "{answer:?}");
    ids.push(answer.ticket_id);
    let mut changed =
        proto::Ticket { ticket_id: ids[1].clone(), requester_email: ADDRESSES[5].into(), ..Default::default() };
    changed.metadata.insert("phone".into(), SECRETS[2].into());
    let updated = client.update_ticket(changed, &["requester_email", "metadata"]).await.expect("updated");
    assert_eq!(updated.requester_email, ADDRESSES[5]);
    ids
}

/// Every file of the SQLite store (the database, its WAL and shared memory), as bytes.
fn store_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let data = dir.join("data");
    std::fs::read_dir(&data)
        .expect("the store folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("helpdesk.db")))
        .map(|path| (path.display().to_string(), std::fs::read(&path).expect("readable")))
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Asserts that no test address or sealed value is in `files`, and that the plain control values are.
fn assert_sealed(files: &[(String, Vec<u8>)]) {
    for (name, bytes) in files {
        for secret in ADDRESSES.iter().chain(&SECRETS) {
            assert!(!contains(bytes, secret), "{secret} is in {name}");
        }
        // Also no local part on its own (the address split or re-encoded).
        assert!(!contains(bytes, "ana.sealed"), "a local part is in {name}");
    }
    let all: Vec<u8> = files.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    for plain in PLAIN {
        assert!(contains(&all, plain), "{plain} (stored plain) should be in the store's files");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_sqlite_store_holds_no_test_address_and_the_commands_read_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (key, key_id) = generate_key(dir.path(), "privacy.key");
    let server = start_as_configured(configured(dir.path(), Some(&key), &[]));
    assert!(
        server.startup.iter().any(|l| l.contains("encrypted at rest") && l.contains(&key_id)),
        "{:?}",
        server.startup
    );
    let mut client = connect(&server).await;
    let ids = store_every_way(&mut client).await;
    let read = client.get_ticket(&ids[0]).await.expect("read").ticket.expect("ticket");
    assert_eq!((read.requester_email.as_str(), read.metadata["phone"].as_str()), (ADDRESSES[0], SECRETS[0]));
    let filter = ListTicketsRequest { requester_email: "bob.sealed@example.org".into(), ..Default::default() };
    assert!(client.list_tickets(filter).await.expect("listed").is_empty(), "bob's ticket now has frank's address");
    let filter = ListTicketsRequest { requester_email: ADDRESSES[5].to_uppercase(), ..Default::default() };
    let found = client.list_tickets(filter).await.expect("listed");
    assert_eq!(found.iter().map(|t| t.ticket_id.as_str()).collect::<Vec<_>>(), [ids[1].as_str()]);
    assert_eq!(found[0].metadata["phone"], SECRETS[2]);
    assert_sealed(&store_bytes(dir.path()));

    // The commands that read the store use the same key, beside the running server.
    let stats = run(configured(dir.path(), Some(&key), &[]).args(["stats", "--json"]), "");
    assert_eq!((stats.code, stats.json()["total"].as_u64()), (0, Some(5)), "{}", stats.stderr);
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/default.yaml");
    let backtest = run(configured(dir.path(), Some(&key), &[]).args(["rules", "backtest"]).arg(&rules), "");
    assert_eq!(backtest.code, 0, "{}", backtest.stderr);
    assert!(backtest.stdout.contains("replayed 4 ticket(s)"), "{}", backtest.stdout);
    let backup = dir.path().join("backup.db");
    let done = run(configured(dir.path(), Some(&key), &[]).arg("backup").arg(&backup), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    let (code, _) = server.terminate();
    assert_eq!(code, 0);
    assert_sealed(&store_bytes(dir.path()));
    assert_sealed(&[("backup.db".into(), std::fs::read(&backup).expect("the backup"))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_missing_or_malformed_key_refuses_to_start_naming_the_setting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (key, key_id) = generate_key(dir.path(), "privacy.key");
    let server = start_as_configured(configured(dir.path(), Some(&key), &[]));
    store_every_way(&mut connect(&server).await).await;
    assert_eq!(server.terminate().0, 0);
    let serve = |command: &mut Command| run(command.args(["serve", "--listen", "127.0.0.1:0"]), "");

    let (other, other_id) = generate_key(dir.path(), "other.key");
    let wrong = serve(&mut configured(dir.path(), Some(&other), &[]));
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    for part in [key_id.as_str(), "privacy.key_file", "privacy.previous_key_files", "wrong or missing key"] {
        assert!(wrong.stderr.contains(part), "{part} not in {}", wrong.stderr);
    }
    assert!(!wrong.stderr.contains(&std::fs::read_to_string(&other).expect("key").trim().to_owned()));
    let missing = serve(&mut configured(dir.path(), None, &[]));
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("privacy.key_file is not set") && missing.stderr.contains(&key_id),
        "{}",
        missing.stderr
    );
    let stats = run(configured(dir.path(), None, &[]).arg("stats"), "");
    assert_eq!(stats.code, 2, "the commands refuse too: {}", stats.stderr);
    assert!(stats.stderr.contains("privacy.key_file is not set"), "{}", stats.stderr);

    let malformed = dir.path().join("malformed.key");
    std::fs::write(&malformed, "c2hvcnQ=\n").expect("written");
    let bad = serve(&mut configured(dir.path(), Some(&malformed), &[]));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let expected = format!("privacy.key_file ({}): holds 5 bytes", malformed.display());
    assert!(bad.stderr.contains(&expected), "{}", bad.stderr);
    let bad = serve(&mut configured(dir.path(), Some(&key), &[&malformed]));
    assert!(
        bad.stderr.contains("privacy.previous_key_files") && bad.stderr.contains("malformed.key"),
        "{}",
        bad.stderr
    );
    let absent = serve(&mut configured(dir.path(), Some(&dir.path().join("absent.key")), &[]));
    assert!(absent.code == 2 && absent.stderr.contains("absent.key): cannot be read"), "{}", absent.stderr);

    // With the right key among the previous ones, it starts.
    let server = start_as_configured(configured(dir.path(), Some(&other), &[&key]));
    assert!(server.startup.iter().any(|l| l.contains(&other_id)), "{:?}", server.startup);
    assert_eq!(server.terminate().0, 0);
}

#[test]
fn generate_key_writes_an_owner_only_file_and_never_replaces_one_unasked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let (file, id) = generate_key(dir.path(), "new.key");
    assert_eq!(std::fs::metadata(&file).expect("written").permissions().mode() & 0o777, 0o600);
    let key = helpdesk_ai::privacy::DataKey::parse(&std::fs::read_to_string(&file).expect("read")).expect("a key");
    assert_eq!(key.id(), id);
    let again = run(helpdesk(dir.path()).args(["privacy", "generate-key", "--output"]).arg(&file), "");
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("exists; pass --force"), "{}", again.stderr);
    assert_eq!(
        helpdesk_ai::privacy::DataKey::parse(&std::fs::read_to_string(&file).expect("read")).expect("key").id(),
        id
    );
    let forced = run(helpdesk(dir.path()).args(["privacy", "generate-key", "--force", "--output"]).arg(&file), "");
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(!forced.stdout.contains(&id));
    let printed = run(helpdesk(dir.path()).args(["privacy", "generate-key"]), "");
    assert_eq!(helpdesk_ai::privacy::DataKey::parse(&printed.stdout).expect("a key on stdout").id().len(), 16);
}

/// Reads every ticket of `expected` (id -> address) until told to stop, counting failures and wrong
/// answers, and triages a new ticket of `writer` now and then; returns the failures and the new ids.
async fn read_and_write_until(
    mut client: HelpdeskClient,
    expected: Vec<(String, String)>,
    writer: &'static str,
    stop: tokio::sync::watch::Receiver<bool>,
) -> (Vec<String>, Vec<String>) {
    let (mut failures, mut written) = (Vec::new(), Vec::new());
    let mut round = 0u32;
    while !*stop.borrow() {
        for (id, address) in &expected {
            match client.get_ticket(id).await {
                Ok(answer) => {
                    let t = answer.ticket.unwrap_or_default();
                    if &t.requester_email != address || t.metadata.get("phone").map(String::as_str) != Some(SECRETS[0])
                    {
                        failures.push(format!("{id}: read back {:?}", t.requester_email));
                    }
                }
                Err(e) => failures.push(format!("{id}: {e}")),
            }
        }
        let mut t = ticket(0, "Written during the rotation");
        t.requester_email = writer.into();
        match client.triage(t, TriageOptions::default()).await {
            Ok(answer) => written.push(answer.ticket.unwrap_or_default().ticket_id),
            Err(e) => failures.push(format!("write {round}: {e}")),
        }
        round += 1;
    }
    (failures, written)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_while_a_server_runs_keeps_every_ticket_readable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (old, old_id) = generate_key(dir.path(), "old.key");
    let (new, new_id) = generate_key(dir.path(), "new.key");
    let mut expected = Vec::new();
    // Tickets from before privacy was turned on (plain), then under the old key.
    for key in [None, Some(old.as_path())] {
        let server = start_as_configured(configured(dir.path(), key, &[]));
        let mut client = connect(&server).await;
        let tickets: Vec<proto::Ticket> = (0..30)
            .map(|n| {
                let mut t = ticket(0, &format!("Ticket {n}"));
                t.requester_email = format!("rotated{n}.{}@example.com", key.is_some());
                t
            })
            .collect();
        let batch = client.batch_triage(tickets.clone(), false).await.expect("stored");
        for (outcome, t) in batch.outcomes.iter().zip(&tickets) {
            expected.push((outcome.ticket_id.clone(), t.requester_email.clone()));
        }
        assert_eq!(server.terminate().0, 0);
    }

    // A key the servers do not hold yet is refused before anything is written.
    let refused =
        run(configured(dir.path(), Some(&old), &[]).args(["privacy", "rotate-key", "--new-key"]).arg(&new), "");
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("is not in the configuration") && refused.stderr.contains(&new_id),
        "{}",
        refused.stderr
    );

    // Step 2: the new key seals, the old one still opens; step 3: rotate-key while the server serves.
    let server = start_as_configured(configured(dir.path(), Some(&new), &[&old]));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let traffic =
        tokio::spawn(read_and_write_until(connect(&server).await, expected.clone(), "during@example.com", stopping));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut rotate = configured(dir.path(), Some(&new), &[&old]);
    rotate.args(["privacy", "rotate-key", "--batch-size", "7", "--new-key"]).arg(&new);
    let first = tokio::task::spawn_blocking(move || run(&mut rotate, "")).await.expect("joined");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send_replace(true);
    let (failures, written) = traffic.await.expect("joined");
    assert!(failures.is_empty(), "reads and writes failed during the rotation: {failures:?}");
    assert!(!written.is_empty());
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    assert!(first.stdout.contains("batch 1: 7 read"), "{}", first.stdout);
    assert!(first.stdout.contains(", 60 re-sealed;") || first.stdout.contains("re-sealed; 0 left"), "{}", first.stdout);
    assert!(first.stdout.contains("0 left under other keys"), "{}", first.stdout);
    assert!(first.stdout.contains("remove the other keys from privacy.previous_key_files"), "{}", first.stdout);
    let again =
        run(configured(dir.path(), Some(&new), &[&old]).args(["privacy", "rotate-key", "--new-key"]).arg(&new), "");
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains(" 0 re-sealed; 0 left"), "a second run only reads: {}", again.stdout);
    let mut client = connect(&server).await;
    let audit = |action: &str| ListAuditEntriesRequest { action: action.into(), ..Default::default() };
    let started = client.list_audit(audit("privacy.rotation_started")).await.expect("audit");
    let finished = client.list_audit(audit("privacy.rotation_finished")).await.expect("audit");
    assert_eq!((started.len(), finished.len()), (2, 2), "every run is audited");
    assert!(finished[1].details_json.contains("\"left\":0") && finished[1].details_json.contains(&new_id));
    assert!(!started[0].details_json.contains(std::fs::read_to_string(&new).expect("key").trim()));
    assert_eq!(server.terminate().0, 0);

    // Step 4: the old key is dropped; every ticket reads back, and the old key alone no longer can.
    let server = start_as_configured(configured(dir.path(), Some(&new), &[]));
    let mut client = connect(&server).await;
    for (id, address) in &expected {
        let t = client.get_ticket(id).await.expect("readable").ticket.expect("ticket");
        assert_eq!(&t.requester_email, address);
    }
    for id in &written {
        assert_eq!(
            client.get_ticket(id).await.expect("readable").ticket.expect("ticket").requester_email,
            "during@example.com"
        );
    }
    let filter = ListTicketsRequest { requester_email: "Rotated7.false@example.com".into(), ..Default::default() };
    assert_eq!(client.list_tickets(filter).await.expect("listed").len(), 1, "a plain ticket, re-sealed, is found");
    let filter = ListTicketsRequest { requester_email: "during@example.com".into(), ..Default::default() };
    assert_eq!(client.list_tickets(filter).await.expect("listed").len(), written.len());
    assert_eq!(server.terminate().0, 0);
    let stale = run(configured(dir.path(), Some(&old), &[]).args(["serve", "--listen", "127.0.0.1:0"]), "");
    assert_eq!(stale.code, 2);
    assert!(stale.stderr.contains(&new_id) && !stale.stderr.contains(&format!("key id {old_id},")), "{}", stale.stderr);
}

/// `pg_dump`, from PostgreSQL 15's folder (where CI installs it) or the PATH.
fn pg_dump() -> PathBuf {
    let installed = Path::new("/usr/lib/postgresql/15/bin/pg_dump");
    if installed.is_file() {
        return installed.to_path_buf();
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("pg_dump")).find(|p| p.is_file()));
    on_path.unwrap_or_else(|| {
        panic!("pg_dump is neither in /usr/lib/postgresql/15/bin nor on PATH: install postgresql-15 (CI does)")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set HELPDESK_TEST_DATABASE_URL and run with --ignored (CI does)"]
async fn a_sealed_postgres_database_dumps_without_any_test_address() {
    let crate::support::Backend::Postgres(url) = crate::support::Backend::postgres().await else {
        unreachable!("a PostgreSQL backend")
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (key, _) = generate_key(dir.path(), "privacy.key");
    let mut command = configured(dir.path(), Some(&key), &[]);
    command.env("HELPDESK_STORE_TYPE", "postgres").env("HELPDESK_DATABASE_URL", &url);
    let server = start_as_configured(command);
    let mut client = connect(&server).await;
    let ids = store_every_way(&mut client).await;
    let filter = ListTicketsRequest { requester_email: ADDRESSES[0].into(), ..Default::default() };
    assert_eq!(client.list_tickets(filter).await.expect("listed")[0].ticket_id, ids[0]);
    let dump = Command::new(pg_dump())
        .args(["--format=plain", "--no-owner", "--dbname", &url])
        .output()
        .expect("pg_dump runs");
    assert!(dump.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&dump.stderr));
    assert!(contains(&dump.stdout, "CREATE TABLE public.tickets"), "a dump of the helpdesk's database");
    assert_sealed(&[("the pg_dump of the database".into(), dump.stdout)]);
    assert_eq!(server.terminate().0, 0);
}
