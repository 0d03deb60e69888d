//! `helpdesk serve` as an operator runs it: a real process on a free port, `helpdesk triage --server`
//! against it, `helpdesk stats` on the same SQLite file, a graceful stop on SIGTERM, and its Prometheus
//! endpoint with JSON logs.

use crate::support::{
    fixture, helpdesk, http_get, is_ticket_id, run,
    server::{start, start_with},
};

#[test]
fn triage_through_a_running_server_then_stop_it_with_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start(dir.path());
    let out = dir.path().join("out.json");
    let remote = run(
        helpdesk(dir.path())
            .args(["triage", "--store", "--server", &format!("http://{}", server.addr)])
            .arg(fixture("tickets.json"))
            .arg(&out),
        "",
    );
    assert_eq!(remote.code, 0, "stderr: {}", remote.stderr);
    let output: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("output")).expect("JSON");
    let outcomes = output["outcomes"].as_array().expect("outcomes");
    assert_eq!(outcomes.len(), 5);
    for outcome in outcomes {
        assert!(is_ticket_id(outcome["ticket_id"].as_str().unwrap_or("")), "{outcome}");
        assert!(!outcome["result"]["queue"].as_str().unwrap_or("").is_empty(), "{outcome}");
    }

    // The tickets were stored by the server, in the SQLite file another process can read.
    let stats = run(helpdesk(dir.path()).env("HELPDESK_STORE_TYPE", "file").args(["stats", "--json"]), "");
    assert_eq!(stats.code, 0, "stderr: {}", stats.stderr);
    assert_eq!(stats.json()["total"], 5, "{}", stats.stdout);

    let (code, lines) = server.terminate();
    assert_eq!(code, 0, "exit status after SIGTERM; stderr tail: {lines:?}");
    assert!(lines.iter().any(|l| l.contains("SIGTERM received")), "{lines:?}");
}

#[test]
fn an_address_in_use_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let done = run(helpdesk(dir.path()).args(["serve", "--listen", &addr]), "");
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains(&format!("cannot listen on {addr}")), "{}", done.stderr);
}

#[test]
fn a_broken_rules_file_stops_start_up_naming_the_rule() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "name: broken\ndefault_queue: q\nrules:\n  - id: vip\n    priority: 1\n    when: {all: [{field: score, op: gte, value: high}]}\n    then: {queue: b}\n",
    )
    .expect("write rules");
    let done =
        run(helpdesk(dir.path()).env("HELPDESK_RULES_PATH", &rules).args(["serve", "--listen", "127.0.0.1:0"]), "");
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(done.stderr.contains(r#"rule "vip""#), "{}", done.stderr);
}

#[test]
fn sighup_reloads_the_rules_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(&rules, "name: first\ndefault_queue: one\nrules: []\n").expect("write rules");
    let mut command = helpdesk(dir.path());
    command.env("HELPDESK_RULES_PATH", &rules);
    let server = start_with(command);
    server.signal("HUP");
    let line = server.wait_for(&["rules file unchanged", "SIGHUP"]);
    assert!(line.contains("first@"), "{line}");
    std::fs::write(&rules, "name: second\ndefault_queue: two\nrules: []\n").expect("rewrite rules");
    server.signal("HUP");
    let line = server.wait_for(&["routing rules reloaded"]);
    assert!(line.contains("second@") && line.contains("first@"), "{line}");
    let (code, _) = server.terminate();
    assert_eq!(code, 0);
}

#[test]
fn health_answers_for_the_server_and_each_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start(dir.path());
    let url = format!("http://{}", server.addr);
    let whole = run(helpdesk(dir.path()).args(["health", "--server", &url]), "");
    assert_eq!((whole.code, whole.stdout.trim()), (0, "server: SERVING"), "{}", whole.stderr);
    let one = run(
        helpdesk(dir.path()).args(["health", "--server", &server.addr, "--service", "helpdesk.v1.AuditService"]),
        "",
    );
    assert_eq!((one.code, one.stdout.trim()), (0, "helpdesk.v1.AuditService: SERVING"), "{}", one.stderr);
    let unknown = run(helpdesk(dir.path()).args(["health", "--server", &url, "--service", "nope.v1.Nothing"]), "");
    assert_eq!((unknown.code, unknown.stdout.trim()), (1, "nope.v1.Nothing: unknown to the server"));
    let (code, _) = server.terminate();
    assert_eq!(code, 0);
    let gone = run(helpdesk(dir.path()).args(["health", "--server", &url, "--timeout", "2"]), "");
    assert_eq!(gone.code, 2, "{}", gone.stdout);
    assert!(gone.stderr.contains("cannot connect to the server at"), "{}", gone.stderr);
}

#[test]
fn metrics_are_served_on_metrics_addr_and_logs_are_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = helpdesk(dir.path());
    command.env("HELPDESK_METRICS_ADDR", "127.0.0.1:0").env("HELPDESK_LOG_FORMAT", "json");
    let server = start_with(command);
    let line = server.wait_for(&["metrics at http://"]);
    let logged: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(logged["level"], "INFO", "{line}");
    let message = logged["fields"]["message"].as_str().expect("a message");
    let at = message.trim_start_matches("metrics at http://").trim_end_matches("/metrics").to_owned();

    let health = run(helpdesk(dir.path()).args(["health", "--server", &server.addr]), "");
    assert_eq!(health.code, 0, "{}", health.stderr);
    let answer = http_get(&at, "/metrics");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("content-type: text/plain; version=0.0.4"), "{answer}");
    let check = r#"helpdesk_rpc_requests_total{method="grpc.health.v1.Health/Check",code="OK"} 1"#;
    assert!(answer.contains(check), "{answer}");
    assert!(answer.contains("helpdesk_db_pool_max_connections 8"), "the file store's pool: {answer}");

    let (code, lines) = server.terminate();
    assert_eq!(code, 0, "{lines:?}");
    for line in lines.iter().filter(|l| !l.trim().is_empty()) {
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
        assert!(parsed.is_ok_and(|v| v["level"].is_string()), "not a JSON log line: {line}");
    }
}

#[test]
fn a_metrics_addr_in_use_is_a_clear_error_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let mut command = helpdesk(dir.path());
    command.env("HELPDESK_METRICS_ADDR", &addr).args(["serve", "--listen", "127.0.0.1:0"]);
    let done = run(&mut command, "");
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(done.stderr.contains(&format!("cannot listen on {addr} (metrics_addr)")), "{}", done.stderr);
}
