//! Every log line of a whole run, captured and searched: `helpdesk serve` at TRACE with JSON logs,
//! every RPC driven with test addresses and descriptions through the `helpdesk-client` crate
//! (successes and errors), with a privacy key and without one. No line may carry a test address or a
//! description; the requester appears masked (`a***@example.com`) where a line names one.

use std::{
    path::Path,
    time::{Duration, SystemTime},
};

use crate::support::{helpdesk, server::start_logging_at};
use helpdesk_ai::proto::{self, ListAuditEntriesRequest, ListTicketsRequest};
use helpdesk_client::{BacktestOptions, HelpdeskClient, RulesText, TriageOptions, new_ticket};
use tokio_stream::StreamExt;

/// The addresses the run sends; none may appear in any log line (in any letter case).
const ADDRESSES: [&str; 8] = [
    "logged.ana@example.com",
    "Logged.Bob@Example.org",
    "logged.carol@example.net",
    "logged.dan@example.com",
    "logged.erin@example.com",
    "logged.frank@example.org",
    "logged.gina@example.com",
    "logged..broken@@example.com",
];
/// The descriptions the run sends; none may appear either.
const DESCRIPTIONS: [&str; 3] = [
    "Our VPN concentrator in Leeds dropped every tunnel at nine",
    "The invoice for November was charged twice to the corporate card",
    "Nobody in accounting can sign in since the password reset",
];

fn ticket(n: usize) -> proto::Ticket {
    let mut t = new_ticket(&format!("Logged ticket {n}"), DESCRIPTIONS[n % DESCRIPTIONS.len()], ADDRESSES[n]);
    t.metadata.insert("phone".into(), "+44 20 7946 0303".into());
    t
}

/// Calls every RPC of every service, with test addresses, including calls that fail.
async fn every_rpc(client: &mut HelpdeskClient) {
    let triaged = client.triage(ticket(0), TriageOptions::default()).await.expect("triaged");
    let first = triaged.ticket.expect("ticket").ticket_id;
    let retry = TriageOptions { request_id: Some("logged-request".into()), ..TriageOptions::default() };
    client.triage(ticket(1), retry).await.expect("triaged");
    let retry = TriageOptions { request_id: Some("logged-request".into()), ..TriageOptions::default() };
    assert!(client.triage(ticket(1), retry).await.expect("replayed").replayed);
    client.triage(ticket(2), TriageOptions { dry_run: true, ..TriageOptions::default() }).await.expect("dry run");
    let mut untitled = ticket(3);
    untitled.title.clear();
    client.triage(untitled, TriageOptions::default()).await.expect_err("no title");
    client.triage(ticket(7), TriageOptions::default()).await.expect_err("a broken address");
    let batch = client.batch_triage(vec![ticket(3), ticket(7)], false).await.expect("batch");
    assert_eq!((batch.succeeded, batch.failed), (1, 1));
    let items = [3, 7, 4].map(|n| proto::StreamTriageRequest {
        ticket: Some(ticket(n)),
        client_id: format!("item-{n}"),
        dry_run: false,
    });
    let mut answers = client.stream_triage(tokio_stream::iter(items)).await.expect("stream");
    let mut outcomes = 0;
    while let Some(answer) = answers.message().await.expect("an answer") {
        assert!(answer.outcome.is_some());
        outcomes += 1;
    }
    assert_eq!(outcomes, 3);

    let created = client.create_ticket(ticket(5)).await.expect("created");
    let mut taken = ticket(5);
    taken.ticket_id = created.ticket_id.clone();
    client.create_ticket(taken).await.expect_err("the id is taken");
    client.get_ticket(&created.ticket_id).await.expect("read");
    client.get_ticket("TKT-20261127-NOTHERE1").await.expect_err("not found");
    let by_requester = |address: &str| ListTicketsRequest { requester_email: address.into(), ..Default::default() };
    assert_eq!(client.list_tickets(by_requester(ADDRESSES[5])).await.expect("listed").len(), 1);
    client.list_tickets(by_requester(ADDRESSES[7])).await.expect_err("not an address");
    let moved = proto::Ticket {
        ticket_id: created.ticket_id.clone(),
        requester_email: ADDRESSES[6].into(),
        ..Default::default()
    };
    client.update_ticket(moved, &["requester_email"]).await.expect("updated");
    let broken = proto::Ticket {
        ticket_id: created.ticket_id.clone(),
        requester_email: ADDRESSES[7].into(),
        ..Default::default()
    };
    client.update_ticket(broken, &["requester_email"]).await.expect_err("a broken address");
    let described =
        proto::Ticket { ticket_id: first.clone(), description: DESCRIPTIONS[2].into(), ..Default::default() };
    client.update_ticket(described, &["description"]).await.expect("updated");
    client.stats().await.expect("stats");

    let rules = RulesText::yaml(include_str!("../../rules/default.yaml"));
    client.get_rules().await.expect("rules");
    client.check_rules(rules.clone()).await.expect("checked");
    client.check_rules(RulesText::yaml("rules: [")).await.expect("checked, with problems");
    client.test_rules(rules.clone(), ticket(4)).await.expect("tried");
    client.backtest_rules(rules, BacktestOptions::default()).await.expect("backtested");

    let mut watch = client.watch_audit(None, None).await.expect("watching");
    client.delete_ticket(&created.ticket_id).await.expect("deleted");
    client.delete_ticket(&created.ticket_id).await.expect_err("gone");
    let seen = tokio::time::timeout(Duration::from_secs(10), watch.next()).await.expect("an entry in time");
    assert!(seen.is_some());
    drop(watch);
    let day = Duration::from_secs(86_400);
    assert_eq!(client.purge_tickets(SystemTime::UNIX_EPOCH + day, true).await.expect("dry run"), 0);
    client.list_audit(ListAuditEntriesRequest::default()).await.expect("audit");
    let exported: Vec<_> = client.export_audit(None).await.expect("export").collect().await;
    assert!(exported.iter().all(Result::is_ok));
    client.verify_audit().await.expect("verified");
    client.purge_audit(SystemTime::UNIX_EPOCH + day, false).await.expect("nothing that old");
    client.health("").await.expect("health");
}

