//! StreamTriage stored: streams (each over a connection of its own) that keep up to `window` tickets
//! in flight; an item's latency runs from sending it to receiving its outcome.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use helpdesk_client::{HelpdeskClient, proto};
use tokio::sync::{Semaphore, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::{
    latency::Latencies,
    load::{self, Budget, CALL_TIMEOUT, Measurement, Shape},
    tickets::TicketSource,
    watch::{Watch, Watched},
};

/// The id letter of StreamTriage tickets (the physical anchor reads their rows back).
pub const KIND: char = 'S';

struct Shared {
    source: Arc<TicketSource>,
    kind: char,
    next: AtomicU64,
    stop: AtomicBool,
    budget: Budget,
    deadline: Instant,
}

/// Runs `shape.connections` streams with `shape.streams` tickets in flight on each.
pub async fn run(
    target: &str,
    source: Arc<TicketSource>,
    kind: char,
    shape: Shape,
    budget: Budget,
    watch: &Watch,
) -> Result<(Measurement, Watched), String> {
    let clients = load::connect(target, shape.connections).await?;
    let watching = watch.start()?;
    let started = Instant::now();
    let shared = Arc::new(Shared {
        source,
        kind,
        next: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        budget,
        deadline: started + Duration::from_secs_f64(budget.secs),
    });
    let streams: Vec<_> =
        clients.into_iter().map(|client| tokio::spawn(one_stream(client, shared.clone(), shape.streams))).collect();
    let (mut latencies, mut items, mut failure) = (Latencies::new(), 0u64, None);
    for stream in streams {
        match stream.await {
            Ok(Ok((l, n))) => {
                latencies.merge(&l);
                items += n;
            }
            Ok(Err(e)) => failure = failure.or(Some(e)),
            Err(e) => failure = failure.or(Some(format!("a stream task panicked: {e}"))),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let watched = watching.finish(items, items).await?;
    if let Some(failure) = failure {
        return Err(failure);
    }
    if items == 0 {
        return Err("no stream item completed".to_owned());
    }
    Ok((Measurement::new(shape, items, items, seconds, &latencies, &watched), watched))
}

async fn one_stream(
    mut client: HelpdeskClient,
    shared: Arc<Shared>,
    window: usize,
) -> Result<(Latencies, u64), String> {
    let (tx, rx) = mpsc::channel::<proto::StreamTriageRequest>(window.max(1));
    let in_flight = Arc::new(Semaphore::new(window.max(1)));
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let sender = {
        let (shared, in_flight, sent_at) = (shared.clone(), in_flight.clone(), sent_at.clone());
        tokio::spawn(async move {
            loop {
                if shared.stop.load(Ordering::Relaxed) || Instant::now() >= shared.deadline {
                    break;
                }
                let n = shared.next.fetch_add(1, Ordering::Relaxed);
                if n >= shared.budget.calls {
                    break;
                }
                let Ok(permit) = in_flight.acquire().await else { break };
                permit.forget();
                let ticket = shared.source.next(shared.kind);
                let client_id = ticket.ticket_id.clone();
                if let Ok(mut sent) = sent_at.lock() {
                    sent.insert(client_id.clone(), Instant::now());
                }
                let item = proto::StreamTriageRequest { ticket: Some(ticket), client_id, dry_run: false };
                if tx.send(item).await.is_err() {
                    break;
                }
            }
        })
    };
    let mut responses =
        client.stream_triage(ReceiverStream::new(rx)).await.map_err(|e| format!("StreamTriage: {e}"))?;
    let (mut latencies, mut received) = (Latencies::new(), 0u64);
    loop {
        let message = match tokio::time::timeout(CALL_TIMEOUT, responses.message()).await {
            Err(_) => return Err(format!("no outcome for {} s", CALL_TIMEOUT.as_secs())),
            Ok(Err(status)) => return Err(format!("StreamTriage: {}: {}", status.code(), status.message())),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(message))) => message,
        };
        let outcome = message.outcome.ok_or("a stream answer without an outcome")?;
        if let Some(proto::triage_outcome::Outcome::Error(error)) = &outcome.outcome {
            shared.stop.store(true, Ordering::Relaxed);
            return Err(format!("stream item {} failed: {error:?}", outcome.client_id));
        }
        let sent = sent_at.lock().ok().and_then(|mut s| s.remove(&outcome.client_id));
        if let Some(sent) = sent {
            latencies.record(sent.elapsed());
        }
        received += 1;
        in_flight.add_permits(1);
    }
    sender.await.map_err(|e| format!("the stream's sender panicked: {e}"))?;
    Ok((latencies, received))
}
