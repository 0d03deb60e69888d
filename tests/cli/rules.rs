//! `helpdesk rules check | test | backtest` through the binary, on real files and a real store.

use crate::support::{fixture, helpdesk, run};

#[test]
fn check_lists_the_rules_and_fails_on_errors_naming_the_rule() {
    let dir = tempfile::tempdir().expect("temp dir");
    let done = run(helpdesk(dir.path()).args(["rules", "check"]).arg(fixture("candidate-rules.yaml")), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(done.stdout.contains("valid (0 warning(s))"), "{}", done.stdout);
    assert!(done.stdout.contains("version:       candidate@"), "{}", done.stdout);
    assert!(done.stdout.contains("finance"), "{}", done.stdout);

    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "name: b\ndefault_queue: q\nrules:\n  - id: one\n    priority: 1\n    when: { all: [] }\n    then: { queue: a }\n  \
         - id: two\n    priority: 1\n    when: { field: score, op: gt, value: 0.5 }\n    then: { queue: b }\n",
    )
    .expect("write");
    let done = run(helpdesk(dir.path()).args(["rules", "check"]).arg(&broken), "");
    assert_eq!(done.code, 1, "{}", done.stdout);
    assert!(done.stdout.contains("\"two\"") && done.stdout.contains("priority"), "{}", done.stdout);
    assert!(done.stderr.contains("cannot be loaded"), "{}", done.stderr);
}

#[test]
fn check_refuses_a_file_over_the_configured_limits_naming_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let check = |vars: &[(&str, &str)]| {
        let mut command = helpdesk(dir.path());
        command.envs(vars.iter().copied()).args(["rules", "check"]).arg(fixture("candidate-rules.yaml"));
        run(&mut command, "")
    };
    let done = check(&[("HELPDESK_LIMITS_MAX_RULES_DOCUMENT_BYTES", "100")]);
    assert_eq!(done.code, 1, "{}", done.stdout);
    let size = std::fs::metadata(fixture("candidate-rules.yaml")).expect("fixture").len();
    assert!(
        done.stderr.contains(&format!("{size} bytes; at most 100 are allowed (limits.max_rules_document_bytes)")),
        "{}",
        done.stderr
    );
    let done = check(&[("HELPDESK_LIMITS_MAX_RULES_DEPTH", "0")]);
    assert_eq!(done.code, 2, "a limit of nothing is refused at start: {}", done.stderr);
    assert!(done.stderr.contains("limits.max_rules_depth (from HELPDESK_LIMITS_MAX_RULES_DEPTH)"), "{}", done.stderr);
    let done = check(&[("HELPDESK_LIMITS_MAX_RULES_REGEX_BYTES", "1")]);
    assert_eq!(done.code, 0, "the fixture has no regex: {}", done.stderr);

    let regexes = dir.path().join("regexes.yaml");
    std::fs::write(
        &regexes,
        "name: r\ndefault_queue: q\nrules:\n  - { id: word, priority: 1, when: { field: title, op: matches, value: '\\w{20}' }, then: { queue: a } }\n",
    )
    .expect("write");
    let mut command = helpdesk(dir.path());
    command.env("HELPDESK_LIMITS_MAX_RULES_REGEX_BYTES", "65536").args(["rules", "check"]).arg(&regexes);
    let done = run(&mut command, "");
    assert_eq!(done.code, 1, "{}", done.stdout);
    assert!(
        done.stdout.contains("error [limit] rule \"word\": when.value: the document's regexes would take"),
        "{}",
        done.stdout
    );
    assert!(done.stdout.contains("at most 65536 are allowed (limits.max_rules_regex_bytes)"), "{}", done.stdout);
}

