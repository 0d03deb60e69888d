//! The other subcommands through the built binary: `migrate` on a file store, `--help` everywhere,
//! `--version`, `rules check`.

use crate::support::{helpdesk, run};

#[test]
fn migrate_creates_the_database_and_then_finds_it_up_to_date() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let migrate = || {
        let mut command = helpdesk(dir.path());
        command.env("HELPDESK_STORE_TYPE", "file").env("HELPDESK_STORE_PATH", &store);
        run(command.arg("migrate"), "")
    };
    let first = migrate();
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(store.join("helpdesk.db").is_file(), "no helpdesk.db under {}", store.display());
    assert!(first.stdout.contains("applied"), "{}", first.stdout);
    assert!(first.stdout.contains("m0001"), "the first migration is named: {}", first.stdout);

    let second = migrate();
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains("database is up to date"), "{}", second.stdout);
}

#[test]
fn maintenance_commands_refuse_a_store_that_is_not_there_and_create_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("mistyped");
    let commands: &[&[&str]] = &[
        &["stats"],
        &["audit", "verify"],
        &["audit", "export", "--output", "out.jsonl"],
        &["purge", "--older-than", "90d"],
        &["backup", "copy.db"],
    ];
    for words in commands {
        let mut command = helpdesk(dir.path());
        command.env("HELPDESK_STORE_TYPE", "file").env("HELPDESK_STORE_PATH", &store);
        let done = run(command.args(*words), "");
        assert_eq!(done.code, 2, "{words:?}: {}{}", done.stdout, done.stderr);
        let expected = format!("there is no database at {}", store.join("helpdesk.db").display());
        assert!(done.stderr.contains(&expected), "{words:?}: {}", done.stderr);
        assert!(done.stdout.is_empty(), "{words:?}: {}", done.stdout);
        assert!(!store.exists(), "{words:?} created {}", store.display());
    }
}

#[test]
fn every_subcommand_answers_help() {
    let dir = tempfile::tempdir().expect("temp dir");
    let commands: &[&[&str]] = &[
        &[],
        &["serve"],
        &["triage"],
        &["migrate"],
        &["stats"],
        &["backup"],
        &["restore"],
        &["purge"],
        &["audit"],
        &["audit", "export"],
        &["audit", "purge"],
        &["audit", "verify"],
        &["config"],
        &["config", "check"],
        &["rules"],
        &["rules", "check"],
    ];
    for words in commands {
        let done = run(helpdesk(dir.path()).args(*words).arg("--help"), "");
        assert_eq!(done.code, 0, "{words:?}: {}", done.stderr);
        assert!(done.stdout.contains("Usage: helpdesk"), "{words:?}: {}", done.stdout);
    }
    let triage = run(helpdesk(dir.path()).args(["triage", "--help"]), "");
    for needle in ["INPUT", "OUTPUT", "--format", "--server", "--store", "Exit status"] {
        assert!(triage.stdout.contains(needle), "triage --help lacks {needle}: {}", triage.stdout);
    }
}

#[test]
fn version_and_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let version = run(helpdesk(dir.path()).arg("--version"), "");
    assert_eq!(version.code, 0);
    assert!(version.stdout.starts_with("helpdesk "), "{}", version.stdout);
    let wrong = run(helpdesk(dir.path()).arg("no-such-command"), "");
    assert_eq!(wrong.code, 2);
    let missing = run(helpdesk(dir.path()).arg("triage"), "");
    assert_eq!(missing.code, 2, "INPUT and OUTPUT are required");
}

#[test]
fn rules_check_lists_the_rules_or_names_the_broken_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/default.yaml");
    let good = run(helpdesk(dir.path()).args(["rules", "check"]).arg(&shipped), "");
    assert_eq!(good.code, 0, "{}", good.stderr);
    assert!(good.stdout.contains("version:       default@"), "{}", good.stdout);
    assert!(good.stdout.contains("security-incidents       -> security"), "{}", good.stdout);

    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "name: x\ndefault_queue: q\nrules:\n  - id: vip\n    priority: 1\n    when: {all: [{field: metdata.tier, op: eq, value: gold}]}\n    then: {queue: b}\n",
    )
    .expect("write");
    let broken = run(helpdesk(dir.path()).args(["rules", "check"]).arg(&bad), "");
    assert_eq!(broken.code, 1);
    assert!(
        broken.stdout.contains(r#"error [invalid] rule "vip": when.all[0].field: unknown field "metdata.tier""#),
        "{}",
        broken.stdout
    );
    assert!(broken.stderr.contains("1 error(s), 0 warning(s); the file cannot be loaded"), "{}", broken.stderr);
}
