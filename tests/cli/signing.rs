//! The signed audit chain through the built binary: `helpdesk audit generate-key` and `public-key`, a
//! signed store's export verified offline with only the public key (and each attack on the archive
//! named: rewritten and re-hashed, cut short, first entries removed), a bad key file stopping `serve`,
//! and the files the commands write (store, backup, export, key) readable by their owner only.

use std::{os::unix::fs::PermissionsExt, path::Path};

use crate::support::{fixture, helpdesk, run};
use helpdesk_ai::domain::{ArchiveLine, AuditEntry};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

/// `helpdesk` on the file store `dir/store`, signing with `dir/audit.pem`.
fn signed(dir: &Path) -> std::process::Command {
    let mut command = helpdesk(dir);
    command
        .env("HELPDESK_STORE_TYPE", "file")
        .env("HELPDESK_STORE_PATH", dir.join("store"))
        .env("HELPDESK_AUDIT_SIGNING_KEY_FILE", dir.join("audit.pem"));
    command
}

/// A folder with a signing key (`audit.pem`, public key `audit.pub`) and a signed file store holding
/// the five fixture tickets.
fn signed_store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = run(helpdesk(dir.path()).args(["audit", "generate-key", "--output", "audit.pem"]), "");
    assert_eq!(key.code, 0, "{}", key.stderr);
    std::fs::write(dir.path().join("audit.pub"), &key.stdout).expect("public key written");
    let migrated = run(signed(dir.path()).arg("migrate"), "");
    assert_eq!(migrated.code, 0, "{}", migrated.stderr);
    let triage = run(signed(dir.path()).args(["triage", "--store"]).arg(fixture("tickets.json")).arg("-"), "");
    assert_eq!(triage.code, 0, "{}", triage.stderr);
    dir
}

fn verify_archive(dir: &Path, lines: &[String]) -> crate::support::Run {
    let file = dir.join("tampered.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").expect("written");
    run(helpdesk(dir).args(["audit", "verify", "--archive"]).arg(&file).args(["--public-key", "audit.pub"]), "")
}

#[test]
fn generate_key_writes_a_private_key_and_prints_its_public_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let made = run(helpdesk(dir.path()).args(["audit", "generate-key", "--output", "keys/audit.pem"]), "");
    assert_eq!(made.code, 2, "the folder must exist: {}", made.stderr);
    let made = run(helpdesk(dir.path()).args(["audit", "generate-key", "--output", "audit.pem"]), "");
    assert_eq!(made.code, 0, "{}", made.stderr);
    assert!(made.stdout.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{}", made.stdout);
    assert!(made.stderr.contains("wrote a new audit signing key to audit.pem"), "{}", made.stderr);
    let key = dir.path().join("audit.pem");
    assert_eq!(mode(&key), 0o600);
    assert!(std::fs::read_to_string(&key).expect("read").starts_with("-----BEGIN PRIVATE KEY-----\n"));

    let again = run(helpdesk(dir.path()).args(["audit", "generate-key", "--output", "audit.pem"]), "");
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("audit.pem: exists; pass --force to replace it"), "{}", again.stderr);
    let derived = run(helpdesk(dir.path()).args(["audit", "public-key", "--key", "audit.pem"]), "");
    assert_eq!((derived.code, &derived.stdout), (0, &made.stdout), "{}", derived.stderr);
    let configured =
        run(helpdesk(dir.path()).env("HELPDESK_AUDIT_SIGNING_KEY_FILE", &key).args(["audit", "public-key"]), "");
    assert_eq!(configured.stdout, made.stdout);
    let forced = run(helpdesk(dir.path()).args(["audit", "generate-key", "--force", "--output", "audit.pem"]), "");
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_ne!(forced.stdout, made.stdout, "a new key");
    assert_eq!(mode(&key), 0o600);
}

