//! Tests of the rules lint: every finding kind on a real example, what it must not report, the
//! order of findings, the shipped rules, and odd input.

use super::*;

/// A rules file: `rules` is the YAML list of rules, one flow mapping per line.
fn file(rules: &[&str]) -> String {
    let mut text = "name: l\ndefault_queue: general\nrules:\n".to_owned();
    for rule in rules {
        text.push_str(&format!("  - {rule}\n"));
    }
    text
}

/// The findings as their one-line text.
fn lint(text: &str) -> Vec<String> {
    lint_text(text, RulesFormat::Yaml).findings.iter().map(Finding::to_string).collect()
}

/// The lint of one rule `r` with this `when`.
fn lint_when(when: &str) -> Vec<String> {
    lint(&file(&[&format!("{{ id: r, priority: 1, when: {when}, then: {{ queue: x }} }}")]))
}

fn never_matches(when: &str, path: &str, reason: &str) {
    assert_eq!(
        lint_when(when),
        [format!("warning [never-matches] rule \"r\": {path}: never holds: {reason}")],
        "{when}"
    );
}

#[test]
fn contradictions_inside_one_all_never_match() {
    let all = |a: &str, b: &str| format!("{{ all: [ {{ {a} }}, {{ {b} }} ] }}");
    never_matches(
        &all("field: category, op: eq, value: BILLING", "field: category, op: eq, value: TECHNICAL"),
        "when.all[1]",
        r#"category eq "technical" contradicts category eq "billing" at when.all[0]"#,
    );
    never_matches(
        &all("field: metadata.tier, op: eq, value: gold", "field: metadata.tier, op: ne, value: GOLD"),
        "when.all[1]",
        r#"metadata.tier ne "gold" contradicts metadata.tier eq "gold" at when.all[0]"#,
    );
    never_matches(
        &all("field: score, op: gte, value: 0.8", "field: score, op: lte, value: 0.2"),
        "when.all[1]",
        "score lte 0.2 contradicts score gte 0.8 at when.all[0]",
    );
    never_matches(
        &all("field: score, op: lt, value: 0.5", "field: score, op: gte, value: 0.5"),
        "when.all[1]",
        "score gte 0.5 contradicts score lt 0.5 at when.all[0]",
    );
    never_matches(
        &all("field: category, op: in, value: [BILLING, ACCOUNT]", "field: category, op: eq, value: BUG"),
        "when.all[1]",
        r#"category eq "bug" contradicts category in ["billing", "account"] at when.all[0]"#,
    );
    never_matches(
        &all("field: age_hours, op: gt, value: 3", "field: age_hours, op: lt, value: 4"),
        "when.all[1]",
        "age_hours lt 4 contradicts age_hours gt 3 at when.all[0]",
    );
    never_matches(
        &all("field: metadata.tier, op: exists, value: false", "field: metadata.tier, op: contains, value: gold"),
        "when.all[1]",
        r#"metadata.tier contains "gold" contradicts metadata.tier exists false at when.all[0]"#,
    );
    never_matches(
        &all("field: has_duplicates, op: eq, value: true", "field: has_duplicates, op: ne, value: true"),
        "when.all[1]",
        "has_duplicates ne true contradicts has_duplicates eq true at when.all[0]",
    );
    never_matches(
        "{ all: [ { all: [ { field: score, op: gt, value: 0.9 } ] }, { field: score, op: lt, value: 0.3 } ] }",
        "when.all[1]",
        "score lt 0.3 contradicts score gt 0.9 at when.all[0].all[0]",
    );
    never_matches(
        "{ all: [ { field: score, op: in, value: [0.1, 0.9] }, { field: score, op: gte, value: 0.3 }, { field: score, op: lte, value: 0.7 } ] }",
        "when.all[2]",
        "no value of score passes all of: score in [0.1, 0.9]; score gte 0.3; score lte 0.7",
    );
}

#[test]
fn impossible_tests_and_groups_never_match() {
    never_matches("{ field: score, op: gt, value: 1 }", "when", "score gt 1 never holds: score is between 0 and 1");
    never_matches(
        "{ all: [ { field: category_confidence, op: gt, value: 1 } ] }",
        "when.all[0]",
        "category_confidence gt 1 never holds: category_confidence is between 0 and 1",
    );
    never_matches(
        "{ field: signals.sentiment, op: lt, value: -1 }",
        "when",
        "signals.sentiment lt -1 never holds: signals.sentiment is between -1 and 1",
    );
    never_matches(
        "{ field: duplicates.count, op: eq, value: 1.5 }",
        "when",
        "duplicates.count eq 1.5 never holds: duplicates.count is a whole number of at least 0",
    );
    never_matches("{ field: tags, op: in, value: [] }", "when", "tags in [] lists no values, so it never holds");
    never_matches("{ any: [] }", "when", "`any: []` has no alternatives, so it never holds");
    never_matches("{ not: { all: [] } }", "when", "`not` of a condition that always holds never holds");
    never_matches(
        "{ not: { not: { field: score, op: lt, value: 0 } } }",
        "when",
        "`not` of a condition that always holds never holds",
    );
    never_matches(
        "{ any: [ { field: score, op: gt, value: 2 }, { any: [] } ] }",
        "when",
        "none of its alternatives can hold (when.any[0]: score gt 2 never holds: score is between 0 and 1)",
    );
}

