//! Tests of rule evaluation: every operator on matching and non-matching values, nesting,
//! `continue`, the actions a routing collects and the built-in rules.

use super::*;
use crate::testing::{classification, ticket};
use crate::{
    domain::{Category, Priority, Ticket},
    triage::{
        classify::classify,
        result::{QueuePrediction, SimilarTicket},
        signals,
    },
};

/// What a test ticket looks like beyond its text.
struct Case {
    category: Category,
    score: f64,
    queue: Option<QueuePrediction>,
    similar: Vec<SimilarTicket>,
}

impl Case {
    fn plain(category: Category, score: f64) -> Case {
        Case { category, score, queue: None, similar: Vec::new() }
    }
}

/// Routes `ticket` with `rules` (YAML) as `case` describes, 30 hours after it was created.
fn route_case(rules: &str, ticket: &Ticket, case: &Case) -> Routing {
    let set = RuleSet::parse(rules, RulesFormat::Yaml).expect("valid rules");
    let signals = signals::read(&ticket.title, &ticket.description);
    let mut c = classification(case.category);
    c.predicted_confidence = 0.62;
    set.route(&Facts {
        ticket,
        classification: &c,
        signals: &signals,
        score: case.score,
        age_hours: 30,
        queue_prediction: case.queue.as_ref(),
        similar: &case.similar,
    })
}

fn route_with(rules: &str, ticket: &Ticket, category: Category, score: f64) -> Routing {
    route_case(rules, ticket, &Case::plain(category, score))
}

/// A gold-tier TECHNICAL outage ticket from ops@shop.example.com tagged Web and eu, score 0.5.
fn outage_ticket() -> Ticket {
    let mut t = ticket(
        "Checkout is DOWN",
        "Customers see error 503 on checkout and cannot pay for their orders since this morning.",
    );
    t.requester_email = "Ops@Shop.Example.com".into();
    t.tags = vec!["Web".into(), "eu".into()];
    t.metadata.insert("tier".into(), "Gold".into());
    t
}

/// Whether a single-rule set with this `when` (YAML flow mapping) routes the outage ticket as
/// `case` describes.
fn holds_for(when: &str, case: &Case) -> bool {
    let rules = format!(
        "name: t\ndefault_queue: q0\nrules:\n  - {{ id: r, priority: 1, when: {when}, then: {{ queue: q1 }} }}\n"
    );
    route_case(&rules, &outage_ticket(), case).queue == "q1"
}

/// [`holds_for`] a TECHNICAL ticket with score 0.5, no queue model and no duplicates.
fn holds(when: &str) -> bool {
    holds_for(when, &Case::plain(Category::Technical, 0.5))
}

/// [`holds_for`] with a queue prediction (hardware, 0.7) and two duplicates (0.85, 0.92).
fn holds_with_models(when: &str) -> bool {
    let similar = [("TKT-1", 0.85), ("TKT-2", 0.92)];
    holds_for(
        when,
        &Case {
            category: Category::Technical,
            score: 0.5,
            queue: Some(QueuePrediction { queue: "Hardware".into(), confidence: 0.7, confident: true }),
            similar: similar.iter().map(|(id, s)| SimilarTicket { ticket_id: (*id).into(), similarity: *s }).collect(),
        },
    )
}

#[test]
fn every_operator_works_on_its_fields() {
    assert!(holds("{ field: category, op: eq, value: technical }"));
    assert!(!holds("{ field: category, op: eq, value: BILLING }"));
    assert!(holds("{ field: priority, op: ne, value: HIGH }"));
    assert!(!holds("{ field: priority, op: ne, value: medium }"));
    assert!(holds("{ field: metadata.tier, op: in, value: [gold, platinum] }"));
    assert!(!holds("{ field: metadata.tier, op: in, value: [silver, platinum] }"));
    assert!(holds("{ field: metadata.region, op: ne, value: eu }"));
    assert!(!holds("{ field: metadata.region, op: eq, value: eu }"));
    assert!(holds("{ field: title, op: contains, value: down }"));
    assert!(!holds("{ field: title, op: contains, value: up }"));
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
    assert!(!holds("{ field: age_hours, op: lte, value: 29 }"));
    assert!(holds("{ field: signals.urgency, op: gte, value: 0.4 }"));
    assert!(holds("{ field: signals.language, op: eq, value: en }"));
    assert!(holds("{ field: status, op: eq, value: new }"));
}