#[test]
fn check_warns_about_rules_that_never_match() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("odd.yaml");
    std::fs::write(
        &rules,
        "name: odd\ndefault_queue: q\nrules:\n  - id: impossible\n    priority: 1\n    \
         when: { all: [ { field: category, op: eq, value: BILLING }, { field: category, op: eq, value: BUG } ] }\n    \
         then: { queue: a }\n",
    )
    .expect("write");
    let done = run(helpdesk(dir.path()).args(["rules", "check"]).arg(&rules), "");
    assert_eq!(done.code, 0, "warnings do not fail the check: {}", done.stdout);
    assert!(done.stdout.contains("never-matches") && done.stdout.contains("impossible"), "{}", done.stdout);
}

#[test]
fn test_shows_each_ticket_under_both_rule_sets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let done = run(
        helpdesk(dir.path())
            .args(["rules", "test", "--json"])
            .arg(fixture("candidate-rules.yaml"))
            .arg(fixture("tickets.json")),
        "",
    );
    let out = done.json();
    assert!(out["candidate_version"].as_str().is_some_and(|v| v.starts_with("candidate@")));
    let tickets = out["tickets"].as_array().expect("tickets");
    let invoice =
        tickets.iter().find(|t| t["title"] == "Charged twice for the November invoice").expect("invoice ticket");
    assert_eq!(invoice["current"]["queue"], "billing");
    assert_eq!(
        (invoice["candidate"]["queue"].as_str(), invoice["candidate"]["rule"].as_str()),
        (Some("finance"), Some("finance"))
    );
    assert_eq!(invoice["changed"], true);
    let failed = tickets.iter().filter(|t| t["errors"].is_array()).count();
    assert_eq!(done.code, if failed == 0 { 0 } else { 1 }, "{}", done.stderr);
    assert!(done.stderr.contains("decision(s) change"), "{}", done.stderr);

    let text = run(
        helpdesk(dir.path()).args(["rules", "test"]).arg(fixture("candidate-rules.yaml")).arg(fixture("tickets.json")),
        "",
    );
    assert!(
        text.stdout.contains("billing (billing) ") && text.stdout.contains("-> finance (finance)"),
        "{}",
        text.stdout
    );
}

#[test]
fn backtest_replays_the_stored_tickets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file_store = |c: &mut std::process::Command| {
        c.env("HELPDESK_STORE_TYPE", "file");
    };
    let mut migrate = helpdesk(dir.path());
    file_store(&mut migrate);
    assert_eq!(run(migrate.arg("migrate"), "").code, 0);
    let mut triage = helpdesk(dir.path());
    file_store(&mut triage);
    let stored = run(triage.args(["triage", "--store"]).arg(fixture("tickets.jsonl")).arg("out.json"), "");
    assert!(stored.stderr.contains("triaged"), "{}", stored.stderr);
    let out: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).expect("output")).expect("json");
    let triaged = out["outcomes"].as_array().expect("outcomes").iter().filter(|o| o["result"].is_object()).count();
    let billing =
        out["outcomes"].as_array().expect("outcomes").iter().filter(|o| o["result"]["queue"] == "billing").count();
    assert!(billing > 0);

    let mut backtest = helpdesk(dir.path());
    file_store(&mut backtest);
    let done =
        run(backtest.args(["rules", "backtest", "--since", "1d", "--json"]).arg(fixture("candidate-rules.yaml")), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    let report = done.json();
    assert_eq!(report["replayed"], triaged as u64);
    let finance =
        report["queues"].as_array().expect("queues").iter().find(|q| q["name"] == "finance").expect("finance");
    assert_eq!(finance["before"], 0);
    assert!(finance["after"].as_u64() >= Some(billing as u64));
    assert!(report["changed"].as_u64() >= Some(billing as u64));

    let mut future = helpdesk(dir.path());
    file_store(&mut future);
    let none = run(future.args(["rules", "backtest", "--until", "30d"]).arg(fixture("candidate-rules.yaml")), "");
    assert!(none.stdout.contains("replayed 0 ticket(s)"), "{}", none.stdout);
    let bad = run(
        helpdesk(dir.path()).args(["rules", "backtest", "--since", "yesterday"]).arg(fixture("candidate-rules.yaml")),
        "",
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--since"), "{}", bad.stderr);
}
