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
use helpdesk_ai::proto::{self, ListTicketsRequest};
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

async fn client(server: &Server) -> HelpdeskClient {
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
    let mut client = client(&server).await;
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
    store_every_way(&mut client(&server).await).await;
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
