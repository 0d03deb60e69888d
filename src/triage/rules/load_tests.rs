//! Tests of loading rules: errors that name the rule and the key, duplicates, declared queues,
//! versions and files.

use super::*;

fn load_error(rules: &str) -> String {
    RuleSet::parse(rules, RulesFormat::Yaml).expect_err("must be refused").to_string()
}

/// A rules file with one rule `vip-customers` with this `when`.
fn with_when(when: &str) -> String {
    format!(
        "name: e\ndefault_queue: q\nrules:\n  - {{ id: vip-customers, priority: 1, when: {when}, then: {{ queue: v }} }}\n"
    )
}

/// A rules file with one rule `a` with this `then`.
fn with_then(then: &str) -> String {
    format!("name: e\ndefault_queue: q\nrules:\n  - {{ id: a, priority: 1, when: {{ all: [] }}, then: {then} }}\n")
}

#[test]
fn mistakes_in_conditions_name_the_rule_and_the_path() {
    let error = |when: &str| load_error(&with_when(when));
    assert_eq!(
        error("{ all: [ { field: score, op: gte, value: 0.5 }, { field: metdata.tier, op: eq, value: gold } ] }"),
        r#"rule "vip-customers": when.all[1].field: unknown field "metdata.tier""#
    );
    assert_eq!(
        error("{ field: score, op: like, value: 1 }"),
        r#"rule "vip-customers": when.op: unknown operator "like"; expected one of eq, ne, in, contains, contains_any, matches, gt, gte, lt, lte, exists"#
    );
    assert!(error("{ field: title, op: matches, value: '(' }").contains("when.value: invalid regex"));
    assert!(error("{ field: score, op: gte, value: high }").contains("when.value: op gte needs a number"));
    assert!(error("{ field: score, op: gt, value: [1] }").contains("when.value: op gt needs a number"));
    assert!(error("{ field: category, op: eq, value: HARDWARE }").contains("when.value: unknown value \"HARDWARE\""));
    assert!(error("{ field: tags, op: in, value: web }").contains("when.value: op in needs a list"));
    assert!(error("{ field: title, op: gte, value: 1 }").contains("when.op: gte applies to number fields only"));
    assert!(error("{ field: title, op: lt, value: 1 }").contains("when.op: lt applies to number fields only"));
    assert!(error("{ field: tags, op: eq, value: web }").contains("use contains, contains_any or in"));
    assert!(error("{ field: title, op: eq }").contains("when.value: is required"));
    assert!(error("{ field: title, op: eq, value: x, extra: 1 }").contains("when.extra: unknown key"));
    assert_eq!(
        error("{ any: [ { field: title, op: contains_any, value: outage } ] }"),
        r#"rule "vip-customers": when.any[0].value: op contains_any needs a list of texts"#
    );
    assert!(error("{ field: score, op: contains_any, value: [a] }").contains("when.op: contains_any applies to text"));
    assert_eq!(
        error("{ field: title, op: exists, value: true }"),
        "rule \"vip-customers\": when.op: exists applies to metadata.<key>, predicted_queue, tags and \
         signals.urgency_phrases only; this field is always present (field title)"
    );
    assert!(
        error("{ field: metadata.tier, op: exists, value: yes }").contains("when.value: op exists needs true or false")
    );
    assert!(error("{ field: has_duplicates, op: eq, value: maybe }").contains("when.value: must be true or false"));
    assert!(
        error("{ field: has_duplicates, op: gte, value: 1 }").contains("when.op: gte applies to number fields only")
    );
    assert!(error("{ field: category_source, op: eq, value: guess }").contains("expected one of REQUESTER, PREDICTED"));
    assert_eq!(
        error("{ not: [ { field: score, op: gt, value: 0.5 } ] }"),
        "rule \"vip-customers\": when.not: must be one condition; to negate several, write `not: { any: [...] }` \
         or `not: { all: [...] }`"
    );
    assert_eq!(
        error("{ not: { field: scor, op: gt, value: 0.5 } }"),
        r#"rule "vip-customers": when.not.field: unknown field "scor""#
    );
    assert_eq!(
        error("{ not: { field: score, op: gt, value: 0.5 }, any: [] }"),
        "rule \"vip-customers\": when: `any` must be the only key of its condition"
    );
}

#[test]
fn mistakes_in_actions_and_documents_are_refused() {
    assert_eq!(load_error("name: e\nrules: []\n"), "default_queue: is required");
    assert!(load_error(&with_then("{}")).starts_with("rule \"a\": then: needs at least one action"));
    assert!(
        load_error(&with_then("{ queue: x, set_priority: URGENT }"))
            .starts_with("rule \"a\": then.set_priority: unknown value")
    );
    assert_eq!(
        load_error(&with_then("{ set_sla_hours: -4 }")),
        "rule \"a\": then.set_sla_hours: must be a positive number of hours, got -4"
    );
    assert!(load_error(&with_then("{ set_sla_hours: 0 }")).contains("must be a positive number of hours, got 0"));
    assert!(load_error(&with_then("{ set_sla_hours: '4' }")).contains("must be a positive number of hours"));
    assert!(load_error(&with_then("{ route: x }")).starts_with("rule \"a\": then.route: unknown key"));
    assert!(load_error("name: [").starts_with("rules are not valid YAML"));
    let set = RuleSet::parse(&with_then("{ set_sla_hours: 1.5 }"), RulesFormat::Yaml).expect("valid");
    assert_eq!(set.rules()[0].then.set_sla_hours, Some(1.5));
}

