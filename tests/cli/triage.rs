//! `helpdesk triage` through the built binary: every input format, record and line numbers, errors
//! that name the field or line, exit statuses, the stderr summary, and `--store` with `stats`.

use crate::support::{Run, fixture, helpdesk, is_ticket_id, run};
use serde_json::Value;

/// Triages `input` (a fixture or any path) into `<dir>/out.json` and returns the run and the output.
fn triage(dir: &std::path::Path, input: &std::path::Path, extra: &[&str]) -> (Run, Value) {
    let out = dir.join("out.json");
    let done = run(helpdesk(dir).arg("triage").args(extra).arg(input).arg(&out), "");
    let text = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("no output ({e}); stderr: {}", done.stderr));
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("output is not JSON ({e}): {text}"));
    (done, json)
}

fn outcomes(output: &Value) -> &Vec<Value> {
    output["outcomes"].as_array().expect("outcomes is an array")
}

/// (record, line) of every outcome.
fn positions(output: &Value) -> Vec<(u64, u64)> {
    outcomes(output).iter().map(|o| (o["record"].as_u64().unwrap_or(0), o["line"].as_u64().unwrap_or(0))).collect()
}

/// The fields named by a failed outcome's errors.
fn error_fields(outcome: &Value) -> Vec<&str> {
    outcome["errors"]
        .as_array()
        .expect("a failed outcome has errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect()
}

/// Checks what every outcome must satisfy and that the summary (JSON and stderr) agrees with them.
fn check_consistent(done: &Run, output: &Value) {
    let (mut triaged, mut failed, mut escalated) = (0, 0, 0);
    for outcome in outcomes(output) {
        if let Some(result) = outcome.get("result") {
            triaged += 1;
            let id = outcome["ticket_id"].as_str().expect("a triaged outcome has a ticket id");
            assert!(is_ticket_id(id), "{id}");
            assert_eq!(result["ticket_id"], id);
            assert!(!result["queue"].as_str().unwrap_or_default().is_empty(), "no queue: {result}");
            escalated += usize::from(result["escalation"]["escalated"] == true);
        } else {
            failed += 1;
            assert!(!error_fields(outcome).is_empty(), "{outcome}");
        }
    }
    let summary = &output["summary"];
    assert_eq!(summary["records"], triaged + failed);
    assert_eq!(summary["triaged"], triaged);
    assert_eq!(summary["failed"], failed);
    assert_eq!(summary["escalated"], escalated);
    assert!(summary["elapsed_ms"].is_u64());
    let line = format!("triaged {triaged} of {} records, {failed} failed, {escalated} escalated, ", triaged + failed);
    assert!(done.stderr.contains(&line), "expected {line:?} in stderr: {}", done.stderr);
    assert!(done.stderr.contains(" records/s"), "{}", done.stderr);
    assert_eq!(done.code, if failed == 0 { 0 } else { 1 }, "stderr: {}", done.stderr);
}

#[test]
fn a_json_array_of_good_tickets_is_all_triaged_and_security_goes_to_security() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, output) = triage(dir.path(), &fixture("tickets.json"), &[]);
    check_consistent(&done, &output);
    assert_eq!(done.code, 0);
    assert_eq!(positions(&output), [(1, 2), (2, 11), (3, 20), (4, 27), (5, 34)]);
    let security = &outcomes(&output)[1];
    assert_eq!(security["ticket_id"], "TKT-20250310-SEC00001");
    assert_eq!(security["result"]["queue"], "security", "{security}");
    assert_eq!(security["result"]["classification"]["category"], "SECURITY");
}

#[test]
fn json_lines_report_a_malformed_line_and_a_missing_title_and_go_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, output) = triage(dir.path(), &fixture("tickets.jsonl"), &[]);
    check_consistent(&done, &output);
    assert_eq!(done.code, 1);
    assert_eq!(positions(&output), [(1, 1), (2, 2), (3, 3), (4, 4), (5, 6)]);
    let malformed = &outcomes(&output)[2];
    let description = malformed["errors"][0]["description"].as_str().unwrap_or_default();
    assert!(description.starts_with("line 3: malformed JSON"), "{malformed}");
    assert_eq!(error_fields(&outcomes(&output)[3]), ["title"]);
    assert!(done.stderr.contains("triaged 3 of 5 records, 2 failed"), "{}", done.stderr);
}

