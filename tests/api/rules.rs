//! The rules RPCs of TriageService over a real socket: the rules in force, check and lint, a dry run
//! under candidate rules, a backtest over stored tickets, and hot reload of the rules file.

use std::time::Duration;

use crate::support::{Backend, TestApp, spawn_app_on, spawn_with, ticket, triage, violation_fields};
use helpdesk_ai::{
    proto::{self, CandidateRules, RulesFormat},
    triage::RuleSet,
};
use tonic::Code;

const CANDIDATE: &str = "\
name: candidate
default_queue: general-support
rules:
  - id: refunds
    priority: 10
    when: { field: text, op: contains_any, value: [refund, charged twice] }
    then: { queue: finance, set_priority: HIGH }
";

fn rules(text: &str) -> Option<CandidateRules> {
    Some(CandidateRules { text: text.into(), format: RulesFormat::Yaml as i32 })
}

async fn get_rules_names_the_rules_in_force(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let got = app.triage.get_rules(proto::GetRulesRequest {}).await.expect("get rules").into_inner();
    let builtin = RuleSet::builtin();
    assert_eq!(got.version, builtin.version());
    assert_eq!((got.name.as_str(), got.source.as_str()), ("default", "built-in"));
    assert_eq!(got.default_queue, "general-support");
    assert_eq!(got.rules.len(), builtin.rules().len());
    let security = got.rules.iter().find(|r| r.id == "security-incidents").expect("listed");
    assert_eq!((security.queue.as_str(), security.enabled), ("security", true));
    assert!(got.rules.windows(2).all(|w| w[0].priority < w[1].priority), "in evaluation order");
    app.shutdown().await;
}

async fn check_rules_reports_errors_and_warnings_without_failing(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let ok =
        app.triage.check_rules(proto::CheckRulesRequest { rules: rules(CANDIDATE) }).await.expect("check").into_inner();
    assert!(ok.valid);
    assert!(ok.version.starts_with("candidate@"), "{}", ok.version);
    assert_eq!(ok.rules.len(), 1);

    let tied =
        format!("{CANDIDATE}  - id: other\n    priority: 10\n    when: {{ all: [] }}\n    then: {{ queue: x }}\n");
    let bad = app.triage.check_rules(proto::CheckRulesRequest { rules: rules(&tied) }).await.expect("check");
    let bad = bad.into_inner();
    assert!(!bad.valid);
    assert!(bad.version.is_empty() && bad.rules.is_empty());
    let error = bad.findings.iter().find(|f| f.severity == proto::LintSeverity::Error as i32).expect("an error");
    assert!(error.message.contains("refunds") || error.rule_id == "refunds", "{error:?}");

    let empty = app.triage.check_rules(proto::CheckRulesRequest { rules: rules("  ") }).await.unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    assert_eq!(violation_fields(&empty), ["rules.text"]);
    app.shutdown().await;
}

async fn test_rules_compares_candidate_and_current_and_stores_nothing(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let request = proto::TestRulesRequest {
        rules: rules(CANDIDATE),
        ticket: Some(ticket("Refund for double charge", "We were charged twice on invoice 2026-118.")),
    };
    let got = app.triage.test_rules(request).await.expect("test rules").into_inner();
    let (after, before) = (got.candidate_result.expect("candidate"), got.current_result.expect("current"));
    assert_eq!((after.queue.as_str(), after.matched_rule.as_str()), ("finance", "refunds"));
    assert_eq!(after.priority, proto::Priority::High as i32);
    assert!(after.rules_version.starts_with("candidate@"));
    assert_eq!(before.queue, "billing");
    assert_eq!(before.rules_version, RuleSet::builtin().version());
    assert!(got.changed);
    let listed = app.tickets.list_tickets(proto::ListTicketsRequest::default()).await.expect("list").into_inner();
    assert!(listed.tickets.is_empty(), "a rules test stores nothing");

    let broken = "name: x\ndefault_queue: q\nrules:\n  - id: a\n    priority: 1\n    when: { field: nope, op: eq, value: 1 }\n    then: { queue: q }\n";
    let request = proto::TestRulesRequest { rules: rules(broken), ticket: Some(ticket("a", "b")) };
    let err = app.triage.test_rules(request).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violation_fields(&err), ["rules.text"]);
    assert!(err.message().contains("nope"), "{}", err.message());

    let no_ticket = proto::TestRulesRequest { rules: rules(CANDIDATE), ticket: None };
    assert_eq!(violation_fields(&app.triage.test_rules(no_ticket).await.unwrap_err()), ["ticket"]);
    app.shutdown().await;
}

