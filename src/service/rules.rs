//! The rules operations: the rules in force, checking and linting a candidate, a dry run of one
//! ticket under it, and a backtest over stored tickets. Linting and replaying run on the blocking
//! pool, so a large candidate never holds up the threads serving other calls.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{error::ServiceError, intake::Intake, records};
use crate::{
    domain::{Actor, TicketDraft, ValidationErrors, validate_draft},
    triage::{
        RuleSet, RulesFormat, RulesLimits, TriageResult,
        backtest::{BacktestReport, backtest},
        rules::{Finding, LintReport, Severity, lint_text_within},
    },
};

/// Tickets replayed by a backtest when the request says 0, and the most it may ask for.
pub const DEFAULT_REPLAY: u32 = 1_000;
/// The most tickets one backtest may replay.
pub const MAX_REPLAY: u32 = 100_000;
/// Examples listed when the request says 0.
pub const DEFAULT_EXAMPLES: u32 = 20;
/// The most examples one backtest may list.
pub const MAX_EXAMPLES: u32 = 1_000;

/// A candidate rules file as a caller sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The whole file (`rules.text`).
    pub text: String,
    /// Its language.
    pub format: RulesFormat,
}

/// The rules in force and where they came from.
#[derive(Debug, Clone)]
pub struct RulesInForce {
    /// The rules.
    pub rules: Arc<RuleSet>,
    /// The rules file, or `built-in`.
    pub source: String,
}

/// A ticket triaged under a candidate and under the rules in force.
#[derive(Debug, Clone)]
pub struct TrialOutcome {
    /// Under the candidate.
    pub candidate: TriageResult,
    /// Under the rules in force.
    pub current: TriageResult,
    /// Whether the queue, priority or escalation differ.
    pub changed: bool,
    /// The candidate's warnings.
    pub findings: Vec<Finding>,
}

/// Which stored tickets a backtest replays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BacktestRequest {
    /// Only tickets created at or after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Only tickets created before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// Most tickets replayed (0: [`DEFAULT_REPLAY`]).
    pub limit: u32,
    /// Most examples listed (0: [`DEFAULT_EXAMPLES`]).
    pub max_examples: u32,
}

/// The rules operations over the intake's engine and store. Cheap to clone.
#[derive(Clone)]
pub struct Rules {
    intake: Intake,
    source: String,
    limits: RulesLimits,
}

impl Rules {
    /// The operations over `intake`, checking candidates within `limits`; `source` names where the
    /// rules in force came from.
    pub fn new(intake: Intake, source: String, limits: RulesLimits) -> Self {
        Rules { intake, source, limits }
    }

    /// The rules in force.
    pub fn in_force(&self) -> RulesInForce {
        RulesInForce { rules: self.intake.engine().triager().rules_arc(), source: self.source.clone() }
    }

    /// Checks and lints a candidate: an invalid one is a report with errors, not a failure; one over
    /// a limit is refused (INVALID_ARGUMENT naming the limit).
    pub async fn check(&self, candidate: Candidate) -> Result<LintReport, ServiceError> {
        lint(candidate, self.limits).await
    }

    /// Triages `draft` under the candidate and under the rules in force, as of `now`, near-duplicates
    /// looked up; nothing is stored.
    pub async fn test(
        &self,
        candidate: Candidate,
        draft: TicketDraft,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<TrialOutcome, ServiceError> {
        let (rules, findings) = loaded(candidate, self.limits).await?;
        let ticket = validate_draft(draft, self.intake.limits(), now, &mut rand::rng())
            .map_err(|e| ServiceError::Invalid(e.prefixed("ticket")))?;
        let similar = self.intake.similar_to(&ticket).await;
        let current = self.intake.engine().triager();
        let (before, after) = tokio::task::spawn_blocking(move || {
            let trial = current.with_rules(Arc::new(rules));
            (current.triage_with(&ticket, &similar, now), trial.triage_with(&ticket, &similar, now))
        })
        .await?;
        let changed = before.decision_differs(&after);
        let record = records::rules_tested(&after.rules_version, changed, actor, now);
        self.intake.store().record_audit(record).await?;
        Ok(TrialOutcome { changed, candidate: after, current: before, findings })
    }

    /// Replays stored tickets under the candidate and under the rules in force.
    pub async fn backtest(
        &self,
        candidate: Candidate,
        request: BacktestRequest,
        actor: &Actor,
    ) -> Result<(BacktestReport, Vec<Finding>), ServiceError> {
        let limit = bounded("limit", request.limit, DEFAULT_REPLAY, MAX_REPLAY)?;
        let examples = bounded("max_examples", request.max_examples, DEFAULT_EXAMPLES, MAX_EXAMPLES)?;
        let (rules, findings) = loaded(candidate, self.limits).await?;
        let store = self.intake.store();
        let tickets = store.triaged_tickets(request.created_after, request.created_before, u64::from(limit)).await?;
        let current = self.intake.engine().triager();
        let report = tokio::task::spawn_blocking(move || {
            let trial = current.with_rules(Arc::new(rules));
            backtest(&current, &trial, &tickets, examples as usize)
        })
        .await?;
        store.record_audit(records::rules_backtested(&report, actor, Utc::now())).await?;
        Ok((report, findings))
    }
}

/// `value`, or `default` for 0; more than `max` is refused naming `field`.
fn bounded(field: &str, value: u32, default: u32, max: u32) -> Result<u32, ServiceError> {
    match value {
        0 => Ok(default),
        v if v > max => Err(ServiceError::field(field, format!("must be at most {max}, got {v}"))),
        v => Ok(v),
    }
}

/// Lints a candidate on the blocking pool within `limits`; `rules.text` is required, and a candidate
/// over a limit is INVALID_ARGUMENT with one violation of `rules.text` per limit reached.
async fn lint(candidate: Candidate, limits: RulesLimits) -> Result<LintReport, ServiceError> {
    if candidate.text.trim().is_empty() {
        return Err(ServiceError::field("rules.text", "is required: the whole rules file"));
    }
    // Refused before the text is handed to a thread: it costs a comparison.
    if let Some(message) = limits.document_refusal(candidate.text.len()) {
        return Err(ServiceError::field("rules.text", message));
    }
    let report =
        tokio::task::spawn_blocking(move || lint_text_within(&candidate.text, candidate.format, &limits)).await?;
    let mut over = ValidationErrors::default();
    for finding in report.limits_reached() {
        let rule = finding.rule.as_ref().map(|r| format!("rule {r:?}: ")).unwrap_or_default();
        over.push("rules.text", format!("{rule}{}: {}", finding.path, finding.message));
    }
    if over.is_empty() { Ok(report) } else { Err(ServiceError::Invalid(over)) }
}

/// A candidate's rules and warnings; invalid rules are INVALID_ARGUMENT with one violation of
/// `rules.text` per error.
async fn loaded(candidate: Candidate, limits: RulesLimits) -> Result<(RuleSet, Vec<Finding>), ServiceError> {
    let report = lint(candidate, limits).await?;
    match report.rules {
        Some(rules) => Ok((rules, report.findings)),
        None => {
            let mut errors = ValidationErrors::default();
            for finding in report.findings.iter().filter(|f| f.severity == Severity::Error) {
                errors.push("rules.text", finding.to_string());
            }
            Err(ServiceError::Invalid(errors))
        }
    }
}