#[test]
fn contains_any_gt_lt_and_exists() {
    assert!(holds("{ field: text, op: contains_any, value: [refund, 'ERROR 503'] }"));
    assert!(!holds("{ field: text, op: contains_any, value: [refund, invoice] }"));
    assert!(holds("{ field: tags, op: contains_any, value: [mobile, WEB] }"));
    assert!(!holds("{ field: tags, op: contains_any, value: [mobile, we] }"));
    assert!(holds("{ field: signals.urgency_phrases, op: contains_any, value: [outage, down] }"));
    assert!(holds("{ field: score, op: gt, value: 0.49 }"));
    assert!(!holds("{ field: score, op: gt, value: 0.5 }"));
    assert!(holds("{ field: age_hours, op: lt, value: 31 }"));
    assert!(!holds("{ field: age_hours, op: lt, value: 30 }"));
    assert!(holds("{ field: metadata.tier, op: exists, value: true }"));
    assert!(!holds("{ field: metadata.region, op: exists, value: true }"));
    assert!(holds("{ field: metadata.region, op: exists, value: false }"));
    assert!(holds("{ field: tags, op: exists, value: true }"));
    assert!(!holds("{ field: tags, op: exists, value: false }"));
    assert!(!holds("{ field: predicted_queue, op: exists, value: true }"));
    assert!(holds_with_models("{ field: predicted_queue, op: exists, value: true }"));
}

#[test]
fn model_and_duplicate_fields_can_be_tested() {
    assert!(holds("{ field: category_source, op: eq, value: predicted }"));
    assert!(holds("{ field: category_source, op: eq, value: lexicon }"));
    assert!(!holds("{ field: category_source, op: in, value: [requester, model] }"));
    assert!(holds("{ field: predicted_by, op: eq, value: LEXICON }"));
    assert!(!holds("{ field: predicted_by, op: eq, value: model }"));
    assert!(holds("{ field: predicted_confidence, op: gte, value: 0.62 }"));
    assert!(!holds("{ field: predicted_confidence, op: gt, value: 0.62 }"));
    assert!(holds("{ field: queue_confidence, op: eq, value: 0 }"));
    assert!(holds_with_models("{ field: queue_confidence, op: gte, value: 0.7 }"));
    assert!(holds_with_models("{ field: predicted_queue, op: eq, value: hardware }"));
    assert!(!holds("{ field: predicted_queue, op: eq, value: hardware }"));
    assert!(holds("{ field: predicted_queue, op: ne, value: hardware }"));
    assert!(holds_with_models("{ field: duplicates.count, op: eq, value: 2 }"));
    assert!(holds_with_models("{ field: duplicates.max_similarity, op: gt, value: 0.9 }"));
    assert!(!holds("{ field: duplicates.max_similarity, op: gt, value: 0 }"));
    assert!(holds_with_models("{ field: has_duplicates, op: eq, value: true }"));
    assert!(holds("{ field: has_duplicates, op: eq, value: false }"));
    assert!(holds("{ field: has_duplicates, op: ne, value: true }"));
}

#[test]
fn all_any_and_not_nest() {
    assert!(holds(
        "{ all: [ { field: category, op: eq, value: TECHNICAL }, { any: [ { field: score, op: gte, value: 0.9 }, { field: tags, op: contains, value: eu } ] } ] }"
    ));
    assert!(!holds(
        "{ all: [ { field: category, op: eq, value: TECHNICAL }, { any: [ { field: score, op: gte, value: 0.9 }, { field: tags, op: contains, value: us } ] } ] }"
    ));
    assert!(holds("{ all: [] }"));
    assert!(!holds("{ any: [] }"));
    assert!(holds("{ not: { field: category, op: eq, value: BILLING } }"));
    assert!(!holds("{ not: { field: category, op: eq, value: TECHNICAL } }"));
    assert!(!holds("{ not: { all: [] } }"));
    assert!(holds("{ not: { not: { field: tags, op: contains, value: eu } } }"));
    assert!(holds(
        "{ all: [ { field: metadata.tier, op: eq, value: gold }, { not: { any: [ { field: tags, op: contains, value: mobile }, { field: score, op: gt, value: 0.8 } ] } } ] }"
    ));
    assert!(!holds(
        "{ all: [ { field: metadata.tier, op: eq, value: gold }, { not: { any: [ { field: tags, op: contains, value: web }, { field: score, op: gt, value: 0.8 } ] } } ] }"
    ));
}

