//! The signed audit chain over a real socket: with `audit.signing_key_file`, VerifyAuditChain catches
//! a chain rewritten and re-hashed, truncated or re-anchored behind the service's back (naming the
//! first entry no signature covers), exports carry the signatures and end with an export signature,
//! a purge leaves a signed anchor, entries from before signing are counted, and a bad key file stops
//! the start.

use std::path::Path;

use crate::support::{Backend, TestApp, spawn_with, ticket, triage};
use helpdesk_ai::{
    app::Application,
    audit_keys::write_new_signing_key,
    config::{Settings, StoreType},
    domain::AuditEntry,
    proto::{
        ChainSignatureKind, ExportAuditEntriesRequest, ListAuditEntriesRequest, PurgeAuditEntriesRequest,
        VerifyAuditChainRequest, VerifyAuditChainResponse,
    },
};
use prost_types::Timestamp;
use sea_orm::ConnectionTrait;
use tokio_stream::StreamExt;

/// Settings on `backend` whose audit chain is signed with a new key in `dir`; SQLite is a file there,
/// so the test can change it behind the service.
fn signed_settings(backend: &Backend, dir: &Path) -> Settings {
    let key = dir.join("audit-signing.pem");
    if !key.exists() {
        write_new_signing_key("--output", &key, false).expect("key written");
    }
    let mut settings = unsigned_settings(backend, dir);
    settings.audit.signing_key_file = Some(key);
    settings
}

fn unsigned_settings(backend: &Backend, dir: &Path) -> Settings {
    match backend {
        Backend::Sqlite => Settings { store_type: StoreType::File, store_path: dir.join("data"), ..backend.settings() },
        Backend::Postgres(_) => backend.settings(),
    }
}

