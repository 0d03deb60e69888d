//! The `helpdesk` binary: parse the command line, load the settings, set up logging, run the
//! subcommand. Exit status 2 for usage, configuration and I/O errors.

use std::process::ExitCode;

use clap::Parser;
use helpdesk_ai::{
    cli::{self, Cli},
    config, telemetry,
};

/// mimalloc: gives memory freed after a load peak back to the system (measured in docs/benchmarks.md:
/// 128 MiB at the peak of 50 connections x 100 streams, 74 MiB ten seconds later).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Threads of the blocking pool at most (tokio's default is 512). Triage, rules trials, chain checks
/// and file reads run there; they are CPU-bound, so more threads than this only add memory (each
/// keeps its own stack and allocator heap: hundreds of them held over 600 MiB under load) and wait.
const BLOCKING_THREADS: usize = 16;

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread().enable_all().max_blocking_threads(BLOCKING_THREADS).build() {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("helpdesk: cannot start the runtime: {e}");
            ExitCode::from(1)
        }
    }
}

async fn run() -> ExitCode {
    // One crypto provider for the whole process (ring), chosen before any TLS is set up.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Cli::parse();
    let settings = match config::load(args.config.as_deref(), std::env::vars()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("helpdesk: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_level, settings.log_format);
    match cli::run(args.command, settings).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("helpdesk: {e}");
            e.exit_code()
        }
    }
}
