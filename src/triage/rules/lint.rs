//! The rules lint: every load error of a rules document at once, and warnings about rules that
//! load but cannot work as written (never match, never run, unused queues, disabled rules).

use std::fmt;

use serde::Serialize;

use super::{
    analysis::{Prover, always, never},
    limits::RulesLimits,
    load::{LoadError, check},
    model::{RuleSet, RulesError, RulesFormat},
};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rules load, but something in them is likely a mistake.
    Warning,
    /// The rules do not load.
    Error,
}

/// One thing the lint found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// The rule concerned; `None` for the document.
    pub rule: Option<String>,
    /// Path of the key inside the rule or document (`when.all[1]`).
    pub path: String,
    /// What was found: `syntax`, `invalid`, `limit`, `duplicate-id`, `duplicate-priority`,
    /// `undeclared-queue` (errors); `never-matches`, `shadowed`, `unused-queue`, `disabled` (warnings).
    pub kind: String,
    /// What is wrong, in words.
    pub message: String,
}

/// The kind of the findings of a document over one of its limits.
pub const LIMIT: &str = "limit";

/// Most implication steps one lint spends looking for shadowed rules.
const SHADOW_BUDGET: usize = 1_000_000;

/// What the lint of a rules document found.
#[derive(Debug, Clone)]
pub struct LintReport {
    /// The loaded rules, when the document has no errors.
    pub rules: Option<RuleSet>,
    /// Errors first, then warnings; each in rule order, document-wide findings first.
    pub findings: Vec<Finding>,
}

impl LintReport {
    /// Whether the document has errors (the rules do not load).
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The findings of a limit the document is over (each message names the setting and its value).
    pub fn limits_reached(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.kind == LIMIT)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// `warning [shadowed] rule "b": when: always matched first by rule "a" (priority 10), which does not continue`
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] ", self.severity, self.kind)?;
        if let Some(rule) = &self.rule {
            write!(f, "rule {rule:?}: ")?;
        }
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Lints rules written in `format` within the default limits: every load error, or, when the rules
/// load, the warnings of [`RuleSet::lint`]. Never panics, whatever the text.
pub fn lint_text(text: &str, format: RulesFormat) -> LintReport {
    lint_text_within(text, format, &RulesLimits::default())
}

/// Lints rules written in `format` within `limits`; a document over one of them is an error of
/// kind `limit` (and nothing past it is looked at).
pub fn lint_text_within(text: &str, format: RulesFormat, limits: &RulesLimits) -> LintReport {
    let mut report = match check(text, format, limits) {
        Ok(rules) => LintReport { findings: rules.lint(), rules: Some(rules) },
        Err(errors) => LintReport { rules: None, findings: errors.into_iter().map(error_finding).collect() },
    };
    report.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    report
}

fn error_finding(LoadError { kind, error, .. }: LoadError) -> Finding {
    let (rule, path, message) = match error {
        RulesError::Invalid { rule, path, message } | RulesError::Limit { rule, path, message } => {
            (rule, path, message)
        }
        RulesError::Syntax { message, .. } => (None, "(document)".to_owned(), message),
        other => (None, "(document)".to_owned(), other.to_string()),
    };
    Finding { severity: Severity::Error, rule, path, kind: kind.to_owned(), message }
}

fn warning(rule: Option<&str>, path: impl Into<String>, kind: &str, message: impl Into<String>) -> Finding {
    Finding {
        severity: Severity::Warning,
        rule: rule.map(str::to_owned),
        path: path.into(),
        kind: kind.to_owned(),
        message: message.into(),
    }
}

impl RuleSet {
    /// Warnings about rules that load but cannot work as written, document-wide ones first, then
    /// in evaluation order.
    pub fn lint(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (i, queue) in self.queues().unwrap_or_default().iter().enumerate() {
            let routed = self.rules.iter().any(|r| r.enabled && r.then.queue.as_ref() == Some(queue));
            if !routed && *queue != self.default_queue {
                let message = format!("queue {queue:?} is declared but no enabled rule routes to it");
                findings.push(warning(None, format!("queues[{i}]"), "unused-queue", message));
            }
        }
        let mut prover = Prover::with_budget(SHADOW_BUDGET);
        let mut can_match: Vec<bool> = Vec::with_capacity(self.rules.len());
        for (position, rule) in self.rules.iter().enumerate() {
            let id = Some(rule.id.as_str());
            if !rule.enabled {
                can_match.push(false);
                findings.push(warning(id, "enabled", "disabled", "the rule is disabled and never runs"));
                continue;
            }
            if let Some(found) = never(&rule.when, "when") {
                can_match.push(false);
                findings.push(warning(id, found.path, "never-matches", format!("never holds: {}", found.reason)));
                continue;
            }
            can_match.push(true);
            let earlier = self.rules[..position].iter().zip(&can_match).find(|(e, matches)| {
                **matches && !e.continue_ && (always(&e.when) || prover.implies(&rule.when, &e.when))
            });
            if let Some((e, _)) = earlier {
                let how =
                    if always(&e.when) { "always matched first" } else { "every ticket it matches is matched first" };
                let message = format!("{how} by rule {:?} (priority {}), which does not continue", e.id, e.priority);
                findings.push(warning(id, "when", "shadowed", message));
            }
        }
        findings
    }
}