const CONTINUE_RULES: &str = r#"
name: c
default_queue: general
rules:
  - { id: tag-all, priority: 1, when: { all: [] }, then: { add_tags: [seen], set_sla_hours: 48 }, continue: true }
  - { id: vip, priority: 2, when: { field: metadata.tier, op: eq, value: gold }, then: { queue: vip, add_tags: [vip], set_sla_hours: 2 }, continue: true }
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
    assert_eq!(r.sla_hours, Some((48.0, "tag-all".to_owned())));

    t.metadata.insert("tier".into(), "gold".into());
    let r = route_with(CONTINUE_RULES, &t, Category::Technical, 0.1);
    assert_eq!((r.queue.as_str(), r.matched_rule.as_str()), ("late", "after-stop"));
    assert_eq!(r.matched_rules, ["tag-all", "vip", "after-stop"]);
    assert_eq!(r.tags, ["seen", "vip"]);
    assert_eq!(r.sla_hours, Some((2.0, "vip".to_owned())), "the last rule that sets SLA hours wins");
    assert_eq!(r.set_priority, None);

    let only_continue = "name: c\ndefault_queue: general\nrules:\n  - { id: t, priority: 1, when: { all: [] }, then: { add_tags: [x] }, continue: true }\n";
    let r = route_with(only_continue, &t, Category::General, 0.1);
    assert_eq!((r.queue.as_str(), r.matched_rule.as_str()), ("general", DEFAULT_RULE));
    assert_eq!((r.escalated_by, r.sla_hours), (None, None));
}

#[test]
fn regexes_are_compiled_once_at_load() {
    let set = RuleSet::parse(
        "name: r\ndefault_queue: q\nrules:\n  - { id: re, priority: 1, when: { field: title, op: matches, value: '^inc-\\d+' }, then: { queue: x } }\n",
        RulesFormat::Yaml,
    )
    .expect("valid");
    let Condition::Test(test) = &set.rules()[0].when else { panic!("a single test") };
    let Op::Matches(regex) = &test.op else { panic!("a compiled regex") };
    assert!(regex.is_match("INC-42 printer"));
    assert_eq!(test.to_string(), r#"title matches "^inc-\\d+""#);
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
    assert_eq!(breach.tags, ["security", "incident"]);
    let question = route(&ticket("Question about opening hours", "When is your office open?"));
    assert_eq!((question.queue.as_str(), question.matched_rule.as_str()), ("general-support", "default"));
    let outage = route(&ticket("Outage", "The whole platform is down for all users."));
    assert_eq!((outage.queue.as_str(), outage.matched_rule.as_str()), ("incident-response", "outages"));
    assert_eq!(outage.escalated_by.as_deref(), Some("outages"));
    assert_eq!(route(&ticket("Refund for double charge", "I was charged twice on my invoice.")).queue, "billing");
    assert_eq!(route(&ticket("Cannot log in", "I forgot my password.")).queue, "identity-access");
    assert_eq!(route(&ticket("Bug in report", "Steps to reproduce: the totals are wrong.")).queue, "engineering");
    assert_eq!(route(&ticket("Feature request", "It would be nice to have dark mode.")).queue, "product");
    let german = route(&ticket("Rechnung falsch", "Die letzte Rechnung ist falsch, bitte korrigieren Sie den Betrag."));
    assert!(german.tags.contains(&"needs-translation".to_owned()), "{german:?}");
}
