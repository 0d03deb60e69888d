//! What acknowledging only what is on disk costs: stored TriageTicket (one call at a time and at
//! saturation) and StreamTriage stored, each on a fresh server of its own with `durability =
//! "power-loss"` (SQLite `synchronous=FULL`, the default) and with `"process-crash"` (`NORMAL`).

use std::sync::Arc;

use serde::Serialize;

use crate::{
    args::Plan,
    error::{BenchError, InStep},
    load::{Measurement, Shape},
    scenarios::{Op, Runner, budget, for_secs, stream},
    server::{Server, ServerSetup},
    tickets::TicketSource,
    watch::Watch,
};

/// One durability setting's figures.
#[derive(Debug, Clone, Serialize)]
pub struct DurabilityPoint {
    /// The `durability` setting.
    pub durability: String,
    /// SQLite's `synchronous` for it.
    pub synchronous: String,
    /// TriageTicket stored, one call at a time.
    pub one: Measurement,
    /// TriageTicket stored at the saturation load.
    pub saturated: Measurement,
    /// StreamTriage stored, 4 streams.
    pub stream: Measurement,
}

/// Measures both settings, `power-loss` first.
pub async fn run(
    base: &ServerSetup,
    scratch: &std::path::Path,
    source: &Arc<TicketSource>,
    plan: &Plan,
    server_log: &mut Vec<String>,
) -> Result<Vec<DurabilityPoint>, BenchError> {
    let mut points = Vec::new();
    for (durability, synchronous) in [("power-loss", "FULL"), ("process-crash", "NORMAL")] {
        let setup = ServerSetup {
            store: scratch.join(format!("durability-{durability}")),
            env: vec![("HELPDESK_DURABILITY", durability.to_owned())],
            ..base.clone()
        };
        let step = format!("durability {durability}");
        let mut server = Server::start(&setup).await.in_step(&step)?;
        let watch = Watch { server: Some(server.pid), every: std::time::Duration::from_millis(100) };
        let mut runner = Runner { target: server.url.clone(), watch, server: Some(&mut server) };
        let stored = Op::Triage { source: source.clone(), kind: 'P', dry_run: false };
        runner.unary(&format!("warm-up, {step}"), stored.clone(), Shape::for_concurrency(16), budget(300, 0.5)).await?;
        let name = format!("TriageTicket stored, {step}");
        let (one, _) = runner.unary(&name, stored.clone(), Shape::ONE, budget(plan.one.0, plan.one.1)).await?;
        let saturation = Shape::for_concurrency(plan.saturation);
        let (saturated, _) = runner.unary(&name, stored, saturation, for_secs(plan.saturated_secs)).await?;
        let shape = Shape { connections: 4, streams: plan.stream_window };
        let name = format!("StreamTriage stored, {step}");
        let (stream, _) =
            runner.stream(&name, source.clone(), stream::KIND, shape, for_secs(plan.saturated_secs)).await?;
        server_log.extend(server.logged().into_iter().map(|l| format!("{step}: {l}")));
        server.stop().await.in_step(&step)?;
        points.push(DurabilityPoint {
            durability: durability.to_owned(),
            synchronous: synchronous.to_owned(),
            one,
            saturated,
            stream,
        });
    }
    Ok(points)
}