fn search(lines: &[String]) {
    assert!(lines.len() > 50, "TRACE logs of a whole run: only {} lines", lines.len());
    for line in lines {
        let lower = line.to_lowercase();
        for address in ADDRESSES {
            assert!(!lower.contains(&address.to_lowercase()), "a test address in a log line: {line}");
        }
        for description in DESCRIPTIONS {
            assert!(!lower.contains(&description.to_lowercase()), "a description in a log line: {line}");
        }
        assert!(!line.contains("+44 20 7946 0303"), "a metadata value in a log line: {line}");
    }
    let masked = lines.iter().find(|l| l.contains("l***@example.com")).map(String::as_str);
    assert!(masked.is_some_and(|l| l.contains("ticket triaged")), "the triage line names the requester masked");
}

fn run_logged(dir: &Path, key: bool) -> Vec<String> {
    let mut command = helpdesk(dir);
    command.env("HELPDESK_STORE_TYPE", "file").env("HELPDESK_LOG_FORMAT", "json");
    if key {
        let file = dir.join("privacy.key");
        let done = crate::support::run(helpdesk(dir).args(["privacy", "generate-key", "--output"]).arg(&file), "");
        assert_eq!(done.code, 0, "{}", done.stderr);
        std::fs::write(
            dir.join("helpdesk.yaml"),
            format!("privacy:\n  key_file: {:?}\n  encrypted_metadata_keys: [phone]\n", file.display().to_string()),
        )
        .expect("config");
        command.env("HELPDESK_CONFIG", dir.join("helpdesk.yaml"));
    }
    let server = start_logging_at(command, "TRACE");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let mut client = HelpdeskClient::connect_within(&server.addr, Duration::from_secs(5)).await.expect("connects");
        every_rpc(&mut client).await;
    });
    let mut lines = server.startup.clone();
    lines.extend(server.lines_so_far());
    let (code, rest) = server.terminate();
    assert_eq!(code, 0);
    lines.extend(rest);
    assert!(lines.iter().all(|l| l.starts_with('{')), "JSON lines only");
    lines
}

#[test]
fn no_log_line_of_a_whole_run_carries_a_test_address_or_description() {
    for key in [true, false] {
        let dir = tempfile::tempdir().expect("temp dir");
        let lines = run_logged(dir.path(), key);
        search(&lines);
    }
}
