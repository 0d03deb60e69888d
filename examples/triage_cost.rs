//! The CPU cost of triage per ticket: reads tickets from a JSON-lines file (the `helpdesk triage`
//! input shape), validates all of them first, then triages the first COUNT with the built-in rules
//! and prints the time per ticket. Under callgrind, the instructions of a run with COUNT = 0 (loading
//! only) subtracted from those of a run with COUNT = N, divided by N, are the instructions per ticket.
//!
//! ```sh
//! cargo build --release --example triage_cost
//! target/release/examples/triage_cost ../shared/datasets/tickets-dev.jsonl 1000
//! # modes: pipeline (default; the Triager alone), miss (the engine, cache on, every ticket new),
//! # hit (the engine, cache on, every ticket seen once before the timed pass)
//! target/release/examples/triage_cost ../shared/datasets/tickets-dev.jsonl 1000 hit
//! # a rules file instead of the built-in rules (e.g. one without a rule that tests the language)
//! target/release/examples/triage_cost ../shared/datasets/tickets-dev.jsonl 1000 pipeline rules.yaml
//! valgrind --tool=callgrind target/release/examples/triage_cost ../shared/datasets/tickets-dev.jsonl 0
//! valgrind --tool=callgrind target/release/examples/triage_cost ../shared/datasets/tickets-dev.jsonl 1000
//! ```

use std::{sync::Arc, time::Duration, time::Instant};

use chrono::Utc;
use helpdesk_ai::{
    cli::triage::{InputFormat, load_records},
    domain::{TicketLimits, validate_draft},
    triage::{RuleSet, TriageEngine, TriageSettings, Triager},
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: triage_cost FILE.jsonl [COUNT] [pipeline|miss|hit] [RULES]")?;
    let count: usize = args.next().map_or(Ok(1000), |n| n.parse())?;
    let mode = args.next().unwrap_or_else(|| "pipeline".to_owned());
    let rules = match args.next() {
        Some(path) => RuleSet::load(path.as_ref())?,
        None => RuleSet::builtin(),
    };
    let now = Utc::now();
    let tickets: Vec<_> = load_records(&path, Some(InputFormat::Jsonl))?
        .into_iter()
        .filter_map(|record| record.draft)
        .filter_map(|draft| validate_draft(draft, &TicketLimits::default(), now, &mut rand::rng()).ok())
        .collect();
    // Past the end of the file the tickets come round again, each with a number of its own.
    let tickets: Vec<_> = (0..count)
        .map(|i| {
            let mut ticket = tickets[i % tickets.len()].clone();
            if i >= tickets.len() {
                ticket.description.push_str(&format!(" #{i}"));
            }
            ticket
        })
        .collect();
    let triager = Triager::new(TriageSettings::default(), Arc::new(rules));
    let engine = TriageEngine::new(triager.clone(), mode != "pipeline", Duration::from_secs(3600));
    if mode == "hit" {
        tickets.iter().for_each(|t| drop(engine.triage(t, now)));
    }
    let rss_before = rss_kib();
    let started = Instant::now();
    let mut queues = 0usize;
    for ticket in &tickets {
        let result = match mode.as_str() {
            "pipeline" => triager.triage(ticket, now),
            _ => engine.triage(ticket, now),
        };
        queues += result.queue.len();
    }
    let elapsed = started.elapsed();
    let per_ticket = elapsed.as_secs_f64() * 1e6 / count.max(1) as f64;
    println!("{mode}: {count} tickets in {elapsed:.2?}, {per_ticket:.1} us/ticket ({queues} queue bytes)");
    let grown = rss_kib().saturating_sub(rss_before);
    println!("resident memory grew by {grown} KiB during the timed pass ({} entries cached)", engine.cached_results());
    Ok(())
}

/// The process's resident memory in KiB (0 where /proc is not there).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).unwrap_or(0)
}
