//! Tests of the routing rules: operators, nesting, continue, load errors and the built-in rules.

use super::*;
use crate::{
    domain::{Category, Priority, Ticket},
    triage::{
        classify::classify,
        fixtures::{classification, ticket},
        signals,
    },
};

/// Routes `ticket` with `rules` (YAML), the given category, score 0.5 and the ticket's own signals.
fn route_with(rules: &str, ticket: &Ticket, category: Category, score: f64) -> Routing {
    let set = RuleSet::parse(rules, RulesFormat::Yaml).expect("valid rules");
    let signals = signals::read(&ticket.title, &ticket.description);
    let c = classification(category);
    set.route(&Facts {
        ticket,
        classification: &c,
        signals: &signals,
        score,
        age_hours: 30,
        queue_prediction: None,
        similar: &[],
    })
}

/// Whether a single-rule set with this `when` (YAML flow mapping) routes the default ticket.
fn holds(when: &str) -> bool {
    let mut t = ticket(
        "Checkout is DOWN",
        "Customers see error 503 on checkout and cannot pay for their orders since this morning.",
    );
    t.requester_email = "Ops@Shop.Example.com".into();
    t.tags = vec!["Web".into(), "eu".into()];
    t.metadata.insert("tier".into(), "Gold".into());
    let rules = format!(
        "name: t\ndefault_queue: q0\nrules:\n  - {{ id: r, priority: 1, when: {when}, then: {{ queue: q1 }} }}\n"
    );
    route_with(&rules, &t, Category::Technical, 0.5).queue == "q1"
}

#[test]
fn every_operator_works_on_its_fields() {
    assert!(holds("{ field: category, op: eq, value: technical }"));
    assert!(!holds("{ field: category, op: eq, value: BILLING }"));
    assert!(holds("{ field: priority, op: ne, value: HIGH }"));
    assert!(holds("{ field: metadata.tier, op: in, value: [gold, platinum] }"));
    assert!(holds("{ field: metadata.region, op: ne, value: eu }"));
    assert!(!holds("{ field: metadata.region, op: eq, value: eu }"));
    assert!(holds("{ field: title, op: contains, value: down }"));
    assert!(holds("{ field: text, op: contains, value: 'error 503' }"));
    assert!(holds("{ field: tags, op: contains, value: web }"));
    assert!(!holds("{ field: tags, op: contains, value: we }"));
    assert!(holds("{ field: tags, op: in, value: [mobile, eu] }"));
    assert!(holds("{ field: signals.urgency_phrases, op: contains, value: down }"));
    assert!(holds("{ field: requester_domain, op: eq, value: shop.example.com }"));
    assert!(holds("{ field: requester_email, op: matches, value: '^ops@.*\\.com$' }"));
    assert!(holds("{ field: description, op: matches, value: 'error 5\\d\\d' }"));
    assert!(!holds("{ field: description, op: matches, value: 'error 4\\d\\d' }"));
    assert!(holds("{ field: score, op: gte, value: 0.5 }"));
    assert!(!holds("{ field: score, op: gte, value: 0.51 }"));
    assert!(holds("{ field: age_hours, op: lte, value: 30 }"));
    assert!(holds("{ field: signals.urgency, op: gte, value: 0.4 }"));
    assert!(holds("{ field: signals.language, op: eq, value: en }"));
    assert!(holds("{ field: status, op: eq, value: new }"));
}

#[test]
fn all_and_any_nest() {
    assert!(holds(
        "{ all: [ { field: category, op: eq, value: TECHNICAL }, { any: [ { field: score, op: gte, value: 0.9 }, { field: tags, op: contains, value: eu } ] } ] }"
    ));
    assert!(!holds(
        "{ all: [ { field: category, op: eq, value: TECHNICAL }, { any: [ { field: score, op: gte, value: 0.9 }, { field: tags, op: contains, value: us } ] } ] }"
    ));
    assert!(holds("{ all: [] }"));
    assert!(!holds("{ any: [] }"));
}

