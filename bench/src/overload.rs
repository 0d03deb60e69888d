//! Health under overload: a server with the default `max_in_flight_requests` (its capacity, 1,024
//! calls) is offered four times as many stored TriageTicket calls at once, each caller sending its
//! next call as soon as it is answered, shed or not (no back-off: the worst case for the server).
//! Meanwhile, on connections and a thread of their own (so the callers' tasks never delay them),
//! Health/Check is asked every 10 ms and the metrics endpoint scraped every 100 ms, as a load
//! balancer and Prometheus would; their latencies are compared with the same probes on the idle
//! server just before.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use helpdesk_client::{HelpdeskClient, ServingStatus, TriageOptions};
use serde::Serialize;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    task::JoinHandle,
};
use tonic::Code;

use crate::{
    error::{BenchError, InStep},
    latency::{Latencies, LatencySummary},
    load::{self, Shape},
    server::{Server, ServerSetup, free_port},
    tickets::TicketSource,
    watch::{ServerUsage, Watch},
};

/// The server's default `max_in_flight_requests`.
pub const CAPACITY: usize = 1_024;
/// Four times the capacity: 32 connections x 128 calls.
const OFFERED: Shape = Shape { connections: 32, streams: 128 };

/// What the probes saw on the idle server, or under the load.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Probes {
    /// Health/Check latency.
    pub health: LatencySummary,
    /// Health/Check calls made.
    pub health_calls: u64,
    /// Answers other than SERVING, and failed calls.
    pub health_not_serving: u64,
    /// `GET /metrics` latency (a new connection each time, as Prometheus makes).
    pub metrics: LatencySummary,
    /// Scrapes made.
    pub metrics_scrapes: u64,
    /// Scrapes that failed or did not answer 200.
    pub metrics_failed: u64,
}

/// The overload run.
#[derive(Debug, Clone, Serialize)]
pub struct Overload {
    /// `max_in_flight_requests`.
    pub capacity: usize,
    /// The offered load.
    pub offered: Shape,
    /// Seconds under load.
    pub seconds: f64,
    /// Calls answered OK (stored).
    pub admitted: u64,
    /// Their latency.
    pub admitted_latency: LatencySummary,
    /// Calls answered RESOURCE_EXHAUSTED.
    pub shed: u64,
    /// How many of those carried status details (the `google.rpc.RetryInfo`).
    pub shed_with_details: u64,
    /// Their latency.
    pub shed_latency: LatencySummary,
    /// Calls that failed otherwise.
    pub other_failures: u64,
    /// The first of those.
    pub first_other_failure: Option<String>,
    /// The probes on the idle server.
    pub idle: Probes,
    /// The probes under the load.
    pub loaded: Probes,
    /// The server's CPU and memory under the load.
    pub server: Option<ServerUsage>,
}

#[derive(Default)]
struct Tally {
    admitted: Latencies,
    shed: Latencies,
    shed_with_details: u64,
    other: u64,
    first_other: Option<String>,
}

/// Starts a server of its own and measures; `secs` seconds under load.
pub async fn run(
    base: &ServerSetup,
    scratch: &std::path::Path,
    source: &Arc<TicketSource>,
    secs: f64,
    server_log: &mut Vec<String>,
) -> Result<Overload, BenchError> {
    let step = "overload";
    let metrics_addr = format!("127.0.0.1:{}", free_port().in_step(step)?);
    let setup = ServerSetup {
        store: scratch.join("overload"),
        env: vec![
            ("HELPDESK_METRICS_ADDR", metrics_addr.clone()),
            ("HELPDESK_MAX_IN_FLIGHT_REQUESTS", CAPACITY.to_string()),
        ],
        ..base.clone()
    };
    let server = Server::start(&setup).await.in_step(step)?;
    let result = measure(&server.url, &metrics_addr, server.pid, source, secs).await;
    server.finish(step, result, server_log).await
}