#[test]
fn duplicate_ids_and_priorities_name_both_rules() {
    let duplicate_id = "name: e\ndefault_queue: q\nrules:\n  - { id: a, priority: 1, when: { all: [] }, then: { queue: x } }\n  - { id: a, priority: 2, when: { all: [] }, then: { queue: y } }\n";
    assert_eq!(load_error(duplicate_id), r#"rule "a": id: is used by more than one rule (rules[0] and rules[1])"#);
    let tie = "name: e\ndefault_queue: q\nrules:\n  - { id: a, priority: 1, when: { all: [] }, then: { queue: x } }\n  - { id: b, priority: 1, when: { all: [] }, then: { queue: y } }\n";
    assert_eq!(load_error(tie), r#"rule "b": priority: 1 is also the priority of rule "a""#);
}

const DECLARED: &str = "name: d\ndefault_queue: general\nqueues: [general, billing, security]\nrules:\n";

#[test]
fn declared_queues_are_the_only_ones_rules_route_to() {
    let good = format!("{DECLARED}  - {{ id: b, priority: 1, when: {{ all: [] }}, then: {{ queue: billing }} }}\n");
    let set = RuleSet::parse(&good, RulesFormat::Yaml).expect("valid");
    assert_eq!(set.queues(), Some(&["general".to_owned(), "billing".to_owned(), "security".to_owned()][..]));
    let typo = format!("{DECLARED}  - {{ id: b, priority: 1, when: {{ all: [] }}, then: {{ queue: biling }} }}\n");
    assert_eq!(load_error(&typo), r#"rule "b": then.queue: "biling" is not in queues (general, billing, security)"#);
    let default = "name: d\ndefault_queue: general\nqueues: [billing]\nrules: []\n";
    assert_eq!(load_error(default), r#"default_queue: "general" is not in queues (billing)"#);
    assert_eq!(load_error("name: d\ndefault_queue: q\nqueues: [q, q]\n"), r#"queues[1]: "q" is declared twice"#);
    assert_eq!(load_error("name: d\ndefault_queue: q\nqueues: q\n"), "queues: must be a list of queue names");
    assert_eq!(RuleSet::parse("name: d\ndefault_queue: q\n", RulesFormat::Yaml).expect("valid").queues(), None);
}

#[test]
fn the_same_rules_in_any_format_have_the_same_version() {
    let yaml = "# comment\nname: same\ndefault_queue: q\nrules:\n  - { id: a, priority: 1, when: { field: score, op: gte, value: 0.5 }, then: { queue: x } }\n";
    let json = r#"{"rules":[{"then":{"queue":"x"},"when":{"value":0.5,"op":"gte","field":"score"},"priority":1,"id":"a"}],"default_queue":"q","name":"same"}"#;
    let toml = "name = \"same\"\ndefault_queue = \"q\"\n[[rules]]\nid = \"a\"\npriority = 1\nwhen = { field = \"score\", op = \"gte\", value = 0.5 }\nthen = { queue = \"x\" }\n";
    let versions: Vec<String> = [(yaml, RulesFormat::Yaml), (json, RulesFormat::Json), (toml, RulesFormat::Toml)]
        .into_iter()
        .map(|(text, format)| RuleSet::parse(text, format).expect("valid").version().to_owned())
        .collect();
    assert_eq!(versions[0], versions[1]);
    assert_eq!(versions[0], versions[2]);
    assert!(versions[0].starts_with("same@") && versions[0].len() == "same@".len() + 12, "{}", versions[0]);
    let changed = RuleSet::parse(&yaml.replace("0.5", "0.6"), RulesFormat::Yaml).expect("valid");
    assert_ne!(changed.version(), versions[0]);
}

#[test]
fn load_reads_a_file_and_names_it_in_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("rules.json");
    std::fs::write(&good, r#"{"name":"j","default_queue":"q","rules":[]}"#).expect("write");
    assert_eq!(RuleSet::load(&good).expect("valid").default_queue(), "q");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "name: j\n").expect("write");
    let message = RuleSet::load(&bad).expect_err("no default queue").to_string();
    assert!(message.contains("bad.yaml") && message.ends_with("default_queue: is required"), "{message}");
    let missing = RuleSet::load(&dir.path().join("missing.toml")).expect_err("missing").to_string();
    assert!(missing.starts_with("cannot read rules file") && missing.contains("missing.toml"), "{missing}");
    assert!(matches!(RuleSet::load(&dir.path().join("rules.txt")), Err(RulesError::UnknownFormat { .. })));
}

/// A rule set whose one rule's condition is `all` groups `levels` deep around one test.
fn nested(levels: usize, format: RulesFormat) -> String {
    let (test, open, close) = match format {
        RulesFormat::Toml => ("{ field = \"score\", op = \"gte\", value = 0.5 }", "{ all = [ ", " ] }"),
        _ => ("{ \"field\": \"score\", \"op\": \"gte\", \"value\": 0.5 }", "{ \"all\": [ ", " ] }"),
    };
    let when = format!("{}{test}{}", open.repeat(levels), close.repeat(levels));
    match format {
        RulesFormat::Toml => format!(
            "name = \"n\"\ndefault_queue = \"q\"\n[[rules]]\nid = \"r\"\npriority = 1\nwhen = {when}\nthen = {{ queue = \"x\" }}\n"
        ),
        RulesFormat::Json => format!(
            "{{\"name\": \"n\", \"default_queue\": \"q\", \"rules\": [{{\"id\": \"r\", \"priority\": 1, \"when\": {when}, \
             \"then\": {{\"queue\": \"x\"}}}}]}}"
        ),
        RulesFormat::Yaml => {
            let mut text =
                "name: n\ndefault_queue: q\nrules:\n  - id: r\n    priority: 1\n    then: { queue: x }\n    when:\n"
                    .to_owned();
            for level in 0..levels {
                let indent = "  ".repeat(3 + 2 * level);
                text.push_str(&format!("{indent}{}all:\n", if level == 0 { "" } else { "- " }));
            }
            text.push_str(&format!("{}- {test}\n", "  ".repeat(3 + 2 * levels)));
            text
        }
    }
}

#[test]
fn conditions_may_nest_as_deep_as_the_limit_in_every_format_and_no_deeper() {
    for format in [RulesFormat::Yaml, RulesFormat::Json, RulesFormat::Toml] {
        RuleSet::parse(&nested(32, format), format).unwrap_or_else(|e| panic!("{format}: 32 levels: {e}"));
        let error = RuleSet::parse(&nested(33, format), format).expect_err("33 levels");
        assert!(
            matches!(&error, RulesError::Limit { message, .. }
                if message == "conditions nest deeper than 32 levels; at most 32 are allowed (limits.max_rules_depth)"),
            "{format}: {error}"
        );
    }
    let flow = nested(32, RulesFormat::Json);
    RuleSet::parse(&flow, RulesFormat::Yaml).expect("the JSON text is YAML too");
}

#[test]
fn a_document_over_its_limits_is_refused_naming_them() {
    let rule = |n: usize| format!("  - {{ id: r{n}, priority: {n}, when: {{ all: [] }}, then: {{ queue: q }} }}\n");
    let many = format!("name: m\ndefault_queue: q\nrules:\n{}", (0..1_001).map(rule).collect::<String>());
    let error = RuleSet::parse(&many, RulesFormat::Yaml).expect_err("too many rules");
    assert_eq!(error.to_string(), "rules: 1001 rules; at most 1000 are allowed (limits.max_rules)");
    let small = RulesLimits { max_document_bytes: 1024, ..RulesLimits::default() };
    let error = RuleSet::parse_within(&many, RulesFormat::Yaml, &small).expect_err("too large");
    assert_eq!(
        error.to_string(),
        format!("(document): {} bytes; at most 1024 are allowed (limits.max_rules_document_bytes)", many.len())
    );
    let deep = format!("name: [{}{}]\n", "[".repeat(100_000), "]".repeat(100_000));
    let error = RuleSet::parse(&deep, RulesFormat::Yaml).expect_err("too deep");
    assert!(error.to_string().contains("at most 80 are allowed (limits.max_rules_depth = 32"), "{error}");
    let laughs = "name: &a [x, x, x]\ndefault_queue: q\nrules: [*a, *a]\n";
    assert!(load_error(laughs).contains("line 3: YAML aliases (*name) are not accepted"), "{}", load_error(laughs));
}

#[test]
fn the_built_in_and_fixture_rules_fit_in_a_tenth_of_every_limit() {
    let d = RulesLimits::default();
    let tenth = RulesLimits {
        max_document_bytes: d.max_document_bytes / 10,
        max_rules: d.max_rules / 10,
        max_depth: d.max_depth / 10,
        max_regex_bytes: d.max_regex_bytes / 10,
        max_regex_dfa_bytes: d.max_regex_dfa_bytes / 10,
        max_regex_total_bytes: d.max_regex_total_bytes / 10,
    };
    let fixture = include_str!("../../../tests/fixtures/candidate-rules.yaml");
    for text in [include_str!("../../../rules/default.yaml"), fixture] {
        RuleSet::parse_within(text, RulesFormat::Yaml, &tenth).expect("well within the limits");
    }
}