const CONTINUE_RULES: &str = r#"
name: c
default_queue: general
rules:
  - { id: tag-all, priority: 1, when: { all: [] }, then: { add_tags: [seen] }, continue: true }
  - { id: vip, priority: 2, when: { field: metadata.tier, op: eq, value: gold }, then: { queue: vip, add_tags: [vip] }, continue: true }
  - { id: disabled, priority: 3, enabled: false, when: { all: [] }, then: { queue: nowhere } }
  - { id: billing, priority: 4, when: { field: category, op: eq, value: BILLING }, then: { queue: billing, set_priority: HIGH, escalate: true } }
  - { id: after-stop, priority: 5, when: { all: [] }, then: { queue: late } }
"#;

#[test]
fn the_first_match_stops_unless_it_continues() {
    let mut t = ticket("Invoice", "wrong amount");
    let r = route_with(CONTINUE_RULES, &t, Category::Billing, 0.1);
    assert_eq!((r.queue.as_str(), r.matched_rule.as_str()), ("billing", "billing"));
    assert_eq!(r.matched_rules, ["tag-all", "billing"]);
    assert_eq!(r.tags, ["seen"]);
    assert_eq!(r.set_priority, Some((Priority::High, "billing".to_owned())));
    assert_eq!(r.escalated_by.as_deref(), Some("billing"));

    t.metadata.insert("tier".into(), "gold".into());
    let r = route_with(CONTINUE_RULES, &t, Category::Technical, 0.1);
    assert_eq!((r.queue.as_str(), r.matched_rule.as_str()), ("late", "after-stop"));
    assert_eq!(r.tags, ["seen", "vip"]);

    let only_continue = "name: c\ndefault_queue: general\nrules:\n  - { id: t, priority: 1, when: { all: [] }, then: { add_tags: [x] }, continue: true }\n";
    let r = route_with(only_continue, &t, Category::General, 0.1);
    assert_eq!((r.queue.as_str(), r.matched_rule.as_str()), ("general", DEFAULT_RULE));
    assert_eq!(r.escalated_by, None);
}

fn load_error(rules: &str) -> String {
    RuleSet::parse(rules, RulesFormat::Yaml).expect_err("must be refused").to_string()
}

