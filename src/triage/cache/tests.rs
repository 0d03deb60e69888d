//! Unit tests of the triage engine's result cache.

use chrono::Duration as Hours;

use super::*;
use crate::testing::{now, ticket};
use crate::triage::{RuleSet, TriageSettings};

fn engine(enabled: bool) -> TriageEngine {
    let triager = Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin()));
    TriageEngine::new(triager, enabled, Duration::from_secs(3600))
}

#[test]
fn the_engine_is_shareable_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<TriageEngine>();
    shareable::<Arc<TriageEngine>>();
}

#[test]
fn a_repeat_is_served_from_the_cache_with_the_new_id() {
    let engine = engine(true);
    let first = ticket("Refund please", "I was charged twice on my invoice.");
    let fresh = engine.triage(&first, now());
    assert!(!fresh.from_cache);
    let mut second = first.clone();
    second.ticket_id = "TKT-20261127-BBBBBBBB".parse().expect("valid id");
    let later = now() + Hours::minutes(20);
    let hit = engine.triage(&second, later);
    assert!(hit.from_cache);
    assert_eq!(hit.ticket_id, "TKT-20261127-BBBBBBBB");
    assert_eq!(hit.triaged_at, later);
    assert_eq!(
        (hit.queue.as_str(), hit.score, hit.explanation.as_str()),
        (fresh.queue.as_str(), fresh.score, fresh.explanation.as_str())
    );
}

#[test]
fn a_change_that_matters_misses() {
    let engine = engine(true);
    let t = ticket("Refund please", "I was charged twice on my invoice.");
    engine.triage(&t, now());
    assert!(!engine.triage(&t, now() + Hours::hours(1)).from_cache, "a new whole hour of age");
    let mut tiered = t.clone();
    tiered.metadata.insert("tier".into(), "gold".into());
    assert!(!engine.triage(&tiered, now()).from_cache);
    let mut retitled = t.clone();
    retitled.title.push('!');
    assert!(!engine.triage(&retitled, now()).from_cache);
}

#[test]
fn a_different_rules_version_misses() {
    let t = ticket("Refund please", "I was charged twice on my invoice.");
    assert_eq!(
        cache_key(&t, &[], now(), "default@aaaaaaaaaaaa"),
        cache_key(&t, &[], now() + Hours::minutes(59), "default@aaaaaaaaaaaa")
    );
    assert_ne!(cache_key(&t, &[], now(), "default@aaaaaaaaaaaa"), cache_key(&t, &[], now(), "default@bbbbbbbbbbbb"));
    let other_rules =
        RuleSet::parse("name: other\ndefault_queue: elsewhere\nrules: []\n", crate::triage::RulesFormat::Yaml)
            .expect("valid");
    let a = engine(true);
    let b = TriageEngine::new(
        Triager::new(TriageSettings::default(), Arc::new(other_rules)),
        true,
        Duration::from_secs(3600),
    );
    assert_ne!(a.rules_version(), b.rules_version());
    assert_eq!(a.triage(&t, now()).queue, "billing");
    let other = b.triage(&t, now());
    assert!(!other.from_cache);
    assert_eq!(other.queue, "elsewhere");
}

#[test]
fn a_disabled_cache_always_triages() {
    let engine = engine(false);
    let t = ticket("Refund please", "I was charged twice on my invoice.");
    engine.triage(&t, now());
    assert!(!engine.triage(&t, now()).from_cache);
    assert!(!engine.cache_enabled());
    assert!(!TriageEngine::new(Triager::clone(&engine.triager()), true, Duration::ZERO).cache_enabled());
}

#[test]
fn the_same_ticket_sent_later_hits_and_is_due_from_its_own_creation() {
    let engine = engine(true);
    let first = ticket("Refund please", "I was charged twice on my invoice.");
    let fresh = engine.triage(&first, now());
    // The same request three hours later: created then, so of the same whole age (0 h) when triaged.
    let later = now() + Hours::hours(3) + Hours::minutes(7);
    let mut again = first.clone();
    again.ticket_id = "TKT-20261127-CCCCCCCC".parse().expect("valid id");
    (again.created_at, again.updated_at) = (later, later);
    let hit = engine.triage(&again, later + Hours::minutes(2));
    assert!(hit.from_cache);
    assert_eq!(fresh.sla_due_at, now() + Hours::hours(24));
    assert_eq!(hit.sla_due_at, later + Hours::hours(24), "due 24 h after its own creation");
    assert_eq!(hit.triaged_at, later + Hours::minutes(2));
    assert!(hit.explanation.ends_with(" First response due 2026-11-28T15:07:00Z."), "{}", hit.explanation);
    let head = |e: &str| e.rsplit_once(" First response due ").map(|(h, _)| h.to_owned());
    assert_eq!(head(&hit.explanation), head(&fresh.explanation));
    assert_eq!((hit.queue.as_str(), hit.priority, hit.score), (fresh.queue.as_str(), fresh.priority, fresh.score));
    // Without the cache, the same ticket at the same moment gets exactly the same answer.
    let uncached = Triager::clone(&engine.triager()).triage(&again, later + Hours::minutes(2));
    assert_eq!(TriageResult { from_cache: true, ..uncached }, hit);
}

#[test]
fn a_rule_response_target_is_kept_on_a_hit() {
    let rules = "name: sla\ndefault_queue: q\nrules:\n  - id: fast\n    priority: 1\n    when: { field: title, op: contains, value: refund }\n    then: { set_sla_hours: 2.5 }\n";
    let rules = RuleSet::parse(rules, crate::triage::RulesFormat::Yaml).expect("valid");
    let engine =
        TriageEngine::new(Triager::new(TriageSettings::default(), Arc::new(rules)), true, Duration::from_secs(3600));
    let mut t = ticket("Refund please", "I was charged twice on my invoice.");
    assert_eq!(engine.triage(&t, now()).sla_due_at, now() + Hours::minutes(150));
    t.created_at = now() + Hours::minutes(30);
    let hit = engine.triage(&t, now() + Hours::minutes(40));
    assert!(hit.from_cache);
    assert_eq!(hit.sla_due_at, now() + Hours::minutes(180));
}

#[test]
fn different_text_or_fields_miss() {
    let engine = engine(true);
    let t = ticket("Refund please", "I was charged twice on my invoice.");
    engine.triage(&t, now());
    let changes: [fn(&mut Ticket); 6] = [
        |t| t.description.push_str(" Again."),
        |t| t.priority = crate::domain::Priority::High,
        |t| t.category = Some(crate::domain::Category::Bug),
        |t| t.tags.push("vip".into()),
        |t| t.requester_email = "b@example.com".into(),
        |t| t.created_at -= Hours::hours(2),
    ];
    for (i, change) in changes.iter().enumerate() {
        let mut other = t.clone();
        change(&mut other);
        assert!(!engine.triage(&other, now()).from_cache, "change {i}");
    }
    let similar = [SimilarTicket { ticket_id: "TKT-20261127-DDDDDDDD".into(), similarity: 0.9 }];
    assert!(!engine.triage_with(&t, &similar, now()).from_cache);
    assert!(engine.triage(&t, now() + Hours::minutes(59)).from_cache);
}

#[test]
fn a_text_read_for_the_fingerprint_triages_the_same() {
    let engine = engine(false);
    let t = ticket("VPN down", "Nobody in the Berlin office can connect since 9am.");
    let text = TicketText::new(&t.title, &t.description);
    assert_eq!(engine.triage_text(&t, &text, &[], now()), engine.triage(&t, now()));
}
