//! The other subcommands through the built binary: `migrate` on a file store, `--help` everywhere,
//! `--version`.

mod cli_support;

use cli_support::{helpdesk, run};

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
fn every_subcommand_answers_help() {
    let dir = tempfile::tempdir().expect("temp dir");
    let commands: &[&[&str]] =
        &[&[], &["serve"], &["triage"], &["migrate"], &["stats"], &["config"], &["config", "check"]];
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
