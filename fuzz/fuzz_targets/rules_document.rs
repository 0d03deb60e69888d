//! The rules loader: the first byte picks the format (`j` JSON, `t` TOML, anything else YAML), the
//! rest (as text, invalid UTF-8 replaced) is a rules document, loaded and linted as `helpdesk rules
//! check`, `CheckRules` and a reload do.
//!
//! Checks: the lint never panics and finds errors exactly when loading fails, with the same version
//! when it loads; loaded rules are in ascending priority with distinct ids, every queue they route
//! to is declared when queues are, and routing a few sample tickets with them gives results whose
//! queue and matched rule the rules can give.

#![no_main]

use std::sync::Arc;

use helpdesk_ai::triage::{RuleSet, RulesFormat, TriageSettings, Triager, rules::lint_text};
use helpdesk_ai_fuzz::{SAMPLE_TICKETS, check_result, now};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let format = match selector {
        b'j' | b'J' => RulesFormat::Json,
        b't' | b'T' => RulesFormat::Toml,
        _ => RulesFormat::Yaml,
    };
    let text = String::from_utf8_lossy(rest);
    let report = lint_text(&text, format);
    let loaded = RuleSet::parse(&text, format);
    assert_eq!(report.has_errors(), loaded.is_err(), "the lint finds errors exactly when loading fails");
    assert_eq!(report.rules.as_ref().map(RuleSet::version), loaded.as_ref().ok().map(RuleSet::version));
    let Ok(rules) = loaded else { return };
    check_rules(&rules);
    let triager = Triager::new(TriageSettings::default(), Arc::new(rules));
    for ticket in SAMPLE_TICKETS.iter() {
        check_result(&triager.triage(ticket, now()), triager.rules());
    }
});

/// What loading promises of a rule set.
fn check_rules(rules: &RuleSet) {
    assert!(!rules.name().is_empty() && !rules.default_queue().is_empty());
    let all = rules.rules();
    assert!(all.windows(2).all(|w| w[0].priority < w[1].priority), "rules in ascending, distinct priority");
    for (i, rule) in all.iter().enumerate() {
        assert!(!rule.id.is_empty() && all[..i].iter().all(|r| r.id != rule.id), "rule id {:?}", rule.id);
    }
    if let Some(queues) = rules.queues() {
        assert!(queues.iter().any(|q| q == rules.default_queue()), "the default queue is declared");
        for queue in all.iter().filter_map(|r| r.then.queue.as_ref()) {
            assert!(queues.contains(queue), "queue {queue:?} is declared");
        }
    }
}