#[test]
fn conditions_that_can_hold_are_not_reported() {
    for when in [
        "{ all: [ { field: score, op: gte, value: 0.5 }, { field: score, op: lte, value: 0.5 } ] }",
        "{ all: [ { field: score, op: eq, value: 0.5 }, { field: score, op: gt, value: 0.5 } ] }",
        "{ all: [ { field: score, op: gte, value: 1 }, { field: signals.sentiment, op: lte, value: -1 } ] }",
        "{ all: [ { field: title, op: contains, value: a }, { field: title, op: contains, value: b } ] }",
        "{ all: [ { field: category, op: ne, value: BILLING }, { field: category, op: ne, value: BUG } ] }",
        "{ all: [ { field: metadata.tier, op: ne, value: gold }, { field: metadata.tier, op: exists, value: false } ] }",
        "{ all: [ { field: tags, op: contains, value: a }, { field: tags, op: contains, value: b } ] }",
        "{ all: [ { field: age_hours, op: gt, value: 3 }, { field: age_hours, op: lt, value: 5 } ] }",
        "{ all: [ { field: category, op: in, value: [BUG, BILLING] }, { field: category, op: matches, value: '^bil' } ] }",
        "{ all: [ { field: predicted_queue, op: exists, value: true }, { field: queue_confidence, op: eq, value: 0 } ] }",
        "{ any: [ { field: score, op: gt, value: 1 }, { field: tags, op: contains, value: eu } ] }",
        "{ not: { field: score, op: gt, value: 0.5 } }",
        "{ not: { any: [] } }",
    ] {
        assert_eq!(lint_when(when), Vec::<String>::new(), "{when}");
    }
}

#[test]
fn rules_that_never_run_are_shadowed() {
    let catch_all = "{ id: a, priority: 10, when: { all: [] }, then: { queue: x } }";
    let billing = "{ id: b, priority: 20, when: { field: category, op: eq, value: BILLING }, then: { queue: y } }";
    assert_eq!(
        lint(&file(&[catch_all, billing])),
        [
            r#"warning [shadowed] rule "b": when: always matched first by rule "a" (priority 10), which does not continue"#
        ]
    );
    let implied = |earlier: &str, later: &str| {
        lint(&file(&[
            &format!("{{ id: a, priority: 10, when: {earlier}, then: {{ queue: x }} }}"),
            &format!("{{ id: b, priority: 20, when: {later}, then: {{ queue: y }} }}"),
        ]))
    };
    let shadowed = [
        r#"warning [shadowed] rule "b": when: every ticket it matches is matched first by rule "a" (priority 10), which does not continue"#,
    ];
    let bill = "{ field: category, op: eq, value: billing }";
    let urgent = "{ field: score, op: gte, value: 0.8 }";
    assert_eq!(implied(bill, bill), shadowed, "the same condition");
    assert_eq!(implied(&format!("{{ all: [ {bill} ] }}"), &format!("{{ all: [ {urgent}, {bill} ] }}")), shadowed);
    assert_eq!(implied(urgent, "{ field: score, op: gt, value: 0.9 }"), shadowed);
    assert_eq!(implied("{ field: category, op: in, value: [BUG, BILLING] }", bill), shadowed);
    assert_eq!(
        implied(
            "{ field: text, op: contains_any, value: [outage, down] }",
            "{ field: text, op: contains, value: 'is down' }"
        ),
        shadowed
    );
    assert_eq!(implied(&format!("{{ any: [ {bill}, {urgent} ] }}"), urgent), shadowed);

    assert_eq!(implied(&format!("{{ all: [ {urgent}, {bill} ] }}"), bill), Vec::<String>::new(), "broader later rule");
    assert_eq!(implied(urgent, "{ field: score, op: gte, value: 0.7 }"), Vec::<String>::new());
    let continuing = "{ id: a, priority: 10, when: { all: [] }, then: { add_tags: [t] }, continue: true }";
    assert_eq!(lint(&file(&[continuing, billing])), Vec::<String>::new());
}