async fn measure(
    url: &str,
    metrics_addr: &str,
    pid: u32,
    source: &Arc<TicketSource>,
    secs: f64,
) -> Result<Overload, String> {
    eprintln!("overload: probes on the idle server");
    let idle = probes(url, metrics_addr, Duration::from_secs(1)).await?;
    eprintln!("overload: {} calls offered against a capacity of {CAPACITY}", OFFERED.concurrency());
    let clients = load::connect(url, OFFERED.connections).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let watching = Watch { server: Some(pid), every: Duration::from_millis(100) }.start()?;
    let started = Instant::now();
    let workers: Vec<JoinHandle<Tally>> = clients
        .iter()
        .flat_map(|client| (0..OFFERED.streams).map(move |_| client.clone()))
        .map(|client| tokio::spawn(caller(client, source.clone(), stop.clone())))
        .collect();
    // The callers fill the server first; the probes start once the load is on.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let loaded = probes(url, metrics_addr, Duration::from_secs_f64(secs)).await?;
    stop.store(true, Ordering::Relaxed);
    let mut tally = Tally::default();
    for worker in workers {
        let t = worker.await.map_err(|e| format!("a caller panicked: {e}"))?;
        tally.admitted.merge(&t.admitted);
        tally.shed.merge(&t.shed);
        tally.shed_with_details += t.shed_with_details;
        tally.other += t.other;
        tally.first_other = tally.first_other.or(t.first_other);
    }
    let seconds = started.elapsed().as_secs_f64();
    let (admitted, shed) = (tally.admitted.count(), tally.shed.count());
    let watched = watching.finish(admitted + shed + tally.other, admitted).await?;
    Ok(Overload {
        capacity: CAPACITY,
        offered: OFFERED,
        seconds,
        admitted,
        admitted_latency: tally.admitted.summary(),
        shed,
        shed_with_details: tally.shed_with_details,
        shed_latency: tally.shed.summary(),
        other_failures: tally.other,
        first_other_failure: tally.first_other,
        idle,
        loaded,
        server: watched.server,
    })
}

/// One caller: stored TriageTicket calls one after the other until `stop`.
async fn caller(mut client: HelpdeskClient, source: Arc<TicketSource>, stop: Arc<AtomicBool>) -> Tally {
    let mut tally = Tally::default();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let answer = client.triage(source.next('O'), TriageOptions::default()).await;
        match answer {
            Ok(_) => tally.admitted.record(started.elapsed()),
            Err(e) if e.code() == Code::ResourceExhausted => {
                tally.shed.record(started.elapsed());
                if let helpdesk_client::ClientError::Status(status) = &e
                    && !status.details().is_empty()
                {
                    tally.shed_with_details += 1;
                }
            }
            Err(e) => {
                tally.other += 1;
                tally.first_other.get_or_insert_with(|| e.to_string());
                // A failed connection is not retried in a tight loop.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    tally
}

/// [`probe_run`] on a thread and runtime of its own, so that the thousands of callers' tasks on the
/// bench's runtime never hold a probe back: what it measures is the server's answer.
async fn probes(url: &str, metrics_addr: &str, length: Duration) -> Result<Probes, String> {
    let (url, metrics_addr) = (url.to_owned(), metrics_addr.to_owned());
    let (done, answer) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("probes".to_owned())
        .spawn(move || {
            let probed = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the probes' runtime: {e}"))
                .and_then(|runtime| runtime.block_on(probe_run(&url, &metrics_addr, length)));
            let _ = done.send(probed);
        })
        .map_err(|e| format!("cannot start the probes' thread: {e}"))?;
    answer.await.map_err(|_| "the probes' thread ended without an answer".to_owned())?
}

/// Health/Check every 10 ms and a metrics scrape every 100 ms, for `length`.
async fn probe_run(url: &str, metrics_addr: &str, length: Duration) -> Result<Probes, String> {
    let mut health = HelpdeskClient::connect(url).await.map_err(|e| e.to_string())?;
    let until = Instant::now() + length;
    let scraper = {
        let addr = metrics_addr.to_owned();
        tokio::spawn(async move {
            let (mut latencies, mut failed) = (Latencies::new(), 0u64);
            while Instant::now() < until {
                let asked = Instant::now();
                match tokio::time::timeout(Duration::from_secs(10), scrape(&addr)).await {
                    Ok(Ok(())) => latencies.record(asked.elapsed()),
                    _ => failed += 1,
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (latencies, failed)
        })
    };
    let (mut latencies, mut not_serving) = (Latencies::new(), 0u64);
    while Instant::now() < until {
        let asked = Instant::now();
        match tokio::time::timeout(Duration::from_secs(10), health.health("")).await {
            Ok(Ok(ServingStatus::Serving)) => latencies.record(asked.elapsed()),
            _ => not_serving += 1,
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (scrapes, failed) = scraper.await.map_err(|e| format!("the metrics scraper panicked: {e}"))?;
    Ok(Probes {
        health: latencies.summary(),
        health_calls: latencies.count() + not_serving,
        health_not_serving: not_serving,
        metrics: scrapes.summary(),
        metrics_scrapes: scrapes.count() + failed,
        metrics_failed: failed,
    })
}

/// `GET /metrics` on a new connection; an error unless it answers 200 with a body.
async fn scrape(addr: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.map_err(|e| e.to_string())?;
    let ok = answer.starts_with(b"HTTP/1.1 200") && answer.windows(4).any(|w| w == b"\r\n\r\n");
    if ok { Ok(()) } else { Err(String::from_utf8_lossy(&answer[..answer.len().min(80)]).into_owned()) }
}
