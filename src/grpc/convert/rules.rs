//! Conversions of the rules RPCs: a candidate from its message, and the rules in force, lint
//! reports, trials and backtests to theirs.

use tonic::Status;

use super::{priority_to_proto, result_to_proto};
use crate::{
    grpc::status::bad_field,
    proto,
    service::{Candidate, RulesInForce, TrialOutcome},
    triage::{
        RuleSet, RulesFormat,
        backtest::{BacktestReport, CountChange},
        rules::{Finding, LintReport, Severity},
    },
};

/// The candidate of a request; `rules` is required, its format YAML when unspecified.
pub fn candidate_from_proto(rules: Option<proto::CandidateRules>) -> Result<Candidate, Status> {
    let rules = rules.ok_or_else(|| bad_field("rules", "is required"))?;
    let format = match proto::RulesFormat::try_from(rules.format) {
        Ok(proto::RulesFormat::Unspecified | proto::RulesFormat::Yaml) => RulesFormat::Yaml,
        Ok(proto::RulesFormat::Toml) => RulesFormat::Toml,
        Ok(proto::RulesFormat::Json) => RulesFormat::Json,
        Err(_) => return Err(bad_field("rules.format", format!("unknown value {}", rules.format))),
    };
    Ok(Candidate { text: rules.text, format })
}

/// GetRules' answer.
pub fn rules_to_proto(rules: &RulesInForce) -> proto::GetRulesResponse {
    proto::GetRulesResponse {
        version: rules.rules.version().to_owned(),
        name: rules.rules.name().to_owned(),
        default_queue: rules.rules.default_queue().to_owned(),
        source: rules.source.clone(),
        rules: summaries(&rules.rules),
    }
}

/// CheckRules' answer: invalid rules are `valid: false` with the errors.
pub fn check_to_proto(report: &LintReport) -> proto::CheckRulesResponse {
    proto::CheckRulesResponse {
        valid: report.rules.is_some(),
        version: report.rules.as_ref().map(|r| r.version().to_owned()).unwrap_or_default(),
        rules: report.rules.as_ref().map(summaries).unwrap_or_default(),
        findings: report.findings.iter().map(finding_to_proto).collect(),
    }
}

/// TestRules' answer.
pub fn trial_to_proto(trial: &TrialOutcome) -> proto::TestRulesResponse {
    proto::TestRulesResponse {
        changed: trial.changed,
        candidate_result: Some(result_to_proto(&trial.candidate)),
        current_result: Some(result_to_proto(&trial.current)),
        findings: trial.findings.iter().map(finding_to_proto).collect(),
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

/// BacktestRules' answer.
pub fn backtest_to_proto(r: BacktestReport, findings: &[Finding]) -> proto::BacktestRulesResponse {
    let counts = |v: Vec<CountChange>| {
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
        findings: findings.iter().map(finding_to_proto).collect(),
    }
}