#[test]
fn csv_rows_become_tickets_and_a_bad_email_fails_its_row_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, output) = triage(dir.path(), &fixture("tickets.csv"), &[]);
    check_consistent(&done, &output);
    assert_eq!(positions(&output), [(1, 2), (2, 3), (3, 4), (4, 5)]);
    assert_eq!(error_fields(&outcomes(&output)[2]), ["requester_email"]);
    assert_eq!(outcomes(&output)[1]["result"]["queue"], "security");
    assert!(done.stderr.contains("triaged 3 of 4 records, 1 failed"), "{}", done.stderr);
}

#[test]
fn text_blocks_keep_multi_line_descriptions_and_name_the_line_of_an_unknown_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, output) = triage(dir.path(), &fixture("tickets.txt"), &[]);
    check_consistent(&done, &output);
    assert_eq!(positions(&output), [(1, 1), (2, 10), (3, 16), (4, 21)]);
    let unknown = &outcomes(&output)[2];
    assert_eq!(error_fields(unknown), ["Urgency"]);
    let description = unknown["errors"][0]["description"].as_str().unwrap_or_default();
    assert!(description.starts_with("line 19: unknown key \"Urgency\""), "{description}");
    assert_eq!(done.code, 1);
}

#[test]
fn a_single_object_from_stdin_goes_to_stdout_and_bad_values_name_their_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = r#"{"title": "Site down", "description": "Nothing loads.", "requester_email": "a@example.com"}"#;
    let done = run(helpdesk(dir.path()).args(["triage", "-", "-"]), good);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let output = done.json();
    check_consistent(&done, &output);
    assert_eq!(positions(&output), [(1, 1)]);

    let bad = r#"{"title": "x", "description": "y", "requester_email": "a@example.com", "priority": "urgent", "colour": "red"}"#;
    let done = run(helpdesk(dir.path()).args(["triage", "--format", "json", "-", "-"]), bad);
    assert_eq!(done.code, 1, "{}", done.stderr);
    let errors = &done.json()["outcomes"][0]["errors"];
    let priority =
        errors.as_array().into_iter().flatten().find(|e| e["field"] == "priority").expect("a priority error");
    assert_eq!(priority["description"], "unknown value \"urgent\"; expected one of LOW, MEDIUM, HIGH, CRITICAL");
    assert!(errors.as_array().into_iter().flatten().any(|e| e["field"] == "colour"), "{errors}");
}

#[test]
fn a_single_object_file_is_one_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("one.json");
    let ticket = "{\n  \"title\": \"Refund\",\n  \"description\": \"Charged twice.\",\n  \"requester_email\": \"b@example.com\"\n}\n";
    std::fs::write(&input, ticket).expect("write input");
    let (done, output) = triage(dir.path(), &input, &[]);
    check_consistent(&done, &output);
    assert_eq!(positions(&output), [(1, 1)]);
}

#[test]
fn unusable_input_or_output_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.json");
    let done = run(helpdesk(dir.path()).arg("triage").arg(&missing).arg(dir.path().join("out.json")), "");
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("missing.json"), "{}", done.stderr);

    let unwritable = dir.path().join("no-such-folder").join("out.json");
    let done = run(helpdesk(dir.path()).arg("triage").arg(fixture("tickets.json")).arg(&unwritable), "");
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("no-such-folder"), "{}", done.stderr);

    let csv = dir.path().join("odd.csv");
    std::fs::write(&csv, "title,urgency\nx,y\n").expect("write input");
    let done = run(helpdesk(dir.path()).arg("triage").arg(&csv).arg("-"), "");
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("odd.csv") && done.stderr.contains("\"urgency\""), "{}", done.stderr);

    let odd = dir.path().join("tickets.xml");
    std::fs::write(&odd, "<tickets/>").expect("write input");
    let done = run(helpdesk(dir.path()).arg("triage").arg(&odd).arg("-"), "");
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("--format"), "{}", done.stderr);
}

