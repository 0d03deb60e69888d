//! `helpdesk rules test FILE INPUT`: each ticket of INPUT triaged here under the candidate rules
//! FILE and under the rules in force (rules_path or the built-in ones); nothing is stored.

use std::{path::PathBuf, process::ExitCode, sync::Arc};

use chrono::Utc;
use clap::Args;
use serde::Serialize;

use crate::{
    cli::{
        CliError,
        triage::{InputFormat, load_records},
    },
    config::Settings,
    domain::{Priority, validate_draft},
    service::engine_from_settings,
    triage::{RuleSet, TriageResult},
};

/// Arguments of `helpdesk rules test`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
INPUT is read like `helpdesk triage` input (JSON, JSON lines, CSV or text, by extension or --format).
Every ticket is triaged twice, as of now: under FILE and under the rules in force (rules_path, or
the built-in rules), with the same settings and models. Each ticket's line shows queue, deciding
rule, priority and escalation under both; `changed` marks a difference. Nothing is stored.
Exit status 0 when every record could be triaged, 1 otherwise.

Examples:
  helpdesk rules test my-rules.yaml tickets.jsonl
  helpdesk rules test my-rules.yaml tickets.csv --json")]
pub struct TestArgs {
    /// The candidate rules file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Tickets to triage (`-` for standard input).
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// Input format, when the extension does not say.
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One side of a ticket's decision.
#[derive(Debug, Serialize)]
struct Side {
    queue: String,
    rule: String,
    priority: Priority,
    escalated: bool,
    tags: Vec<String>,
    explanation: String,
}

impl From<TriageResult> for Side {
    fn from(r: TriageResult) -> Side {
        Side {
            queue: r.queue,
            rule: r.matched_rule,
            priority: r.priority,
            escalated: r.escalation.escalated,
            tags: r.tags,
            explanation: r.explanation,
        }
    }
}

/// One record's outcome.
#[derive(Debug, Serialize)]
struct Line {
    record: usize,
    line: usize,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    candidate: Option<Side>,
    changed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
}

/// Runs `helpdesk rules test`.
pub fn run(args: TestArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let rules =
        RuleSet::load_within(&args.file, &settings.limits.rules()).map_err(|e| CliError::Failed(e.to_string()))?;
    let engine = engine_from_settings(settings).map_err(|e| CliError::Setup(e.to_string()))?;
    let current = engine.triager();
    let candidate = current.with_rules(Arc::new(rules));
    let records = load_records(&args.input, args.format)?;
    let limits = settings.ticket_limits();
    let now = Utc::now();
    let mut lines = Vec::with_capacity(records.len());
    for record in records {
        let title = record.draft.as_ref().map(|d| d.title.clone()).unwrap_or_default();
        let mut errors: Vec<String> =
            record.problems.iter().map(|p| format!("{}: {}", p.field, p.description)).collect();
        let ticket = match record.draft {
            Some(draft) if errors.is_empty() => validate_draft(draft, &limits, now, &mut rand::rng())
                .map_err(|e| errors.extend(e.violations.iter().map(|v| format!("{}: {}", v.field, v.description))))
                .ok(),
            _ => None,
        };
        let (current_side, candidate_side, changed) = match ticket {
            Some(t) => {
                let (before, after) = (current.triage(&t, now), candidate.triage(&t, now));
                let changed = before.decision_differs(&after);
                (Some(Side::from(before)), Some(Side::from(after)), changed)
            }
            None => (None, None, false),
        };
        lines.push(Line {
            record: record.number,
            line: record.line,
            title,
            current: current_side,
            candidate: candidate_side,
            changed,
            errors,
        });
    }
    let failed = lines.iter().filter(|l| !l.errors.is_empty()).count();
    let changed = lines.iter().filter(|l| l.changed).count();
    if args.json {
        let out = serde_json::json!({
            "current_version": current.rules_version(),
            "candidate_version": candidate.rules_version(),
            "tickets": lines,
        });
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| CliError::Failed(e.to_string()))?);
    } else {
        println!("current:   {}\ncandidate: {}", current.rules_version(), candidate.rules_version());
        for l in &lines {
            print_line(l);
        }
    }
    eprintln!("{} ticket(s): {changed} decision(s) change, {failed} could not be triaged", lines.len());
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_line(l: &Line) {
    let short = |s: &Side| {
        let escalated = if s.escalated { ", escalated" } else { "" };
        format!("{} ({}) {}{escalated}", s.queue, s.rule, s.priority)
    };
    match (&l.current, &l.candidate) {
        (Some(before), Some(after)) => {
            let mark = if l.changed { "changed" } else { "same" };
            println!("#{} line {} {:?}: {} -> {}  [{mark}]", l.record, l.line, l.title, short(before), short(after));
            if l.changed {
                println!("    why: {}", after.explanation);
            }
        }
        _ => println!("#{} line {} {:?}: not triaged: {}", l.record, l.line, l.title, l.errors.join("; ")),
    }
}