/// Runs `statements` on the server's database directly, as someone with write access to it would.
async fn behind_the_service(settings: &Settings, statements: &[String]) {
    let url = match settings.store_type {
        StoreType::Postgres => settings.database_url.clone().expect("a URL"),
        _ => format!("sqlite://{}?mode=rw", settings.sqlite_file().display()),
    };
    let db = sea_orm::Database::connect(url).await.expect("the database opens");
    for statement in statements {
        db.execute_unprepared(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    db.close().await.expect("closed");
}

async fn triage_n(app: &mut TestApp, n: usize) {
    for i in 0..n {
        triage(app, ticket(&format!("Printer {i} is jammed"), "It shows error 12")).await;
    }
}

async fn verify(app: &mut TestApp, strict: bool) -> VerifyAuditChainResponse {
    app.audit.verify_audit_chain(VerifyAuditChainRequest { strict }).await.expect("verify").into_inner()
}

async fn entries(app: &TestApp) -> Vec<AuditEntry> {
    app.store.audit_after(0, 1000).await.expect("entries")
}

/// Entry `from` gets another actor; it and every later entry are re-hashed and the head follows.
fn rewrite_and_rehash(entries: &[AuditEntry], from: i64) -> Vec<String> {
    let mut statements = Vec::new();
    let mut prev = entries.iter().find(|e| e.sequence == from).expect("the entry").prev_hash.clone();
    for entry in entries.iter().filter(|e| e.sequence >= from) {
        let mut record = entry.record.clone();
        if entry.sequence == from {
            record.actor = "mallory".into();
        }
        let hash = record.chain_hash(entry.sequence, &prev);
        statements.push(format!(
            "UPDATE audit_entries SET actor = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE sequence = {}",
            record.actor, entry.sequence
        ));
        prev = hash;
    }
    let last = entries.last().expect("entries").sequence;
    statements.push(format!("UPDATE audit_chain SET last_sequence = {last}, last_hash = '{prev}' WHERE id = 1"));
    statements
}

async fn an_intact_signed_chain_verifies_exports_its_signatures_and_survives_a_purge(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = signed_settings(&backend, dir.path());
    let mut app = spawn_with(settings, None).await;
    triage_n(&mut app, 4).await;
    let report = verify(&mut app, true).await;
    assert!(report.valid, "{}", report.reason);
    assert_eq!((report.entries_checked, report.signatures_required, report.signatures_checked), (4, true, 4));
    assert_eq!(report.unsigned_entries, 0);
    // The verification is an audit entry of its own, with its outcome and what it checked.
    let listed = app
        .audit
        .list_audit_entries(ListAuditEntriesRequest { action: "audit.verified".into(), ..Default::default() })
        .await
        .expect("list")
        .into_inner()
        .entries;
    let details: serde_json::Value = serde_json::from_str(&listed[0].details_json).expect("JSON details");
    let checked = [&details["valid"], &details["strict"], &details["entries_checked"], &details["signatures_checked"]];
    assert_eq!(serde_json::json!(checked), serde_json::json!([true, true, 4, 4]), "{details}");

    let cutoff = Some(Timestamp { seconds: chrono::Utc::now().timestamp() + 1, nanos: 0 });
    let mut export = app
        .audit
        .export_audit_entries(ExportAuditEntriesRequest { before: cutoff })
        .await
        .expect("export")
        .into_inner();
    let mut items = Vec::new();
    while let Some(item) = export.next().await {
        let item = item.expect("an item");
        items.push(match (item.entry, item.signature) {
            (Some(entry), None) => format!("entry {}", entry.sequence),
            (None, Some(s)) => format!("{:?} signature {} from {}", s.kind(), s.sequence, s.first_sequence),
            other => panic!("an item carries one thing: {other:?}"),
        });
    }
    let kinds = [ChainSignatureKind::Commit, ChainSignatureKind::Export].map(|k| format!("{k:?}"));
    // Four triages and the audit.verified entry of the verification above, each signed as it committed.
    let expected: Vec<String> = (1..=5)
        .flat_map(|s| [format!("entry {s}"), format!("{} signature {s} from {s}", kinds[0])])
        .chain([format!("{} signature 5 from 1", kinds[1])])
        .collect();
    assert_eq!(items, expected);

    let purged = app
        .audit
        .purge_audit_entries(PurgeAuditEntriesRequest { before: cutoff, force: false })
        .await
        .expect("purged")
        .into_inner();
    assert_eq!(purged.purged_count, 5);
    let report = verify(&mut app, true).await;
    assert!(report.valid, "{}", report.reason);
    // audit.exported (6) and audit.purged (7) remain, each signed; the purge's signature names the new
    // anchor, and so does that of the audit.verified entry (8) the verification just recorded.
    assert_eq!((report.entries_checked, report.signatures_checked), (2, 2));
    let left = app.store.audit_signatures_between(0, 100).await.expect("signatures");
    let tail: Vec<(i64, i64)> = left.iter().rev().take(2).map(|s| (s.head.sequence, s.head.anchor_sequence)).collect();
    assert_eq!(tail, [(8, 5), (7, 5)]);
    app.shutdown().await;
}

async fn a_rewritten_and_rehashed_chain_is_named_at_the_rewritten_entry(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = signed_settings(&backend, dir.path());
    let mut app = spawn_with(settings.clone(), None).await;
    triage_n(&mut app, 5).await;
    behind_the_service(&settings, &rewrite_and_rehash(&entries(&app).await, 3)).await;
    let report = verify(&mut app, false).await;
    assert!(!report.valid);
    assert_eq!(report.first_broken_sequence, 3);
    assert!(report.reason.starts_with("the chain was rewritten: the signature of entry 3"), "{}", report.reason);
    assert!(report.reason.ends_with("so entry 3 is covered by no valid signature"), "{}", report.reason);
    // Every hash and link holds: without the signatures nothing would show.
    let mut unsigned = spawn_with(unsigned_settings(&backend, dir.path()), None).await;
    assert!(verify(&mut unsigned, false).await.valid);
    unsigned.shutdown().await;
    app.shutdown().await;
}

async fn a_truncated_chain_names_the_first_removed_entry(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = signed_settings(&backend, dir.path());
    let mut app = spawn_with(settings.clone(), None).await;
    triage_n(&mut app, 6).await;
    let fourth = entries(&app).await.into_iter().find(|e| e.sequence == 4).expect("entry 4");
    behind_the_service(
        &settings,
        &[
            "DELETE FROM audit_entries WHERE sequence > 4".to_owned(),
            format!("UPDATE audit_chain SET last_sequence = 4, last_hash = '{}' WHERE id = 1", fourth.hash),
        ],
    )
    .await;
    let report = verify(&mut app, false).await;
    assert!(!report.valid);
    assert_eq!(report.first_broken_sequence, 5);
    assert!(report.reason.starts_with("the chain was truncated: it ends at entry 4, but entry 6 was signed"));
    assert!(report.reason.ends_with("so entries 5 to 6 were removed"), "{}", report.reason);
    app.shutdown().await;
}

async fn a_moved_anchor_names_the_entries_removed_without_a_signed_purge(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = signed_settings(&backend, dir.path());
    let mut app = spawn_with(settings.clone(), None).await;
    triage_n(&mut app, 5).await;
    let second = entries(&app).await.into_iter().find(|e| e.sequence == 2).expect("entry 2");
    behind_the_service(
        &settings,
        &[
            "DELETE FROM audit_entries WHERE sequence <= 2".to_owned(),
            "DELETE FROM audit_signatures WHERE sequence <= 2".to_owned(),
            format!("UPDATE audit_chain SET anchor_sequence = 2, anchor_hash = '{}' WHERE id = 1", second.hash),
        ],
    )
    .await;
    let report = verify(&mut app, false).await;
    assert!(!report.valid);
    assert_eq!(report.first_broken_sequence, 1);
    assert!(report.reason.starts_with("the chain was re-anchored: it starts after entry 2"), "{}", report.reason);
    assert!(report.reason.ends_with("so entries 1 to 2 were removed without a signed purge"), "{}", report.reason);
    app.shutdown().await;
}

async fn entries_from_before_signing_are_unsigned_and_broken_only_when_strict(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut before = spawn_with(unsigned_settings(&backend, dir.path()), None).await;
    triage_n(&mut before, 2).await;
    before.shutdown().await;
    let mut app = spawn_with(signed_settings(&backend, dir.path()), None).await;
    let report = verify(&mut app, false).await;
    assert!(report.valid, "{}", report.reason);
    assert_eq!((report.signatures_checked, report.unsigned_entries), (0, 2));
    triage_n(&mut app, 1).await;
    let report = verify(&mut app, false).await;
    assert!(report.valid, "{}", report.reason);
    // The first verification's audit.verified entry (3) and the triage (4) are signed; 1 and 2 are not.
    assert_eq!((report.entries_checked, report.signatures_checked, report.unsigned_entries), (4, 2, 2));
    let strict = verify(&mut app, true).await;
    assert!(!strict.valid);
    assert_eq!(strict.first_broken_sequence, 1);
    assert!(strict.reason.starts_with("entries 1 to 2 written before signing was turned on"), "{}", strict.reason);
    app.shutdown().await;
}

#[tokio::test]
async fn a_missing_or_malformed_signing_key_stops_the_start_naming_the_setting_and_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nowhere.pem");
    let mut settings = crate::support::settings();
    settings.audit.signing_key_file = Some(missing.clone());
    let err = Application::build(settings.clone()).await.err().expect("refused");
    let text = err.to_string();
    assert!(text.starts_with(&format!("audit.signing_key_file: {}: cannot read it", missing.display())), "{text}");

    let public = dir.path().join("public.pem");
    let signer = write_new_signing_key("--output", &dir.path().join("key.pem"), false).expect("key");
    std::fs::write(&public, signer.public_pem().expect("pem")).expect("written");
    settings.audit.signing_key_file = Some(public.clone());
    let text = Application::build(settings.clone()).await.err().expect("refused").to_string();
    assert!(text.starts_with(&format!("audit.signing_key_file: {}: is not an Ed25519 private key", public.display())));
    assert!(!text.contains("MCowBQYDK2Vw"), "no key material in the message: {text}");

    settings.audit.signing_key_file = Some(dir.path().join("key.pem"));
    settings.audit.previous_public_key_files = vec![dir.path().join("key.pem")];
    let text = Application::build(settings).await.err().expect("refused").to_string();
    assert!(text.starts_with("audit.previous_public_key_files: "), "{text}");
    assert!(text.contains("is not an Ed25519 public key"), "{text}");
}

on_every_backend!(
    an_intact_signed_chain_verifies_exports_its_signatures_and_survives_a_purge,
    a_rewritten_and_rehashed_chain_is_named_at_the_rewritten_entry,
    a_truncated_chain_names_the_first_removed_entry,
    a_moved_anchor_names_the_entries_removed_without_a_signed_purge,
    entries_from_before_signing_are_unsigned_and_broken_only_when_strict,
);