#[test]
fn a_signed_export_verifies_offline_and_each_attack_on_it_is_named() {
    let dir = signed_store();
    let store = run(signed(dir.path()).args(["audit", "verify", "--strict"]), "");
    assert_eq!(
        (store.code, store.stdout.trim()),
        (0, "audit chain valid: 5 entries checked, 1 signatures verified"),
        "{}",
        store.stderr
    );
    let export = run(signed(dir.path()).args(["audit", "export", "--output", "audit.jsonl"]), "");
    assert_eq!(export.code, 0, "{}", export.stderr);
    let archive = dir.path().join("audit.jsonl");
    assert_eq!(mode(&archive), 0o600);
    let lines: Vec<String> = std::fs::read_to_string(&archive).expect("read").lines().map(str::to_owned).collect();
    // Five entries (one commit: `triage --store` writes them together), its signature, the export's.
    assert_eq!(lines.len(), 7, "{lines:?}");
    assert!(lines[5].starts_with(r#"{"signature":{"kind":"commit","sequence":5,"#), "{}", lines[5]);
    assert!(lines[6].starts_with(r#"{"signature":{"kind":"export","sequence":5,"#), "{}", lines[6]);

    let intact = verify_archive(dir.path(), &lines);
    assert_eq!(
        (intact.code, intact.stdout.trim()),
        (0, "audit archive valid: 5 entries checked, 2 signatures verified"),
        "{}",
        intact.stderr
    );

    // Rewritten and re-hashed from entry 2: every hash and link holds, the signatures do not.
    let mut entries: Vec<AuditEntry> = lines[..5].iter().map(|l| serde_json::from_str(l).expect("an entry")).collect();
    entries[1].record.actor = "mallory".into();
    for i in 1..entries.len() {
        entries[i].prev_hash = entries[i - 1].hash.clone();
        entries[i].hash = entries[i].record.chain_hash(entries[i].sequence, &entries[i].prev_hash);
    }
    let mut rewritten: Vec<String> = entries.iter().map(|e| serde_json::to_string(e).expect("JSON")).collect();
    rewritten.extend(lines[5..].iter().cloned());
    let report = verify_archive(dir.path(), &rewritten);
    assert_eq!(report.code, 1, "{}", report.stdout);
    assert!(
        report.stdout.starts_with("audit archive BROKEN at entry 1: the chain was rewritten: the signature of entry 5"),
        "{}",
        report.stdout
    );
    let hashes_only = run(helpdesk(dir.path()).args(["audit", "verify", "--archive", "tampered.jsonl"]), "");
    assert_eq!(hashes_only.code, 0, "without the key the rewrite passes: {}", hashes_only.stdout);
    assert!(hashes_only.stdout.contains("hashes only: no public key given"), "{}", hashes_only.stdout);

    // Cut short: the last two entries and the signatures after them are gone.
    let report = verify_archive(dir.path(), &lines[..3]);
    assert_eq!(report.code, 1);
    assert!(
        report.stdout.starts_with("audit archive BROKEN at entry 1: the archive has no export signature at its end"),
        "{}",
        report.stdout
    );
    // ... or they are gone but the export signature was kept.
    let kept: Vec<String> = lines[..3].iter().chain(&lines[6..]).cloned().collect();
    let report = verify_archive(dir.path(), &kept);
    assert!(
        report.stdout.starts_with(
            "audit archive BROKEN at entry 4: the chain was truncated: it ends at entry 3, but entry 5 was signed"
        ),
        "{}",
        report.stdout
    );

    // The first two entries removed: the export signature says the export started after entry 0.
    let report = verify_archive(dir.path(), &lines[2..]);
    assert_eq!(report.code, 1);
    assert!(
        report
            .stdout
            .starts_with("audit archive BROKEN at entry 1: the chain was re-anchored: it starts after entry 2")
    );
    assert!(report.stdout.contains("so entries 1 to 2 were removed"), "{}", report.stdout);

    let garbage = verify_archive(dir.path(), &["{\"hello\": 1}".to_owned()]);
    assert_eq!(garbage.code, 2);
    assert!(garbage.stderr.contains("line 1 is neither an audit entry nor a signature"), "{}", garbage.stderr);
    let line: ArchiveLine = serde_json::from_str(&lines[6]).expect("a signature line");
    assert!(matches!(line, ArchiveLine::Signature { .. }));
}

#[test]
fn serve_refuses_a_malformed_signing_key_naming_the_setting_and_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("audit.pem");
    std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n").expect("written");
    let serve = run(
        helpdesk(dir.path()).env("HELPDESK_AUDIT_SIGNING_KEY_FILE", &key).args(["serve", "--listen", "127.0.0.1:0"]),
        "",
    );
    assert_eq!(serve.code, 2, "{}", serve.stderr);
    let expected = format!("audit.signing_key_file: {}: is not an Ed25519 private key", key.display());
    assert!(serve.stderr.contains(&expected), "{}", serve.stderr);
    let export = run(
        helpdesk(dir.path())
            .env("HELPDESK_AUDIT_SIGNING_KEY_FILE", dir.path().join("none.pem"))
            .args(["audit", "export"]),
        "",
    );
    assert_eq!(export.code, 2);
    assert!(export.stderr.contains("audit.signing_key_file: "), "{}", export.stderr);
}

#[test]
fn the_store_its_backup_and_its_exports_are_readable_by_their_owner_only() {
    let dir = signed_store();
    let store = dir.path().join("store");
    assert_eq!(mode(&store), 0o700);
    assert_eq!(mode(&store.join("helpdesk.db")), 0o600);
    let backup = run(signed(dir.path()).args(["backup", "backup.db"]), "");
    assert_eq!(backup.code, 0, "{}", backup.stderr);
    assert_eq!(mode(&dir.path().join("backup.db")), 0o600);
    let export = run(signed(dir.path()).args(["audit", "export", "--output", "audit.jsonl"]), "");
    assert_eq!(export.code, 0, "{}", export.stderr);
    assert_eq!(mode(&dir.path().join("audit.jsonl")), 0o600);
}
