//! The rules operations: the rules in force, checking and linting a candidate, a dry run of one
//! ticket under it, and a backtest over stored tickets. Linting and replaying run on the blocking
//! pool, so a large candidate never holds up the threads serving other calls.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};

use super::{error::ServiceError, intake::Intake, records};
use crate::{
    domain::{Actor, TicketDraft, ValidationErrors, over_limit, validate_draft},
    triage::{
        RuleSet, RulesFormat, RulesLimits, TriageResult,
        backtest::{BacktestReport, Tally},
        rules::{Finding, LintReport, Severity, lint_text_within},
    },
};

/// Tickets replayed by a backtest when the request says 0 (or `limits.max_backtest_tickets`, if
/// lower).
pub const DEFAULT_REPLAY: u32 = 1_000;
/// Tickets a backtest reads and replays at a time.
pub const REPLAY_PAGE: u64 = 250;
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
    /// The time the caller gives the call (its `grpc-timeout`), if it says.
    pub caller_timeout: Option<Duration>,
}

/// What bounds one backtest: how many tickets it may replay, how long it may take, and how many it
/// reads at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacktestLimits {
    /// Most tickets one backtest may replay (`limits.max_backtest_tickets`).
    pub max_tickets: u32,
    /// The server's time for a call (`request_timeout_secs`).
    pub timeout: Duration,
    /// Tickets read and replayed at a time ([`REPLAY_PAGE`]).
    pub page: u64,
}

impl Default for BacktestLimits {
    fn default() -> Self {
        BacktestLimits { max_tickets: 100_000, timeout: Duration::from_secs(30), page: REPLAY_PAGE }
    }
}

/// The rules operations over the intake's engine and store. Cheap to clone.
#[derive(Clone)]
pub struct Rules {
    intake: Intake,
    source: String,
    limits: RulesLimits,
    backtests: BacktestLimits,
}

impl Rules {
    /// The operations over `intake`, checking candidates within `limits` and backtesting within
    /// `backtests`; `source` names where the rules in force came from.
    pub fn new(intake: Intake, source: String, limits: RulesLimits, backtests: BacktestLimits) -> Self {
        Rules { intake, source, limits, backtests }
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

    /// Replays stored tickets under the candidate and under the rules in force, a page at a time
    /// (one page and the running tally in memory, whatever the store holds). A backtest that would
    /// outlast the call's time (the caller's `grpc-timeout`, or `request_timeout_secs`) stops before
    /// it with RESOURCE_EXHAUSTED saying how far it got.
    pub async fn backtest(
        &self,
        candidate: Candidate,
        request: BacktestRequest,
        actor: &Actor,
    ) -> Result<(BacktestReport, Vec<Finding>), ServiceError> {
        let started = Instant::now();
        let max = self.backtests.max_tickets;
        let limit = match request.limit {
            0 => DEFAULT_REPLAY.min(max),
            n if n > max => {
                let message = over_limit(n, "tickets", max, "limits.max_backtest_tickets");
                return Err(ServiceError::field("limit", message));
            }
            n => n,
        };
        let examples = match request.max_examples {
            0 => DEFAULT_EXAMPLES,
            n if n > MAX_EXAMPLES => {
                return Err(ServiceError::field(
                    "max_examples",
                    over_limit(n, "examples", MAX_EXAMPLES, "one BacktestRules answer"),
                ));
            }
            n => n,
        };
        let (time, setting) = match request.caller_timeout {
            Some(caller) if caller < self.backtests.timeout => (caller, "the call's grpc-timeout"),
            _ => (self.backtests.timeout, "request_timeout_secs"),
        };
        let (rules, findings) = loaded(candidate, self.limits).await?;
        let store = self.intake.store();
        let current = self.intake.engine().triager();
        let trial = Arc::new(current.with_rules(Arc::new(rules)));
        let mut tally = Tally::new(&current, &trial, examples as usize);
        let mut from = None;
        loop {
            let page_started = Instant::now();
            let left = u64::from(limit) - tally.replayed();
            let size = left.min(self.backtests.page);
            let page = store.triaged_tickets_page(request.created_after, request.created_before, from, size).await?;
            let (current, trial) = (current.clone(), trial.clone());
            tally = tokio::task::spawn_blocking(move || {
                tally.replay(&current, &trial, &page.tickets);
                tally
            })
            .await?;
            match page.next {
                Some(next) if tally.replayed() < u64::from(limit) => from = Some(next),
                _ => break,
            }
            // Another page must fit, with room to spare for the answer, in what is left of the time.
            if started.elapsed() + page_started.elapsed() * 2 > time {
                return Err(ServiceError::ResourceExhausted(format!(
                    "the backtest replayed {} of the {limit} tickets asked for and would outlast the call's time, \
                     {} s ({setting}); ask for fewer (limit) or a narrower created_after..created_before",
                    tally.replayed(),
                    time.as_secs_f64()
                )));
            }
        }
        let report = tally.finish();
        store.record_audit(records::rules_backtested(&report, actor, Utc::now())).await?;
        Ok((report, findings))
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

#[cfg(test)]
mod tests;