#[test]
fn stored_tickets_show_up_in_stats() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file_store = |command: &mut std::process::Command| {
        command.env("HELPDESK_STORE_TYPE", "file");
    };
    let out = dir.path().join("out.json");
    let database = dir.path().join("data").join("helpdesk.db");
    let mut command = helpdesk(dir.path());
    file_store(&mut command);
    let refused = run(command.arg("triage").arg("--store").arg(fixture("tickets.csv")).arg(&out), "");
    assert_eq!(refused.code, 2, "no store yet: {}", refused.stderr);
    assert!(refused.stderr.contains(&format!("there is no database at {}", database.display())), "{}", refused.stderr);
    assert!(!database.exists() && !out.exists(), "nothing was created");

    let mut command = helpdesk(dir.path());
    file_store(&mut command);
    let migrated = run(command.arg("migrate"), "");
    assert_eq!(migrated.code, 0, "{}", migrated.stderr);
    let mut command = helpdesk(dir.path());
    file_store(&mut command);
    let done = run(command.arg("triage").arg("--store").arg(fixture("tickets.csv")).arg(&out), "");
    assert_eq!(done.code, 1, "{}", done.stderr);

    let mut command = helpdesk(dir.path());
    file_store(&mut command);
    let stats = run(command.args(["stats", "--json"]), "");
    assert_eq!(stats.code, 0, "{}", stats.stderr);
    let stats = stats.json();
    assert_eq!(stats["total"], 3, "{stats}");
    assert_eq!(stats["by_queue"]["security"], 1, "{stats}");

    let mut command = helpdesk(dir.path());
    file_store(&mut command);
    let table = run(command.arg("stats"), "");
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.lines().any(|l| l.starts_with("total") && l.trim_end().ends_with(" 3")), "{}", table.stdout);
    assert!(table.stdout.lines().any(|l| l.starts_with("queue") && l.contains("security")), "{}", table.stdout);
}

#[test]
fn without_store_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = helpdesk(dir.path());
    command.env("HELPDESK_STORE_TYPE", "file");
    let done = run(command.arg("triage").arg(fixture("tickets.json")).arg(dir.path().join("out.json")), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(!dir.path().join("data").exists(), "a store was created without --store");
}

/// The description of a failed outcome's first error.
fn first_error(outcome: &Value) -> &str {
    outcome["errors"][0]["description"].as_str().unwrap_or_default()
}

#[test]
fn a_line_that_is_not_utf8_fails_its_record_alone_naming_the_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let jsonl = dir.path().join("tickets.jsonl");
    let good = |n: u32| {
        format!(r#"{{"title": "Printer {n}", "description": "It jams.", "requester_email": "a@example.com"}}"#)
    };
    let mut bytes = format!("{}\n{}\n", good(1), good(2)).into_bytes();
    bytes.extend_from_slice(
        b"{\"title\": \"caf\xe9\", \"description\": \"x\", \"requester_email\": \"a@example.com\"}\n",
    );
    bytes.extend_from_slice(format!("{}\n", good(4)).as_bytes());
    std::fs::write(&jsonl, bytes).expect("write");
    let (done, output) = triage(dir.path(), &jsonl, &[]);
    check_consistent(&done, &output);
    assert_eq!(positions(&output), [(1, 1), (2, 2), (3, 3), (4, 4)]);
    let third = &outcomes(&output)[2];
    assert_eq!((error_fields(third), first_error(third)), (vec!["record"], "line 3: is not valid UTF-8 text"));
    assert_eq!(output["summary"]["triaged"], 3);

    let csv = dir.path().join("tickets.csv");
    let mut bytes = b"title,description,requester_email\r\nA,\"two\r\nlines\",a@example.com\r\n".to_vec();
    bytes.extend_from_slice(b"B,\"bad \xff\r\nbytes\",b@example.com\r\n\r\nC,c,c@example.com\r\n");
    std::fs::write(&csv, bytes).expect("write");
    let (done, output) = triage(dir.path(), &csv, &[]);
    check_consistent(&done, &output);
    assert_eq!(
        positions(&output),
        [(1, 2), (2, 4), (3, 7)],
        "the line each record starts on, CRLF and blank lines counted"
    );
    assert_eq!(first_error(&outcomes(&output)[1]), "line 4: is not valid UTF-8 text");
}
