//! The rules RPCs of `helpdesk.v1.TriageService`: the rules in force, checking and linting a
//! candidate, a dry run of one ticket under it, and a backtest over stored tickets.

use std::sync::Arc;

use chrono::Utc;

use super::{
    convert::{from_timestamp, priority_to_proto, result_to_proto, ticket_from_proto},
    status::ApiError,
};
use crate::{
    domain::validate_draft,
    intake::Intake,
    proto,
    store::StoreError,
    triage::{
        RuleSet, RulesFormat,
        backtest::{BacktestReport, backtest},
        rules::{Finding, Severity, lint_text},
    },
};

/// Tickets replayed by a backtest when the request says 0, and the most it may ask for.
const DEFAULT_REPLAY: u32 = 1_000;
const MAX_REPLAY: u32 = 100_000;
/// Examples listed when the request says 0, and the most it may ask for.
const DEFAULT_EXAMPLES: u32 = 20;
const MAX_EXAMPLES: u32 = 1_000;

/// The rules RPCs over the intake's engine and store.
#[derive(Clone)]
pub struct RulesApi {
    intake: Intake,
    source: String,
}

impl RulesApi {
    /// The RPCs over `intake`; `source` names where the rules in force came from.
    pub fn new(intake: Intake, source: String) -> Self {
        RulesApi { intake, source }
    }

    /// GetRules.
    pub fn get(&self) -> proto::GetRulesResponse {
        let triager = self.intake.engine().triager();
        let rules = triager.rules();
        proto::GetRulesResponse {
            version: rules.version().to_owned(),
            name: rules.name().to_owned(),
            default_queue: rules.default_queue().to_owned(),
            source: self.source.clone(),
            rules: summaries(rules),
        }
    }

    /// CheckRules: invalid rules are an answer (valid = false with the errors), not a failure.
    pub fn check(&self, request: proto::CheckRulesRequest) -> Result<proto::CheckRulesResponse, ApiError> {
        let (text, format) = candidate_text(request.rules)?;
        let report = lint_text(&text, format);
        Ok(proto::CheckRulesResponse {
            valid: report.rules.is_some(),
            version: report.rules.as_ref().map(|r| r.version().to_owned()).unwrap_or_default(),
            rules: report.rules.as_ref().map(summaries).unwrap_or_default(),
            findings: report.findings.iter().map(finding_to_proto).collect(),
        })
    }

    /// TestRules: the ticket triaged under the candidate and under the rules in force, as of now.
    pub async fn test(&self, request: proto::TestRulesRequest) -> Result<proto::TestRulesResponse, ApiError> {
        let (rules, findings) = candidate(request.rules)?;
        let ticket = request.ticket.ok_or_else(|| ApiError::field("ticket", "is required"))?;
        let draft = ticket_from_proto(ticket).map_err(|e| ApiError::from(e.prefixed("ticket")))?;
        let now = Utc::now();
        let ticket = validate_draft(draft, self.intake.limits(), now, &mut rand::rng())
            .map_err(|e| ApiError::from(e.prefixed("ticket")))?;
        let similar = self.intake.similar_to(&ticket).await;
        let current = self.intake.engine().triager();
        let trial = current.with_rules(Arc::new(rules));
        let before = current.triage_with(&ticket, &similar, now);
        let after = trial.triage_with(&ticket, &similar, now);
        Ok(proto::TestRulesResponse {
            changed: before.decision_differs(&after),
            candidate_result: Some(result_to_proto(&after)),
            current_result: Some(result_to_proto(&before)),
            findings,
        })
    }

    /// BacktestRules: stored tickets replayed under both rule sets, off the async runtime.
    pub async fn backtest(
        &self,
        request: proto::BacktestRulesRequest,
    ) -> Result<proto::BacktestRulesResponse, ApiError> {
        let (rules, findings) = candidate(request.rules)?;
        let time = |field: &str, ts: Option<prost_types::Timestamp>| {
            ts.map(|ts| from_timestamp(&ts).map_err(|e| ApiError::field(field, e))).transpose()
        };
        let after = time("created_after", request.created_after)?;
        let before = time("created_before", request.created_before)?;
        let limit = bounded("limit", request.limit, DEFAULT_REPLAY, MAX_REPLAY)?;
        let examples = bounded("max_examples", request.max_examples, DEFAULT_EXAMPLES, MAX_EXAMPLES)?;
        let tickets = self.intake.store().triaged_tickets(after, before, u64::from(limit)).await?;
        let current = self.intake.engine().triager();
        let report = tokio::task::spawn_blocking(move || {
            let trial = current.with_rules(Arc::new(rules));
            backtest(&current, &trial, &tickets, examples as usize)
        })
        .await
        .map_err(|e| ApiError::Store(StoreError::internal(format!("the backtest task failed: {e}"))))?;
        Ok(report_to_proto(report, findings))
    }
}

