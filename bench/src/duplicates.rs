//! The near-duplicate cost: the same ticket text stored again and again, with near-duplicate
//! detection on and off, measured with 0, 1k, 10k and 100k copies already stored. Each mode gets a
//! server and store of its own; between levels the server is stopped and its store seeded with copies
//! ([`seed`](crate::seed)), then started again.

use std::sync::Arc;

use crate::{
    error::{BenchError, InStep},
    load::Shape,
    report::DuplicatePoint,
    scenarios::{Op, Runner, budget},
    seed,
    server::{Server, ServerSetup, database_file},
    tickets::TicketSource,
    watch::Watch,
};

/// The load of each measurement: 4 connections x 8 calls.
const SHAPE: Shape = Shape { connections: 4, streams: 8 };

/// Measures both modes at every level of `levels`; `calls` calls or `secs` seconds each.
pub async fn run(
    base: &ServerSetup,
    scratch: &std::path::Path,
    source: &Arc<TicketSource>,
    date: &str,
    levels: &[u64],
    (calls, secs): (u64, f64),
    server_log: &mut Vec<String>,
) -> Result<Vec<DuplicatePoint>, BenchError> {
    let mut points = Vec::new();
    for duplicates in [false, true] {
        let mode = if duplicates { "on" } else { "off" };
        let setup = ServerSetup { store: scratch.join(format!("duplicates-{mode}")), duplicates, ..base.clone() };
        let file = database_file(&setup.store);
        let mut seeded = 0u64;
        for &level in levels {
            let step = format!("same text, duplicates {mode}, {level} copies stored");
            let stored = if level == 0 { 0 } else { seed::count(&file).await.in_step(&step)? };
            if level > stored {
                eprintln!("  seeding {} copies of the same ticket (duplicates {mode})", level - stored);
                seed::copies(&file, date, seeded, level - stored).await.in_step(&step)?;
                seeded += level - stored;
            }
            let stored = if level == 0 { 0 } else { seed::count(&file).await.in_step(&step)? };
            let mut server = Server::start(&setup).await.in_step(&step)?;
            let watch = Watch { server: Some(server.pid), every: std::time::Duration::from_millis(100) };
            let mut runner = Runner { target: server.url.clone(), watch, server: Some(&mut server) };
            // A fresh process warms up first, with dry runs: they store nothing, so the copies stay counted.
            let warm_up = Op::Triage { source: source.clone(), kind: 'W', dry_run: true };
            runner.unary(&format!("warm-up, {step}"), warm_up, SHAPE, budget(200, 0.5)).await?;
            let op = Op::SameText { source: source.clone(), kind: 'D' };
            let (measurement, _) = runner.unary(&step, op, SHAPE, budget(calls, secs)).await?;
            server_log.extend(server.logged().into_iter().map(|l| format!("duplicates {mode}: {l}")));
            server.stop().await.in_step(&step)?;
            points.push(DuplicatePoint { duplicates, level, stored_copies: stored, measurement });
        }
    }
    Ok(points)
}
