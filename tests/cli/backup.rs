//! `helpdesk backup` and `helpdesk restore` through the built binary: a snapshot taken while a client
//! keeps triaging through a running server holds every ticket acknowledged before it began, restores
//! into a fresh store whose audit chain verifies, and that store serves; bad files are refused.

use std::{
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use crate::support::{
    helpdesk, run,
    server::{Server, start_with},
};
use helpdesk_ai::proto;

fn serve_on(dir: &Path, store: &Path) -> Server {
    let mut command = helpdesk(dir);
    command.env("HELPDESK_STORE_PATH", store);
    start_with(command)
}

fn on_store(dir: &Path, store: &Path) -> std::process::Command {
    let mut command = helpdesk(dir);
    command.env("HELPDESK_STORE_TYPE", "file").env("HELPDESK_STORE_PATH", store);
    command
}

async fn clients(server: &Server) -> helpdesk_client::HelpdeskClient {
    helpdesk_client::HelpdeskClient::connect_within(&server.addr, Duration::from_secs(5)).await.expect("connected")
}

fn ticket_request(n: u32) -> proto::TriageTicketRequest {
    let ticket = proto::Ticket {
        title: format!("VPN down on floor {n}"),
        description: format!("The VPN drops every few minutes for the team on floor {n}."),
        requester_email: "ana@example.com".into(),
        ..Default::default()
    };
    proto::TriageTicketRequest { ticket: Some(ticket), request_id: format!("load-{n}"), ..Default::default() }
}

/// Triages tickets one after another until `stop`; every acknowledged ticket id goes into `acked`.
async fn write_load(
    mut clients: helpdesk_client::HelpdeskClient,
    acked: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
) {
    let mut n = 0u32;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let answer = clients.triage_service.triage_ticket(ticket_request(n)).await.expect("triaged").into_inner();
        let id = answer.ticket.map(|t| t.ticket_id).expect("the stored ticket");
        acked.lock().expect("lock").push(id);
    }
}

async fn wait_for_count(acked: &Mutex<Vec<String>>, at_least: usize) {
    for _ in 0..600 {
        if acked.lock().expect("lock").len() >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {at_least} tickets acknowledged within 6 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_acknowledged_ticket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (live, restored, backup) = (dir.path().join("live"), dir.path().join("restored"), dir.path().join("b.db"));
    let server = serve_on(dir.path(), &live);
    let (acked, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
    let writer = tokio::spawn(write_load(clients(&server).await, acked.clone(), stop.clone()));

    wait_for_count(&acked, 20).await;
    let before: Vec<String> = acked.lock().expect("lock").clone();
    let mut command = on_store(dir.path(), &live);
    command.arg("backup").arg(&backup);
    let done = tokio::task::spawn_blocking(move || run(&mut command, "")).await.expect("joined");
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(done.stdout.contains("backup written to") && done.stdout.contains("(chain verified)"), "{}", done.stdout);
    let in_backup: usize = done
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("tickets:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("the ticket count");
    assert!(in_backup >= before.len(), "{in_backup} tickets in the backup, {} acknowledged before it", before.len());
    wait_for_count(&acked, before.len() + 20).await; // the server kept taking writes
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("the writer finished");

    // While a server uses a store, restoring over it is refused.
    let busy = run(on_store(dir.path(), &live).args(["restore", "--force"]).arg(&backup), "");
    assert_eq!(busy.code, 2, "{}", busy.stdout);
    assert!(busy.stderr.contains("a server is using the store"), "{}", busy.stderr);
    let (code, _) = server.terminate();
    assert_eq!(code, 0);

    let restore = run(on_store(dir.path(), &restored).arg("restore").arg(&backup), "");
    assert_eq!(restore.code, 0, "{}", restore.stderr);
    assert!(restore.stdout.contains("restored"), "{}", restore.stdout);
    let verify = run(on_store(dir.path(), &restored).args(["audit", "verify"]), "");
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.starts_with("audit chain valid"), "{}", verify.stdout);

    // The restored store serves, with every ticket acknowledged before the backup began.
    let server = serve_on(dir.path(), &restored);
    let mut client = clients(&server).await;
    for id in &before {
        let request = proto::GetTicketRequest { ticket_id: id.clone() };
        let found = client.ticket_service.get_ticket(request).await;
        assert!(found.is_ok(), "ticket {id} acknowledged before the backup is missing: {found:?}");
    }
    let more =
        client.triage_service.triage_ticket(ticket_request(1_000_000)).await.expect("the restored store takes writes");
    assert!(more.into_inner().ticket.is_some());
    let (code, _) = server.terminate();
    assert_eq!(code, 0);
}

#[test]
fn restore_refuses_bad_files_and_leaves_the_store_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    assert_eq!(run(on_store(dir.path(), &store).arg("migrate"), "").code, 0);
    let triage = run(
        on_store(dir.path(), &store).args(["triage", "--store"]).arg(crate::support::fixture("tickets.json")).arg("-"),
        "",
    );
    assert_eq!(triage.code, 0, "{}", triage.stderr);
    let backup = dir.path().join("good.db");
    let done = run(on_store(dir.path(), &store).arg("backup").arg(&backup), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    let again = run(on_store(dir.path(), &store).arg("backup").arg(&backup), "");
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("exists; pass --force"), "{}", again.stderr);

    let good = std::fs::read(&backup).expect("read");
    let truncated = dir.path().join("truncated.db");
    std::fs::write(&truncated, &good[..good.len() / 3]).expect("write");
    let noise = dir.path().join("noise.db");
    std::fs::write(&noise, (0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<_>>())
        .expect("write");
    let database = store.join("helpdesk.db");
    let original = std::fs::read(&database).expect("read");
    for bad in [&truncated, &noise] {
        let refused = run(on_store(dir.path(), &store).args(["restore", "--force"]).arg(bad), "");
        assert_eq!(refused.code, 1, "{}", refused.stdout);
        assert!(
            refused.stderr.contains("cannot be restored") && refused.stderr.contains("not changed"),
            "{}",
            refused.stderr
        );
        assert_eq!(std::fs::read(&database).expect("read"), original, "the store changed");
    }
    let leftovers: Vec<_> =
        std::fs::read_dir(&store).expect("list").filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert!(leftovers.iter().all(|n| !n.to_string_lossy().contains(".tmp")), "{leftovers:?}");

    let refused = run(on_store(dir.path(), &store).arg("restore").arg(&backup), "");
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("holds 5 ticket(s)") && refused.stderr.contains("--force"), "{}", refused.stderr);
    let memory = run(helpdesk(dir.path()).arg("restore").arg(&backup), "");
    assert_eq!(memory.code, 2);
    assert!(memory.stderr.contains("memory"), "{}", memory.stderr);
    let postgres = run(
        helpdesk(dir.path())
            .env("HELPDESK_STORE_TYPE", "postgres")
            .env("HELPDESK_DATABASE_URL", "postgres://db/helpdesk")
            .arg("backup")
            .arg(dir.path().join("pg.db")),
        "",
    );
    assert_eq!(postgres.code, 2);
    assert!(postgres.stderr.contains("pg_dump"), "{}", postgres.stderr);
}
