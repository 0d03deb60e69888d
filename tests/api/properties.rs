//! Properties of the pure pipeline over arbitrary input: nothing panics, and every result keeps its
//! promises (score in [0, 1], weights adding up to 1, contributions adding up to the score, a queue).

use std::{collections::BTreeMap, sync::Arc};

use chrono::{Duration, Utc};
use helpdesk_ai::{
    domain::{Category, Priority, TicketDraft, TicketLimits, validate_draft},
    triage::{RuleSet, TriageSettings, Triager},
};
use proptest::prelude::*;

fn category() -> impl Strategy<Value = Option<Category>> {
    proptest::option::of(proptest::sample::select(Category::ALL.to_vec()))
}

fn priority() -> impl Strategy<Value = Option<Priority>> {
    proptest::option::of(proptest::sample::select(Priority::ALL.to_vec()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_valid_ticket_gets_a_coherent_result(
        title in "\\PC{1,80}",
        description in "(\\PC|\\s){1,600}",
        category in category(),
        priority in priority(),
        tier in proptest::option::of("[a-zA-Z]{0,12}"),
        age_hours in 0i64..500,
    ) {
        let now = Utc::now();
        let mut metadata = BTreeMap::new();
        if let Some(tier) = tier {
            metadata.insert("tier".to_owned(), tier);
        }
        let draft = TicketDraft {
            title,
            description,
            requester_email: "ana@example.com".into(),
            category,
            priority,
            created_at: Some(now - Duration::hours(age_hours)),
            metadata,
            ..TicketDraft::default()
        };
        // Blank titles or descriptions are refused by validation, which is fine: it must not panic.
        let Ok(ticket) = validate_draft(draft, &TicketLimits::default(), now, &mut rand::rng()) else { return Ok(()) };
        let triager = Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin()));
        let result = triager.triage(&ticket, now);
        prop_assert!((0.0..=1.0).contains(&result.score), "score {}", result.score);
        let weights: f64 = result.components.iter().map(|c| c.weight).sum();
        prop_assert!((weights - 1.0).abs() < 1e-9);
        let contributions: f64 = result.components.iter().map(|c| c.contribution).sum();
        prop_assert!((contributions - result.score).abs() < 1e-9);
        prop_assert!(!result.queue.is_empty());
        prop_assert!(result.priority >= ticket.priority || result.matched_rule != "default");
        prop_assert!(result.sla_due_at > ticket.created_at);
        prop_assert!((-1.0..=1.0).contains(&result.signals.sentiment));
        prop_assert!(!result.explanation.is_empty());
        prop_assert_eq!(triager.triage(&ticket, now), result, "the same input gives the same result");
    }

    #[test]
    fn validation_never_panics_and_names_fields(
        id in proptest::option::of("\\PC{0,30}"),
        title in "\\PC{0,250}",
        description in "\\PC{0,50}",
        email in "\\PC{0,40}",
        tags in proptest::collection::vec("\\PC{0,10}", 0..60),
    ) {
        let draft = TicketDraft { ticket_id: id, title, description, requester_email: email, tags, ..TicketDraft::default() };
        if let Err(errors) = validate_draft(draft, &TicketLimits::default(), Utc::now(), &mut rand::rng()) {
            prop_assert!(!errors.violations.is_empty());
            prop_assert!(errors.violations.iter().all(|v| !v.field.is_empty() && !v.description.is_empty()));
        }
    }
}