#[test]
fn unused_queues_and_disabled_rules_are_reported_in_order() {
    let text = "name: q\ndefault_queue: general\nqueues: [general, billing, legal, vip]\nrules:\n\
                - { id: vip, priority: 5, enabled: false, when: { all: [] }, then: { queue: vip } }\n\
                - { id: bill, priority: 1, when: { field: category, op: eq, value: BILLING }, then: { queue: billing } }\n";
    let report = lint_text(text, RulesFormat::Yaml);
    assert_eq!(report.rules.as_ref().map(RuleSet::name), Some("q"));
    assert!(!report.has_errors());
    let lines: Vec<String> = report.findings.iter().map(Finding::to_string).collect();
    assert_eq!(
        lines,
        [
            r#"warning [unused-queue] queues[2]: queue "legal" is declared but no enabled rule routes to it"#,
            r#"warning [unused-queue] queues[3]: queue "vip" is declared but no enabled rule routes to it"#,
            r#"warning [disabled] rule "vip": enabled: the rule is disabled and never runs"#,
        ]
    );
    let json = serde_json::to_value(&report.findings[2]).expect("serialisable");
    assert_eq!(
        json,
        serde_json::json!({"severity": "warning", "rule": "vip", "path": "enabled", "kind": "disabled",
                           "message": "the rule is disabled and never runs"})
    );
}

#[test]
fn every_load_error_is_reported_errors_first() {
    let text = "name: e\ndefault_queue: general\nqueues: [general, billing]\nrules:\n\
                - { id: a, priority: 1, when: { all: [] }, then: { queue: billing } }\n\
                - { id: a, priority: 2, when: { all: [] }, then: { queue: billing } }\n\
                - { id: b, priority: 1, when: { field: scor, op: gt, value: 1 }, then: { queue: billing } }\n\
                - { id: a, priority: 1, when: { all: [] }, then: { queue: biling } }\n";
    let report = lint_text(text, RulesFormat::Yaml);
    assert!(report.rules.is_none() && report.has_errors());
    let lines: Vec<String> = report.findings.iter().map(Finding::to_string).collect();
    assert_eq!(
        lines,
        [
            r#"error [duplicate-id] rule "a": id: is used by more than one rule (rules[0] and rules[1])"#,
            r#"error [invalid] rule "b": when.field: unknown field "scor""#,
            r#"error [duplicate-priority] rule "b": priority: 1 is also the priority of rule "a""#,
            r#"error [duplicate-id] rule "a": id: is used by more than one rule (rules[0] and rules[3])"#,
            r#"error [duplicate-priority] rule "a": priority: 1 is also the priority of the rule at rules[0]"#,
            r#"error [undeclared-queue] rule "a": then.queue: "biling" is not in queues (general, billing)"#,
        ]
    );
    let syntax = lint_text("name: [", RulesFormat::Yaml);
    assert_eq!(syntax.findings.len(), 1);
    assert_eq!((syntax.findings[0].kind.as_str(), syntax.findings[0].path.as_str()), ("syntax", "(document)"));
    assert!(syntax.findings[0].to_string().starts_with("error [syntax] (document): "), "{}", syntax.findings[0]);
}

#[test]
fn the_shipped_rules_lint_clean_but_for_the_disabled_example() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/default.yaml")).expect("read");
    let report = lint_text(&text, RulesFormat::Yaml);
    assert_eq!(report.rules.as_ref().map(RuleSet::version), Some(RuleSet::builtin().version()));
    let lines: Vec<String> = report.findings.iter().map(Finding::to_string).collect();
    assert_eq!(
        lines,
        [r#"warning [disabled] rule "key-account-domains": enabled: the rule is disabled and never runs"#]
    );
    assert_eq!(RuleSet::builtin().lint(), report.findings);
}

#[test]
fn odd_input_gives_findings_not_panics() {
    let shipped = include_str!("../../../rules/default.yaml");
    let cuts = shipped.char_indices().map(|(i, _)| i).step_by(11);
    for cut in cuts {
        let _ = lint_text(&shipped[..cut], RulesFormat::Yaml);
    }
    let deep_json = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let deep_yaml = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let deep_toml = format!("a = {}{}", "[".repeat(20_000), "]".repeat(20_000));
    let nested_when = format!("{}{{ all: [] }}{}", "{ not: ".repeat(40), " }".repeat(40));
    for (text, format) in [
        (deep_json.as_str(), RulesFormat::Json),
        (deep_yaml.as_str(), RulesFormat::Yaml),
        (deep_toml.as_str(), RulesFormat::Toml),
        ("", RulesFormat::Yaml),
        ("null", RulesFormat::Json),
        ("[1, 2]", RulesFormat::Json),
        ("rules = 3", RulesFormat::Toml),
        ("name: x\ndefault_queue: q\nrules: [1, {}, {id: 3}, {id: ok, priority: 1e99}]", RulesFormat::Yaml),
        (&file(&[&format!("{{ id: r, priority: 1, when: {nested_when}, then: {{ queue: x }} }}")]), RulesFormat::Yaml),
    ] {
        let report = lint_text(text, format);
        assert!(report.has_errors(), "{text:.60}: {:?}", report.findings);
    }
}