#[test]
fn mistakes_are_refused_naming_the_rule_and_the_key() {
    let rule = |when: &str| {
        format!(
            "name: e\ndefault_queue: q\nrules:\n  - {{ id: vip-customers, priority: 1, when: {when}, then: {{ queue: v }} }}\n"
        )
    };
    assert_eq!(
        load_error(&rule(
            "{ all: [ { field: score, op: gte, value: 0.5 }, { field: metdata.tier, op: eq, value: gold } ] }"
        )),
        r#"rule "vip-customers": when.all[1].field: unknown field "metdata.tier""#
    );
    assert!(load_error(&rule("{ field: score, op: like, value: 1 }")).contains(r#"when.op: unknown operator "like""#));
    assert!(load_error(&rule("{ field: title, op: matches, value: '(' }")).contains("when.value: invalid regex"));
    assert!(load_error(&rule("{ field: score, op: gte, value: high }")).contains("when.value: op gte needs a number"));
    assert!(
        load_error(&rule("{ field: category, op: eq, value: HARDWARE }"))
            .contains("when.value: unknown value \"HARDWARE\"")
    );
    assert!(load_error(&rule("{ field: tags, op: in, value: web }")).contains("when.value: op in needs a list"));
    assert!(
        load_error(&rule("{ field: title, op: gte, value: 1 }")).contains("when.op: gte applies to number fields only")
    );
    assert!(load_error(&rule("{ field: tags, op: eq, value: web }")).contains("use contains or in"));
    assert!(load_error(&rule("{ field: title, op: eq }")).contains("when.value: is required"));
    assert!(load_error(&rule("{ field: title, op: eq, value: x, extra: 1 }")).contains("when.extra: unknown key"));

    let duplicate_id = "name: e\ndefault_queue: q\nrules:\n  - { id: a, priority: 1, when: { all: [] }, then: { queue: x } }\n  - { id: a, priority: 2, when: { all: [] }, then: { queue: y } }\n";
    assert_eq!(load_error(duplicate_id), r#"rule "a": id: is used by more than one rule"#);
    let duplicate_priority = "name: e\ndefault_queue: q\nrules:\n  - { id: a, priority: 1, when: { all: [] }, then: { queue: x } }\n  - { id: b, priority: 1, when: { all: [] }, then: { queue: y } }\n";
    assert_eq!(load_error(duplicate_priority), r#"rule "b": priority: 1 is also the priority of rule "a""#);
    assert_eq!(load_error("name: e\nrules: []\n"), "default_queue: is required");
    assert!(
        load_error("name: e\ndefault_queue: q\nrules:\n  - { id: a, priority: 1, when: { all: [] }, then: {} }\n")
            .starts_with("rule \"a\": then: needs at least one action")
    );
    assert!(load_error("name: e\ndefault_queue: q\nrules:\n  - { id: a, priority: 1, when: { all: [] }, then: { queue: x, set_priority: URGENT } }\n").starts_with("rule \"a\": then.set_priority: unknown value"));
    assert!(load_error("name: [").starts_with("rules are not valid YAML"));
}

#[test]
fn regexes_are_compiled_once_at_load() {
    let set = RuleSet::parse(
        "name: r\ndefault_queue: q\nrules:\n  - { id: re, priority: 1, when: { field: title, op: matches, value: '^inc-\\d+' }, then: { queue: x } }\n",
        RulesFormat::Yaml,
    )
    .expect("valid");
    let Condition::Test(test) = &set.rules()[0].when else { panic!("a single test") };
    let condition::Op::Matches(regex) = &test.op else { panic!("a compiled regex") };
    assert!(regex.is_match("INC-42 printer"));
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
fn builtin_rules_load_and_route() {
    let builtin = RuleSet::builtin();
    assert_eq!(builtin.name(), "default");
    assert_eq!(builtin.default_queue(), "general-support");
    assert!(builtin.version().starts_with("default@"));
    let route = |t: &Ticket| {
        let c = classify(&t.title, &t.description, t.category, None);
        let s = signals::read(&t.title, &t.description);
        builtin.route(&Facts {
            ticket: t,
            classification: &c,
            signals: &s,
            score: 0.4,
            age_hours: 0,
            queue_prediction: None,
            similar: &[],
        })
    };
    let breach = route(&ticket("Possible data breach", "We think our admin account was hacked last night."));
    assert_eq!((breach.queue.as_str(), breach.matched_rule.as_str()), ("security", "security-incidents"));
    assert_eq!(breach.set_priority, Some((Priority::Critical, "security-incidents".to_owned())));
    assert_eq!(breach.escalated_by.as_deref(), Some("security-incidents"));
    let question = route(&ticket("Question about opening hours", "When is your office open?"));
    assert_eq!((question.queue.as_str(), question.matched_rule.as_str()), ("general-support", "default"));
    let outage = route(&ticket("Outage", "The whole platform is down for all users."));
    assert_eq!(outage.queue, "incident-response");
    assert_eq!(route(&ticket("Refund please", "I was charged twice on my invoice.")).queue, "billing");
    assert_eq!(route(&ticket("Cannot log in", "I forgot my password.")).queue, "identity-access");
    assert_eq!(route(&ticket("Bug in report", "Steps to reproduce: the totals are wrong.")).queue, "engineering");
    assert_eq!(route(&ticket("Feature request", "It would be nice to have dark mode.")).queue, "product");
    let german = route(&ticket("Rechnung falsch", "Die letzte Rechnung ist falsch, bitte korrigieren Sie den Betrag."));
    assert!(german.tags.contains(&"needs-translation".to_owned()), "{german:?}");
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
