//! The load generator: many connections (separate channels), many calls in flight on each, every
//! call timed into a latency histogram, until a number of calls or a time limit is reached. The
//! first failed call stops the measurement and is reported.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use helpdesk_client::{ConnectOptions, HelpdeskClient};
use serde::Serialize;

use crate::{
    latency::{Latencies, LatencySummary},
    scenarios::Op,
    watch::{ServerUsage, Watch, Watched, Watching},
};

/// Longest a single call may take before the measurement fails.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// Connections, and calls in flight on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shape {
    /// Separate channels (TCP connections).
    pub connections: usize,
    /// Calls in flight on each.
    pub streams: usize,
}

impl Shape {
    /// One call at a time.
    pub const ONE: Shape = Shape { connections: 1, streams: 1 };

    /// Calls in flight in all.
    pub fn concurrency(&self) -> usize {
        self.connections * self.streams
    }

    /// `concurrency` calls over up to 4 connections.
    pub fn for_concurrency(concurrency: usize) -> Shape {
        let connections = concurrency.clamp(1, 4);
        Shape { connections, streams: concurrency.max(1).div_ceil(connections) }
    }

    /// `4 x 32` or `1`.
    pub fn label(&self) -> String {
        if self.concurrency() == 1 { "1".to_owned() } else { format!("{} x {}", self.connections, self.streams) }
    }
}

/// When a measurement ends: after so many calls or so long, whichever comes first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Most calls.
    pub calls: u64,
    /// Most seconds.
    pub secs: f64,
}

/// One measurement of one scenario at one load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    /// The load.
    pub shape: Shape,
    /// Calls in flight in all.
    pub concurrency: usize,
    /// Calls made.
    pub calls: u64,
    /// Tickets they carried (1 a call, or the batch size; for a stream, one call is one ticket).
    pub items: u64,
    /// Wall seconds.
    pub seconds: f64,
    /// Calls a second.
    pub calls_per_sec: f64,
    /// Tickets a second.
    pub items_per_sec: f64,
    /// Latency of a call (a stream item's: from sending it to its outcome).
    pub latency: LatencySummary,
    /// The server's CPU and memory, when its process is known.
    pub server: Option<ServerUsage>,
    /// The load generator's CPU seconds a wall second (near 1.0: the load generator may be the limit).
    pub client_cpu_cores: f64,
}

impl Measurement {
    /// Puts the parts together.
    pub fn new(shape: Shape, calls: u64, items: u64, seconds: f64, latencies: &Latencies, watched: &Watched) -> Self {
        let seconds = seconds.max(1e-9);
        Measurement {
            shape,
            concurrency: shape.concurrency(),
            calls,
            items,
            seconds,
            calls_per_sec: calls as f64 / seconds,
            items_per_sec: items as f64 / seconds,
            latency: latencies.summary(),
            server: watched.server,
            client_cpu_cores: watched.client_cpu_cores,
        }
    }
}

/// `n` clients, each over a channel (a TCP connection) of its own.
pub async fn connect(target: &str, n: usize) -> Result<Vec<HelpdeskClient>, String> {
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        let client =
            HelpdeskClient::connect_with(target, &ConnectOptions::from_env()).await.map_err(|e| e.to_string())?;
        clients.push(client);
    }
    Ok(clients)
}

/// The pace of one measurement, shared by its workers: the next call's number, and whether to stop
/// (the budget is spent, the time is up, or a call failed).
pub struct Pace {
    next: AtomicU64,
    stop: AtomicBool,
    calls: u64,
    deadline: Instant,
}

impl Pace {
    /// A pace for `budget`, starting now.
    pub fn new(budget: Budget) -> Pace {
        Pace {
            next: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            calls: budget.calls,
            deadline: Instant::now() + Duration::from_secs_f64(budget.secs),
        }
    }

    /// The number of the next call to make, or `None` when the measurement is over.
    pub fn take(&self) -> Option<u64> {
        if self.stop.load(Ordering::Relaxed) || Instant::now() >= self.deadline {
            return None;
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        (n < self.calls).then_some(n)
    }

    /// Ends the measurement for every worker (a call failed).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What one worker (a caller or a stream) did: its latencies, its calls and the tickets they carried.
pub type WorkerResult = Result<(Latencies, u64, u64), String>;

/// Waits for `workers`, started at `started`, and puts their figures together with the server's usage.
pub async fn gather(
    shape: Shape,
    started: Instant,
    watching: Watching,
    workers: Vec<tokio::task::JoinHandle<WorkerResult>>,
) -> Result<(Measurement, Watched), String> {
    let (mut latencies, mut calls, mut items, mut failure) = (Latencies::new(), 0u64, 0u64, None);
    for worker in workers {
        match worker.await {
            Ok(Ok((l, c, i))) => {
                latencies.merge(&l);
                calls += c;
                items += i;
            }
            Ok(Err(e)) => failure = failure.or(Some(e)),
            Err(e) => failure = failure.or(Some(format!("a load worker panicked: {e}"))),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let watched = watching.finish(calls, items).await?;
    if let Some(failure) = failure {
        return Err(failure);
    }
    if calls == 0 {
        return Err("no call completed".to_owned());
    }
    Ok((Measurement::new(shape, calls, items, seconds, &latencies, &watched), watched))
}

/// Runs `op` at `shape` until `budget` is spent; the result with the server's usage over it.
pub async fn run(
    target: &str,
    op: Op,
    shape: Shape,
    budget: Budget,
    watch: &Watch,
) -> Result<(Measurement, Watched), String> {
    let clients = connect(target, shape.connections).await?;
    let watching = watch.start()?;
    let started = Instant::now();
    let (op, pace) = (Arc::new(op), Arc::new(Pace::new(budget)));
    let mut workers = Vec::with_capacity(shape.concurrency());
    for client in &clients {
        for _ in 0..shape.streams {
            workers.push(tokio::spawn(worker(client.clone(), op.clone(), pace.clone())));
        }
    }
    gather(shape, started, watching, workers).await
}

async fn worker(mut client: HelpdeskClient, op: Arc<Op>, pace: Arc<Pace>) -> WorkerResult {
    let (mut latencies, mut calls, mut items) = (Latencies::new(), 0u64, 0u64);
    while let Some(n) = pace.take() {
        let started = Instant::now();
        let outcome = match tokio::time::timeout(CALL_TIMEOUT, op.call(&mut client, n)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!("call {n} took longer than {} s", CALL_TIMEOUT.as_secs())),
        };
        match outcome {
            Ok(carried) => {
                latencies.record(started.elapsed());
                calls += 1;
                items += carried;
            }
            Err(e) => {
                pace.stop();
                return Err(format!("call {n} failed: {e}"));
            }
        }
    }
    Ok((latencies, calls, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_spread_calls_over_four_connections() {
        assert_eq!(Shape::for_concurrency(1), Shape::ONE);
        assert_eq!(Shape::for_concurrency(16), Shape { connections: 4, streams: 4 });
        assert_eq!(Shape::for_concurrency(128).label(), "4 x 32");
        assert_eq!(Shape::for_concurrency(2), Shape { connections: 2, streams: 1 });
    }
}
