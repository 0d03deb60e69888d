//! `helpdesk rules backtest FILE --since AGE`: candidate rules replayed over the tickets of the
//! configured store, as they arrived and as of when they were first triaged; nothing is changed.

use std::{path::PathBuf, process::ExitCode, sync::Arc};

use chrono::Utc;
use clap::Args;

use crate::{
    cli::{CliError, ticket_store::open_store, when::parse_when},
    config::Settings,
    service::{REPLAY_PAGE, engine_from_settings},
    triage::{
        RuleSet,
        backtest::{BacktestReport, Tally},
    },
};

/// Arguments of `helpdesk rules backtest`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Reads the tickets of the configured store (store_type, store_path, database_url) created in the
range, newest first, puts each back as it arrived (the requester's category and priority, without
the tags rules added) and triages it under FILE and under the rules in force, as of the moment it was
first triaged. Prints how many decisions change (queue, priority, escalation), tickets per queue and
priority before and after, and examples. Nothing is written.

Examples:
  helpdesk rules backtest my-rules.yaml --since 30d
  helpdesk rules backtest my-rules.yaml --since 2026-11-01T00:00:00Z --until 7d --limit 5000 --json")]
pub struct BacktestArgs {
    /// The candidate rules file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Only tickets created since then: an age (30d, 12h, 2w) or an RFC 3339 time.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only tickets created before then: an age or an RFC 3339 time.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Most tickets replayed (newest first).
    #[arg(long, default_value_t = 10_000)]
    pub limit: u64,
    /// Most changed decisions listed.
    #[arg(long, default_value_t = 20)]
    pub examples: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `helpdesk rules backtest`.
pub async fn run(args: BacktestArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let now = Utc::now();
    let when = |value: &Option<String>, flag: &str| {
        value.as_deref().map(|v| parse_when(v, now).map_err(|e| CliError::Usage(format!("{flag}: {e}")))).transpose()
    };
    let (since, until) = (when(&args.since, "--since")?, when(&args.until, "--until")?);
    let rules =
        RuleSet::load_within(&args.file, &settings.limits.rules()).map_err(|e| CliError::Failed(e.to_string()))?;
    let engine = engine_from_settings(settings).map_err(|e| CliError::Setup(e.to_string()))?;
    let store = open_store(settings).await?;
    let current = engine.triager();
    let candidate = current.with_rules(Arc::new(rules));
    // A page at a time, so the command holds one page whatever the store holds.
    let mut tally = Tally::new(&current, &candidate, args.examples);
    let mut from = None;
    while tally.replayed() < args.limit {
        let size = (args.limit - tally.replayed()).min(REPLAY_PAGE);
        let page = store
            .triaged_tickets_page(since, until, from, size)
            .await
            .map_err(|e| CliError::Failed(format!("cannot read stored tickets: {e}")))?;
        tally.replay(&current, &candidate, &page.tickets);
        match page.next {
            Some(next) => from = Some(next),
            None => break,
        }
    }
    let report = tally.finish();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| CliError::Failed(e.to_string()))?);
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &BacktestReport) {
    println!("current:   {}\ncandidate: {}", r.current_version, r.candidate_version);
    println!(
        "replayed {} ticket(s): {} decision(s) change (queue {}, priority {}, escalation {})",
        r.replayed, r.changed, r.queue_changed, r.priority_changed, r.escalation_changed
    );
    for (title, counts) in [("queue", &r.queues), ("priority", &r.priorities)] {
        println!("\n{title:<24} {:>8} {:>8} {:>8}", "before", "after", "change");
        for c in counts {
            let delta = c.after as i64 - c.before as i64;
            println!("{:<24} {:>8} {:>8} {:>+8}", c.name, c.before, c.after, delta);
        }
    }
    if !r.examples.is_empty() {
        println!("\nexamples:");
    }
    for e in &r.examples {
        println!(
            "  {} {:?}: {} ({}) {} -> {} ({}) {}",
            e.ticket_id,
            e.title,
            e.queue_before,
            e.rule_before,
            e.priority_before,
            e.queue_after,
            e.rule_after,
            e.priority_after
        );
    }
}
