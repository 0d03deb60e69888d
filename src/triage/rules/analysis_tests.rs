//! Checks that the lint's reasoning is sound on random conditions and tickets: a condition said
//! never to hold never does, one said always to hold always does, and an implication found holds.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{
    analysis::{Prover, always, never},
    condition::Condition,
    field::Facts,
};
use crate::testing::{classification, ticket};
use crate::{
    domain::Category,
    triage::result::{Signals, SimilarTicket},
};

/// One random `{field, op, value}` test, as written in a rules file.
fn test() -> impl Strategy<Value = Value> {
    let number =
        prop::sample::select(vec![json!(0), json!(0.2), json!(0.5), json!(0.8), json!(1), json!(1.2), json!(-0.1)]);
    let hours = prop::sample::select(vec![json!(0), json!(3), json!(3.5), json!(4), json!(5)]);
    let category = prop::sample::select(vec!["BILLING", "TECHNICAL", "BUG"]).prop_map(Value::from);
    let word = prop::sample::select(vec!["gold", "silver", "go", "", "a", "ab", "b"]).prop_map(Value::from);
    let list = |item: BoxedStrategy<Value>| prop::collection::vec(item, 0..3).prop_map(Value::Array).boxed();
    let compare = prop::sample::select(vec!["eq", "ne", "gt", "gte", "lt", "lte"]);
    let numbers = |field: &'static str, value: BoxedStrategy<Value>| {
        prop_oneof![
            (compare.clone(), value.clone()).prop_map(move |(op, v)| json!({"field": field, "op": op, "value": v})),
            list(value).prop_map(move |v| json!({"field": field, "op": "in", "value": v})),
        ]
    };
    let texts = |field: &'static str, ops: Vec<&'static str>| {
        (prop::sample::select(ops), word.clone(), list(word.clone().boxed())).prop_map(move |(op, w, ws)| {
            let value = match op {
                "in" | "contains_any" => ws,
                "exists" => Value::Bool(w.as_str().is_some_and(|s| s.len() % 2 == 0)),
                "matches" => Value::from(format!("^{}", w.as_str().unwrap_or_default())),
                _ => w,
            };
            json!({"field": field, "op": op, "value": value})
        })
    };
    prop_oneof![
        numbers("score", number.boxed()),
        numbers("age_hours", hours.boxed()),
        (prop::sample::select(vec!["eq", "ne"]), category.clone())
            .prop_map(|(op, v)| json!({"field": "category", "op": op, "value": v})),
        list(category.boxed()).prop_map(|v| json!({"field": "category", "op": "in", "value": v})),
        texts("metadata.tier", vec!["eq", "ne", "in", "contains", "contains_any", "matches", "exists"]),
        texts("title", vec!["eq", "ne", "in", "contains", "contains_any", "matches"]),
        texts("tags", vec!["in", "contains", "contains_any", "matches", "exists"]),
        (prop::sample::select(vec!["eq", "ne"]), any::<bool>())
            .prop_map(|(op, v)| json!({"field": "has_duplicates", "op": op, "value": v})),
    ]
}

/// A random condition of tests nested in `all`, `any` and `not`.
fn condition() -> impl Strategy<Value = Condition> {
    test()
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({ "all": v })),
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({ "any": v })),
                inner.prop_map(|v| json!({ "not": v })),
            ]
        })
        .prop_filter_map("a valid condition", |v| Condition::parse(&v, "when").ok())
}

/// The facts of a random ticket: score, age, category, tier, tags, a title and duplicates.
#[derive(Debug, Clone)]
struct Ticket {
    score: f64,
    age_hours: i64,
    category: Category,
    tier: Option<&'static str>,
    tags: Vec<String>,
    title: &'static str,
    duplicate: bool,
}

fn ticket_facts() -> impl Strategy<Value = Ticket> {
    (
        prop::sample::select(vec![0.0, 0.2, 0.5, 0.5 + 1e-10, 0.8, 1.0]),
        0i64..6,
        prop::sample::select(vec![Category::Billing, Category::Technical, Category::Bug]),
        prop::option::of(prop::sample::select(vec!["gold", "silver", "go", ""])),
        prop::sample::subsequence(vec!["a".to_owned(), "b".to_owned()], 0..=2),
        prop::sample::select(vec!["a", "ab", "b", "x", "gold"]),
        any::<bool>(),
    )
        .prop_map(|(score, age_hours, category, tier, tags, title, duplicate)| Ticket {
            score,
            age_hours,
            category,
            tier,
            tags,
            title,
            duplicate,
        })
}

/// Whether `condition` holds for the random ticket.
fn holds(condition: &Condition, t: &Ticket) -> bool {
    let mut ticket = ticket(t.title, "");
    ticket.tags = t.tags.clone();
    if let Some(tier) = t.tier {
        ticket.metadata.insert("tier".into(), tier.into());
    }
    let c = classification(t.category);
    let signals = Signals::default();
    let similar = [SimilarTicket { ticket_id: "TKT-1".into(), similarity: 0.9 }];
    condition.holds(&Facts {
        ticket: &ticket,
        classification: &c,
        signals: &signals,
        score: t.score,
        age_hours: t.age_hours,
        queue_prediction: None,
        similar: if t.duplicate { &similar } else { &[] },
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn what_the_lint_concludes_is_true(a in condition(), b in condition(), tickets in prop::collection::vec(ticket_facts(), 8)) {
        let (a_never, a_always, b_implies_a) = (never(&a, "when"), always(&a), Prover::with_budget(20_000).implies(&b, &a));
        for t in &tickets {
            prop_assert!(a_never.is_none() || !holds(&a, t), "{a_never:?} yet it holds for {t:?}");
            prop_assert!(!a_always || holds(&a, t), "said always to hold, fails for {t:?}");
            prop_assert!(!b_implies_a || !holds(&b, t) || holds(&a, t), "implication fails for {t:?}");
        }
    }
}