fn bounded(field: &str, value: u32, default: u32, max: u32) -> Result<u32, ApiError> {
    match value {
        0 => Ok(default),
        v if v > max => Err(ApiError::field(field, format!("must be at most {max}, got {v}"))),
        v => Ok(v),
    }
}

/// The text and format of a candidate; `rules.text` is required.
fn candidate_text(rules: Option<proto::CandidateRules>) -> Result<(String, RulesFormat), ApiError> {
    let rules = rules.ok_or_else(|| ApiError::field("rules", "is required"))?;
    if rules.text.trim().is_empty() {
        return Err(ApiError::field("rules.text", "is required: the whole rules file"));
    }
    let format = match proto::RulesFormat::try_from(rules.format) {
        Ok(proto::RulesFormat::Unspecified | proto::RulesFormat::Yaml) => RulesFormat::Yaml,
        Ok(proto::RulesFormat::Toml) => RulesFormat::Toml,
        Ok(proto::RulesFormat::Json) => RulesFormat::Json,
        Err(_) => return Err(ApiError::field("rules.format", format!("unknown value {}", rules.format))),
    };
    Ok((rules.text, format))
}

/// A candidate rule set and its warnings; invalid rules are INVALID_ARGUMENT naming every error.
fn candidate(rules: Option<proto::CandidateRules>) -> Result<(RuleSet, Vec<proto::LintFinding>), ApiError> {
    let (text, format) = candidate_text(rules)?;
    let report = lint_text(&text, format);
    match report.rules {
        Some(rules) => Ok((rules, report.findings.iter().map(finding_to_proto).collect())),
        None => {
            let errors = report.findings.iter().filter(|f| f.severity == Severity::Error).map(|f| f.to_string());
            Err(ApiError::field("rules.text", errors.collect::<Vec<_>>().join("; ")))
        }
    }
}

fn summaries(rules: &RuleSet) -> Vec<proto::RuleSummary> {
    rules
        .rules()
        .iter()
        .map(|r| proto::RuleSummary {
            id: r.id.clone(),
            name: r.name.clone(),
            priority: r.priority,
            enabled: r.enabled,
            queue: r.then.queue.clone().unwrap_or_default(),
            continue_evaluation: r.continue_,
        })
        .collect()
}

fn finding_to_proto(f: &Finding) -> proto::LintFinding {
    proto::LintFinding {
        severity: match f.severity {
            Severity::Warning => proto::LintSeverity::Warning,
            Severity::Error => proto::LintSeverity::Error,
        } as i32,
        rule_id: f.rule.clone().unwrap_or_default(),
        path: f.path.clone(),
        kind: f.kind.clone(),
        message: f.message.clone(),
    }
}

fn report_to_proto(r: BacktestReport, findings: Vec<proto::LintFinding>) -> proto::BacktestRulesResponse {
    let counts = |v: Vec<crate::triage::backtest::CountChange>| {
        v.into_iter().map(|c| proto::DecisionCount { name: c.name, before: c.before, after: c.after }).collect()
    };
    proto::BacktestRulesResponse {
        current_version: r.current_version,
        candidate_version: r.candidate_version,
        replayed: r.replayed,
        changed: r.changed,
        queue_changed: r.queue_changed,
        priority_changed: r.priority_changed,
        escalation_changed: r.escalation_changed,
        queues: counts(r.queues),
        priorities: counts(r.priorities),
        examples: r
            .examples
            .into_iter()
            .map(|e| proto::ChangedDecision {
                ticket_id: e.ticket_id,
                title: e.title,
                queue_before: e.queue_before,
                queue_after: e.queue_after,
                priority_before: priority_to_proto(e.priority_before),
                priority_after: priority_to_proto(e.priority_after),
                rule_before: e.rule_before,
                rule_after: e.rule_after,
                escalated_before: e.escalated_before,
                escalated_after: e.escalated_after,
            })
            .collect(),
        findings,
    }
}
