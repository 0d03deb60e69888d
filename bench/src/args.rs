//! The command line of `helpdesk-bench`, and the plan of a run it gives (how many calls, how long,
//! which loads) for a full run and for `--quick`.

use std::path::PathBuf;

use clap::Parser;

/// The benchmark of the helpdesk-ai server: starts the release binary on one core (or targets a
/// running server), loads it from the other core through helpdesk-client and reports every scenario's
/// throughput, latency, server CPU and memory, also as ratios to Health/Check in the same run.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "helpdesk-bench",
    version,
    after_long_help = "\
Examples:
  cargo build --release --locked
  cargo run --release -p helpdesk-bench -- --quick
  cargo run --release -p helpdesk-bench -- --write-docs --full --soak-secs 600
  cargo run --release -p helpdesk-bench -- --target http://127.0.0.1:50051 --server-pid 4242"
)]
pub struct Args {
    /// A short run for CI (seconds): few calls a scenario, small counts; fails only when something errors.
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// Also measure the near-duplicate cost at 100,000 stored copies (a full run stops at 10,000).
    #[arg(long)]
    pub full: bool,
    /// Write the results as JSON to this file [default with --write-docs: docs/bench/results.json].
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Rewrite the generated part of docs/benchmarks.md, docs/bench/latency.svg and docs/bench/results.json.
    #[arg(long)]
    pub write_docs: bool,
    /// The `helpdesk` binary to start [default: `helpdesk` beside this binary, else target/release/helpdesk].
    #[arg(long, value_name = "PATH")]
    pub server_bin: Option<PathBuf>,
    /// Load an already running server at this URL instead of starting one (no duplicate levels, anchor or CLI run).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// With --target: the server's process id, for its CPU and memory.
    #[arg(long, value_name = "PID", requires = "target")]
    pub server_pid: Option<u32>,
    /// The tickets, one JSON object a line [default: ../shared/datasets/tickets-dev.jsonl from the workspace].
    #[arg(long, value_name = "PATH")]
    pub tickets: Option<PathBuf>,
    /// Seconds of the memory soak at the end (a mixed saturation load, memory sampled every second) [default: 30; 2 with --quick].
    #[arg(long, value_name = "SECS")]
    pub soak_secs: Option<u64>,
    /// Tickets stored before the read scenarios [default: 100000; 2000 with --quick].
    #[arg(long, value_name = "N")]
    pub fill: Option<u64>,
    /// Neither the server nor the load generator is pinned to a core.
    #[arg(long)]
    pub no_pin: bool,
    /// Cache triage results in the started server (cache_enabled).
    #[arg(long)]
    pub cache: bool,
    /// Near-duplicate detection on in the started server for the main scenarios (it is off there by default).
    #[arg(long)]
    pub duplicates: bool,
}

/// How much a run does.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Calls and seconds of a measurement at concurrency 1.
    pub one: (u64, f64),
    /// Seconds of a measurement at saturation.
    pub saturated_secs: f64,
    /// The offered concurrencies of the latency-vs-load sweep (the last is the saturation load).
    pub sweep: Vec<usize>,
    /// The saturation load of the unary scenarios.
    pub saturation: usize,
    /// Tickets in flight on each stream at saturation (4 streams).
    pub stream_window: usize,
    /// Tickets a BatchTriage call.
    pub batch_size: usize,
    /// Tickets stored before the read scenarios.
    pub fill: u64,
    /// Pages walked for the deep page.
    pub deep_pages: usize,
    /// Stored copies of the same text before each near-duplicate measurement.
    pub duplicate_levels: Vec<u64>,
    /// Calls and seconds of each near-duplicate measurement.
    pub duplicate_calls: (u64, f64),
    /// Tickets in the CLI's file.
    pub cli_tickets: u64,
    /// Seconds of the soak (0: none).
    pub soak_secs: u64,
    /// Seconds under four times the in-flight capacity.
    pub overload_secs: f64,
    /// Idle audit watches opened, and the seconds they idle.
    pub idle_streams: (usize, f64),
}

impl Plan {
    /// The plan `args` ask for.
    pub fn of(args: &Args) -> Plan {
        if args.quick {
            Plan {
                one: (30, 0.25),
                saturated_secs: 0.4,
                sweep: vec![1, 16, 128],
                saturation: 128,
                stream_window: 64,
                batch_size: 100,
                fill: args.fill.unwrap_or(2_000),
                deep_pages: 10,
                duplicate_levels: vec![0, 200, 1_000],
                duplicate_calls: (30, 3.0),
                cli_tickets: 2_000,
                soak_secs: args.soak_secs.unwrap_or(2),
                overload_secs: 1.5,
                idle_streams: (1_000, 1.0),
            }
        } else {
            Plan {
                one: (3_000, 3.0),
                saturated_secs: 5.0,
                sweep: vec![1, 4, 16, 64, 128],
                saturation: 128,
                stream_window: 64,
                batch_size: 100,
                fill: args.fill.unwrap_or(100_000),
                deep_pages: 200,
                duplicate_levels: if args.full { vec![0, 1_000, 10_000, 100_000] } else { vec![0, 1_000, 10_000] },
                duplicate_calls: (400, 15.0),
                cli_tickets: 100_000,
                soak_secs: args.soak_secs.unwrap_or(30),
                overload_secs: 10.0,
                idle_streams: (10_000, 30.0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_is_small_and_full_adds_the_largest_level() {
        let plan = Plan::of(&Args::parse_from(["helpdesk-bench", "--quick"]));
        assert_eq!(plan.soak_secs, 2);
        assert!(plan.saturated_secs < 1.0 && plan.fill <= 2_000 && plan.cli_tickets <= 2_000);
        assert_eq!(plan.sweep.last(), Some(&plan.saturation));
        let normal = Plan::of(&Args::parse_from(["helpdesk-bench"]));
        assert_eq!((normal.soak_secs, normal.duplicate_levels.last()), (30, Some(&10_000)));
        let full = Plan::of(&Args::parse_from(["helpdesk-bench", "--full", "--soak-secs", "600"]));
        assert_eq!((full.soak_secs, full.duplicate_levels.last()), (600, Some(&100_000)));
        assert_eq!(full.sweep.last(), Some(&full.saturation));
        assert!(Args::try_parse_from(["helpdesk-bench", "--quick", "--full"]).is_err());
    }
}
