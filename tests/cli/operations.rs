//! The maintenance subcommands through the built binary: `stats`, `purge --older-than`, and `audit
//! export` / `audit purge` / `audit verify`, on a SQLite file and (when `HELPDESK_TEST_DATABASE_URL` is
//! set) on a fresh PostgreSQL database.

use std::path::Path;

use crate::support::Backend;
use crate::support::{fixture, helpdesk, run};

/// A test's folder and the store its commands use: a SQLite file in the folder, or a PostgreSQL database.
struct Stocked {
    dir: tempfile::TempDir,
    database_url: Option<String>,
}

impl Stocked {
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn on_store(store: &Stocked) -> std::process::Command {
    let mut command = helpdesk(store.path());
    match &store.database_url {
        Some(url) => command.env("HELPDESK_STORE_TYPE", "postgres").env("HELPDESK_DATABASE_URL", url),
        None => command.env("HELPDESK_STORE_TYPE", "file").env("HELPDESK_STORE_PATH", store.path().join("store")),
    };
    command
}

/// A store on `backend` holding the five fixture tickets, each triaged with its audit entry.
fn stocked(backend: Backend) -> Stocked {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres(url) => Some(url),
    };
    let store = Stocked { dir, database_url };
    let migrated = run(on_store(&store).arg("migrate"), "");
    assert_eq!(migrated.code, 0, "{}", migrated.stderr);
    let triage = run(on_store(&store).args(["triage", "--store"]).arg(fixture("tickets.json")).arg("-"), "");
    assert_eq!(triage.code, 0, "{}", triage.stderr);
    store
}

/// A fresh PostgreSQL database on the test server.
fn postgres() -> Backend {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(Backend::postgres())
}

/// Runs each listed `fn(Backend)` on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::Backend::Sqlite) } )*
        }
        mod postgres {
            $(
                #[test]
                #[ignore = "needs PostgreSQL: set HELPDESK_TEST_DATABASE_URL and run with --ignored (CI does)"]
                fn $name() { super::$name(super::postgres()) }
            )*
        }
    };
}

fn stats_prints_every_breakdown_as_a_table_and_as_json(backend: Backend) {
    let dir = stocked(backend);
    let table = run(on_store(&dir).arg("stats"), "");
    assert_eq!(table.code, 0, "{}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("GROUP") && lines[1].starts_with("total") && lines[1].ends_with(" 5"), "{lines:?}");
    for group in ["status", "category", "priority", "queue"] {
        assert!(lines.iter().any(|l| l.starts_with(&format!("{group} "))), "no {group} rows: {}", table.stdout);
    }
    let json = run(on_store(&dir).args(["stats", "--json"]), "").json();
    assert_eq!(json["total"], 5);
    for group in ["by_status", "by_category", "by_priority", "by_queue"] {
        let sum: u64 = json[group].as_object().expect(group).values().filter_map(|v| v.as_u64()).sum();
        assert_eq!(sum, 5, "{group}: {}", json[group]);
    }
}

fn purge_counts_on_a_dry_run_then_removes_old_tickets(backend: Backend) {
    let dir = stocked(backend);
    let none = run(on_store(&dir).args(["purge", "--older-than", "2000-01-01"]), "");
    assert_eq!(none.code, 0, "{}", none.stderr);
    assert!(none.stdout.starts_with("purged 0 ticket(s) created before 2000-01-01T00:00:00Z"), "{}", none.stdout);
    // One fixture ticket was created on 2025-06-01; the other four now.
    let old = run(on_store(&dir).args(["purge", "--older-than", "90d", "--dry-run"]), "");
    assert!(old.stdout.starts_with("1 ticket(s)"), "{}", old.stdout);
    let dry = run(on_store(&dir).args(["purge", "--older-than", "2099-01-01", "--dry-run"]), "");
    assert!(dry.stdout.starts_with("5 ticket(s) created before") && dry.stdout.contains("dry run"), "{}", dry.stdout);
    assert_eq!(run(on_store(&dir).args(["stats", "--json"]), "").json()["total"], 5);

    let first = run(on_store(&dir).args(["purge", "--older-than", "90d"]), "");
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.starts_with("purged 1 ticket(s)"), "{}", first.stdout);
    assert_eq!(run(on_store(&dir).args(["stats", "--json"]), "").json()["total"], 4);
    let done = run(on_store(&dir).args(["purge", "--older-than", "2099-01-01"]), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(done.stdout.starts_with("purged 4 ticket(s)"), "{}", done.stdout);
    assert_eq!(run(on_store(&dir).args(["stats", "--json"]), "").json()["total"], 0);
    let export = run(on_store(&dir).args(["audit", "export"]), "");
    let last = export.stdout.lines().last().map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"));
    let last = last.expect("an entry");
    assert_eq!(last["record"]["action"], "tickets.purged");
    assert_eq!(last["record"]["actor"], "cli");

    let bad = run(on_store(&dir).args(["purge", "--older-than", "yesterday"]), "");
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--older-than: \"yesterday\" is neither an age"), "{}", bad.stderr);
    let missing = run(on_store(&dir).arg("purge"), "");
    assert_eq!(missing.code, 2, "--older-than is required");
}

