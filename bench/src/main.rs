//! `helpdesk-bench`: the benchmark anyone can run. It starts the `helpdesk` release binary on one core
//! (or targets a running server), loads it from the other core with a load generator of its own over
//! helpdesk-client, and reports every scenario's throughput, latency percentiles, server CPU and
//! memory at concurrency 1 and at saturation, each also as a ratio to Health/Check in the same run;
//! plus the near-duplicate cost, a physical anchor (the same rows inserted raw through sea-orm), the
//! CLI's rate, a memory soak, the reliability figures (durability's cost, health under overload, idle
//! streams) and the targets of issue 12. Text on stdout, JSON with `--json`, the
//! docs page and chart with `--write-docs`.
//!
//! # Layout
//! - `args`: the command line and the plan of a full or `--quick` run.
//! - `pinning`, `server`, `procstat`, `watch`: the processes, their cores, CPU and memory.
//! - `tickets`, `generated`, `load`, `latency`, `scenarios/`: the load generator and what each scenario calls.
//! - `anchor`, `seed`, `db`, `duplicates`, `cli_run`: the raw-insert anchor, the near-duplicate
//!   levels and the CLI run.
//! - `durability`, `overload`, `idle`: what `synchronous=FULL` costs, health at four times the
//!   in-flight capacity, and thousands of idle streams, each on a server of its own.
//! - `run`, `goals`, `targets`: a whole run and the targets.
//! - `report/`, `table`, `format`, `docs_page`, `output`: the report as text, Markdown, SVG and JSON.

mod anchor;
mod args;
mod cli_run;
mod db;
mod docs_page;
mod duplicates;
mod durability;
mod error;
mod format;
mod generated;
mod goals;
mod idle;
mod latency;
mod load;
mod machine;
mod output;
mod overload;
mod pinning;
mod procstat;
mod report;
mod run;
mod scenarios;
mod seed;
mod server;
mod table;
mod targets;
mod tickets;
mod watch;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    // Before any thread exists, so every thread of the load generator inherits the core.
    let pinning = pinning::pin(args.no_pin);
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("helpdesk-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("pinning: {}", pinning.note);
    let report = match runtime.block_on(run::run(&args, &pinning)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("helpdesk-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", report::text::render(&report));
    let json =
        args.json.clone().or_else(|| args.write_docs.then(|| run::workspace_root().join("docs/bench/results.json")));
    if let Some(path) = &json {
        if let Err(e) = output::write_json(&report, path) {
            eprintln!("helpdesk-bench: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {}", path.display());
    }
    if args.write_docs {
        match output::write_docs(&report, &run::workspace_root(), json.as_deref()) {
            Ok(paths) => paths.iter().for_each(|p| eprintln!("wrote {}", p.display())),
            Err(e) => {
                eprintln!("helpdesk-bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