async fn backtest_counts_changed_decisions_over_stored_tickets(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    triage(&mut app, ticket("Refund for double charge", "We were charged twice on invoice 2026-118.")).await;
    triage(&mut app, ticket("Refund please", "I want a refund for the annual plan.")).await;
    triage(&mut app, ticket("Question about opening hours", "When is your office open on holidays?")).await;
    let request = proto::BacktestRulesRequest { rules: rules(CANDIDATE), max_examples: 1, ..Default::default() };
    let got = app.triage.backtest_rules(request).await.expect("backtest").into_inner();
    assert_eq!((got.replayed, got.changed, got.queue_changed, got.priority_changed), (3, 2, 2, 2));
    assert!(got.candidate_version.starts_with("candidate@"));
    let finance = got.queues.iter().find(|q| q.name == "finance").expect("finance listed");
    assert_eq!((finance.before, finance.after), (0, 2));
    let billing = got.queues.iter().find(|q| q.name == "billing").expect("billing listed");
    assert_eq!((billing.before, billing.after), (2, 0));
    assert_eq!(got.examples.len(), 1);
    assert_eq!((got.examples[0].queue_before.as_str(), got.examples[0].queue_after.as_str()), ("billing", "finance"));

    let later = prost_types::Timestamp { seconds: chrono::Utc::now().timestamp() + 3600, nanos: 0 };
    let request =
        proto::BacktestRulesRequest { rules: rules(CANDIDATE), created_after: Some(later), ..Default::default() };
    assert_eq!(app.triage.backtest_rules(request).await.expect("backtest").into_inner().replayed, 0);
    let request = proto::BacktestRulesRequest { rules: rules(CANDIDATE), limit: 1_000_000, ..Default::default() };
    assert_eq!(violation_fields(&app.triage.backtest_rules(request).await.unwrap_err()), ["limit"]);
    app.shutdown().await;
}

/// Waits up to 10 s for the rules in force to have another version than `old`.
async fn wait_for_version_change(app: &mut TestApp, old: &str) -> String {
    for _ in 0..100 {
        let now = app.triage.get_rules(proto::GetRulesRequest {}).await.expect("get rules").into_inner().version;
        if now != old {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the rules were not reloaded");
}

async fn audit_actions(app: &mut TestApp) -> Vec<(String, String)> {
    let listed = app.audit.list_audit_entries(proto::ListAuditEntriesRequest::default()).await.expect("audit");
    listed.into_inner().entries.into_iter().map(|e| (e.action, e.details_json)).collect()
}

async fn a_changed_rules_file_is_reloaded_and_a_bad_one_refused_both_audited(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("rules.yaml");
    std::fs::write(&path, "name: first\ndefault_queue: queue-one\nrules: []\n").expect("write rules");
    let mut app =
        spawn_with(helpdesk_ai::config::Settings { rules_path: Some(path.clone()), ..backend.settings() }, Some(dir))
            .await;
    let first = app.triage.get_rules(proto::GetRulesRequest {}).await.expect("get").into_inner();
    assert!(first.version.starts_with("first@"));
    assert_eq!(first.source, path.display().to_string());
    let before = triage(&mut app, ticket("Printer", "It prints blank pages.")).await.result.expect("result");
    assert_eq!(before.queue, "queue-one");

    std::fs::write(&path, "name: second\ndefault_queue: queue-two\nrules: []\n").expect("rewrite rules");
    let second = wait_for_version_change(&mut app, &first.version).await;
    assert!(second.starts_with("second@"), "{second}");
    let after = triage(&mut app, ticket("Printer", "It prints blank pages.")).await.result.expect("result");
    assert_eq!(
        (after.queue.as_str(), after.rules_version.as_str(), after.from_cache),
        ("queue-two", second.as_str(), false)
    );

    std::fs::write(&path, "name: third\nrules: [oops\n").expect("break rules");
    let mut refused = false;
    for _ in 0..100 {
        if audit_actions(&mut app).await.iter().any(|(a, _)| a == "rules.reload_failed") {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "the refusal is audited");
    let kept = app.triage.get_rules(proto::GetRulesRequest {}).await.expect("get").into_inner();
    assert_eq!(kept.version, second, "a bad file never replaces a good one");
    let actions = audit_actions(&mut app).await;
    let reloaded = actions.iter().find(|(a, _)| a == "rules.reloaded").expect("reload audited");
    let details: serde_json::Value = serde_json::from_str(&reloaded.1).expect("json details");
    assert_eq!(
        (details["from"].as_str(), details["to"].as_str()),
        (Some(first.version.as_str()), Some(second.as_str()))
    );
    assert_eq!(details["trigger"], "file changed");
    app.shutdown().await;
}

async fn test_rules_sees_the_near_duplicates_of_the_ticket(backend: Backend) {
    let mut app = spawn_app_on(&backend).await;
    let text =
        "The VPN gateway in the Berlin office drops every connection after about five minutes since this morning.";
    triage(&mut app, ticket("VPN keeps dropping in Berlin", text)).await;
    let candidate = "name: dups\ndefault_queue: general\nrules:\n  - id: duplicates\n    priority: 1\n    \
                     when: { field: has_duplicates, op: eq, value: true }\n    then: { queue: duplicate-review }\n";
    let request =
        proto::TestRulesRequest { rules: rules(candidate), ticket: Some(ticket("VPN keeps dropping in Berlin", text)) };
    let got = app.triage.test_rules(request).await.expect("test rules").into_inner();
    let after = got.candidate_result.expect("candidate");
    assert_eq!((after.queue.as_str(), after.matched_rule.as_str()), ("duplicate-review", "duplicates"));
    assert_eq!(after.similar_tickets.len(), 1);
    assert!(after.similar_tickets[0].similarity >= 0.8);
    app.shutdown().await;
}

on_every_backend!(
    get_rules_names_the_rules_in_force,
    check_rules_reports_errors_and_warnings_without_failing,
    test_rules_compares_candidate_and_current_and_stores_nothing,
    backtest_counts_changed_decisions_over_stored_tickets,
    a_changed_rules_file_is_reloaded_and_a_bad_one_refused_both_audited,
    test_rules_sees_the_near_duplicates_of_the_ticket
);
