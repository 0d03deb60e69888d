//! Unit tests of when the pipeline detects a ticket's language: only when a rule tests it or the
//! settings ask for it.

use super::*;
use crate::testing::{now, ticket};
use crate::triage::RulesFormat;

const GERMAN: (&str, &str) = (
    "Rechnung falsch",
    "Die letzte Rechnung ist falsch, bitte korrigieren Sie den Betrag und schicken Sie sie erneut.",
);

fn rules(yaml: &str) -> Arc<RuleSet> {
    Arc::new(RuleSet::parse(yaml, RulesFormat::Yaml).expect("valid rules"))
}

fn language(triager: &Triager) -> String {
    triager.triage(&ticket(GERMAN.0, GERMAN.1), now()).signals.language
}

#[test]
fn the_language_is_detected_when_a_rule_tests_it() {
    let builtin = Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin()));
    assert!(builtin.detects_language(), "the built-in rules tag tickets not in English");
    assert_eq!(language(&builtin), "de");
    let nested = rules(
        "name: n\ndefault_queue: q\nrules:\n  - id: r\n    priority: 1\n    when: { any: [{ not: { field: signals.language, op: eq, value: de } }] }\n    then: { queue: q }\n",
    );
    let triager = Triager::new(TriageSettings::default(), nested);
    assert_eq!((triager.detects_language(), language(&triager).as_str()), (true, "de"));
}

#[test]
fn the_language_is_not_detected_when_nothing_reads_it() {
    let none = rules("name: n\ndefault_queue: q\nrules: []\n");
    let triager = Triager::new(TriageSettings::default(), none.clone());
    assert_eq!((triager.detects_language(), language(&triager).as_str()), (false, "und"));
    let disabled = rules(
        "name: n\ndefault_queue: q\nrules:\n  - id: r\n    priority: 1\n    enabled: false\n    when: { field: signals.language, op: eq, value: de }\n    then: { queue: q }\n",
    );
    assert!(!Triager::new(TriageSettings::default(), disabled).detects_language());
    let asked = TriageSettings { detect_language: true, ..TriageSettings::default() };
    let triager = Triager::new(asked, none);
    assert_eq!((triager.detects_language(), language(&triager).as_str()), (true, "de"));
    assert!(!builtin_without_language().detects_language());
}

/// The built-in rules after a reload with rules that do not test the language.
fn builtin_without_language() -> Triager {
    Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin()))
        .with_rules(rules("name: n\ndefault_queue: q\nrules: []\n"))
}