fn audit_purge_needs_an_export_and_the_chain_still_verifies(backend: Backend) {
    let dir = stocked(backend);
    let cutoff = "2099-01-01";
    let refused = run(on_store(&dir).args(["audit", "purge", "--before", cutoff]), "");
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("audit purge refused") && refused.stderr.contains("export them first"),
        "{}",
        refused.stderr
    );

    let export = run(on_store(&dir).args(["audit", "export", "--before", cutoff]), "");
    assert_eq!(export.code, 0, "{}", export.stderr);
    let entries: Vec<serde_json::Value> =
        export.stdout.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    let sequences: Vec<i64> = entries.iter().filter_map(|e| e["sequence"].as_i64()).collect();
    assert_eq!(sequences, [1, 2, 3, 4, 5]);
    assert!(entries.iter().all(|e| e["record"]["action"] == "ticket.triaged" && e["hash"].is_string()));
    assert!(export.stderr.contains("exported 5 audit entries (up to sequence 5)"), "{}", export.stderr);

    let purged = run(on_store(&dir).args(["audit", "purge", "--before", cutoff]), "");
    assert_eq!(purged.code, 0, "{}", purged.stderr);
    assert!(
        purged.stdout.starts_with("purged 5 audit entries written before 2099-01-01T00:00:00Z"),
        "{}",
        purged.stdout
    );
    let verify = run(on_store(&dir).args(["audit", "verify"]), "");
    assert_eq!((verify.code, verify.stdout.trim()), (0, "audit chain valid: 2 entries checked"), "{}", verify.stderr);

    // The rest (audit.exported, audit.purged) to a file, then a forced purge without a new export.
    let file = dir.path().join("rest.jsonl");
    let to_file = run(on_store(&dir).args(["audit", "export", "--output"]).arg(&file), "");
    assert_eq!(to_file.code, 0, "{}", to_file.stderr);
    let actions: Vec<String> = std::fs::read_to_string(&file)
        .expect("written")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON")["record"]["action"].to_string())
        .collect();
    assert_eq!(actions, ["\"audit.exported\"", "\"audit.purged\""]);
    let forced = run(on_store(&dir).args(["audit", "purge", "--force", "--before", "2099-01-01T00:00:00Z"]), "");
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(forced.stdout.contains("(forced)"), "{}", forced.stdout);
    let verify = run(on_store(&dir).args(["audit", "verify"]), "");
    assert_eq!(verify.code, 0, "{}", verify.stdout);
}

#[tokio::test]
async fn audit_verify_names_the_first_broken_entry() {
    use sea_orm::ConnectionTrait;

    let dir = tokio::task::spawn_blocking(|| stocked(Backend::Sqlite)).await.expect("stocked");
    let database = dir.path().join("store/helpdesk.db");
    let db = sea_orm::Database::connect(format!("sqlite://{}", database.display())).await.expect("opened");
    db.execute_unprepared("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 3").await.expect("tampered");
    db.close().await.expect("closed");
    let verify = run(on_store(&dir).args(["audit", "verify"]), "");
    assert_eq!(verify.code, 1, "{}", verify.stderr);
    assert!(verify.stdout.starts_with("audit chain BROKEN at entry 3: entry 3 was altered"), "{}", verify.stdout);

    // A backup of a store whose chain is broken is refused before anything is written.
    let backup = run(on_store(&dir).arg("backup").arg(dir.path().join("b.db")), "");
    assert_eq!(backup.code, 1, "{}", backup.stdout);
    assert!(backup.stderr.contains("audit chain is broken at entry 3"), "{}", backup.stderr);
    assert!(!dir.path().join("b.db").exists());
}

on_both_backends!(
    stats_prints_every_breakdown_as_a_table_and_as_json,
    purge_counts_on_a_dry_run_then_removes_old_tickets,
    audit_purge_needs_an_export_and_the_chain_still_verifies
);
