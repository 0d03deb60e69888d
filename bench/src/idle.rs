//! Thousands of idle streams: audit watches opened over many connections (up to 250 on each, under
//! the server's 256 streams a connection), left idle, then woken all at once by one stored ticket.
//! Reports the server's memory before, with the streams open, after the idle time and once they are
//! closed; its CPU while they idle; Health/Check's latency meanwhile; and how long one commit takes
//! to reach every watcher.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use helpdesk_client::{HelpdeskClient, ServingStatus, TriageOptions};
use serde::Serialize;
use tokio_stream::StreamExt;

use crate::{
    error::{BenchError, InStep},
    latency::{Latencies, LatencySummary},
    load,
    procstat::Proc,
    server::{Server, ServerSetup},
    tickets::TicketSource,
};

/// Streams on one connection.
const PER_CONNECTION: usize = 250;

/// The idle-streams run.
#[derive(Debug, Clone, Serialize)]
pub struct IdleStreams {
    /// Watches opened.
    pub streams: usize,
    /// Over so many connections.
    pub connections: usize,
    /// Seconds it took to open them all.
    pub open_secs: f64,
    /// Seconds they stayed idle.
    pub idle_secs: f64,
    /// The server's RSS before any was opened, MiB.
    pub rss_before_mib: f64,
    /// Once all were open.
    pub rss_open_mib: f64,
    /// At the end of the idle time.
    pub rss_idle_end_mib: f64,
    /// After they were all closed (and a second to settle).
    pub rss_closed_mib: f64,
    /// The server's CPU cores used while they idled.
    pub idle_cpu_cores: f64,
    /// Health/Check while they idled (every 100 ms).
    pub health: LatencySummary,
    /// Time from storing one ticket to the last watcher receiving its entry.
    pub fan_out_ms: f64,
    /// Watchers that received it.
    pub woken: usize,
}

/// Starts a server of its own and measures with `streams` watches idle for `idle_secs`.
pub async fn run(
    base: &ServerSetup,
    scratch: &std::path::Path,
    source: &Arc<TicketSource>,
    streams: usize,
    idle_secs: f64,
    server_log: &mut Vec<String>,
) -> Result<IdleStreams, BenchError> {
    let step = "idle streams";
    let setup = ServerSetup { store: scratch.join("idle-streams"), ..base.clone() };
    let server = Server::start(&setup).await.in_step(step)?;
    let result = measure(&server.url, server.pid, source, streams, idle_secs).await;
    server.finish(step, result, server_log).await
}

async fn measure(
    url: &str,
    pid: u32,
    source: &Arc<TicketSource>,
    streams: usize,
    idle_secs: f64,
) -> Result<IdleStreams, String> {
    let server = Proc::Pid(pid);
    let connections = streams.div_ceil(PER_CONNECTION);
    eprintln!("idle streams: {streams} audit watches over {connections} connections");
    let rss_before_mib = server.rss_mib()?;
    let opened = Instant::now();
    let clients = load::connect(url, connections).await?;
    let mut watches = Vec::with_capacity(streams);
    for n in 0..streams {
        let mut client = clients[n / PER_CONNECTION].clone();
        watches.push(client.watch_audit(None, Some("ticket.triaged")).await.map_err(|e| format!("watch {n}: {e}"))?);
    }
    let open_secs = opened.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_open_mib = server.rss_mib()?;

    let mut health = HelpdeskClient::connect(url).await.map_err(|e| e.to_string())?;
    let cpu_before = server.cpu_seconds()?;
    let idle_started = Instant::now();
    let mut latencies = Latencies::new();
    while idle_started.elapsed().as_secs_f64() < idle_secs {
        let asked = Instant::now();
        if let Ok(Ok(ServingStatus::Serving)) = tokio::time::timeout(Duration::from_secs(10), health.health("")).await {
            latencies.record(asked.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let idle_elapsed = idle_started.elapsed().as_secs_f64();
    let idle_cpu_cores = (server.cpu_seconds()? - cpu_before) / idle_elapsed;
    let rss_idle_end_mib = server.rss_mib()?;

    // One stored ticket wakes every watcher.
    let waiting: Vec<_> = watches
        .into_iter()
        .map(|mut watch| {
            tokio::spawn(async move {
                let got = tokio::time::timeout(Duration::from_secs(60), watch.next()).await;
                (matches!(got, Ok(Some(Ok(_)))).then(Instant::now), watch)
            })
        })
        .collect();
    tokio::task::yield_now().await;
    let stored = Instant::now();
    health.triage(source.next('I'), TriageOptions::default()).await.map_err(|e| format!("the waking ticket: {e}"))?;
    let (mut woken, mut last) = (0usize, stored);
    let mut kept = Vec::with_capacity(streams);
    for task in waiting {
        let (at, watch) = task.await.map_err(|e| format!("a watcher panicked: {e}"))?;
        if let Some(at) = at {
            woken += 1;
            last = last.max(at);
        }
        kept.push(watch);
    }
    let fan_out_ms = last.duration_since(stored).as_secs_f64() * 1e3;
    drop(kept);
    drop(clients);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_closed_mib = server.rss_mib()?;
    Ok(IdleStreams {
        streams,
        connections,
        open_secs,
        idle_secs: idle_elapsed,
        rss_before_mib,
        rss_open_mib,
        rss_idle_end_mib,
        rss_closed_mib,
        idle_cpu_cores,
        health: latencies.summary(),
        fan_out_ms,
        woken,
    })
}
