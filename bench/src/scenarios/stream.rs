//! StreamTriage stored: streams (each over a connection of its own) that keep up to `window` tickets
//! in flight; an item's latency runs from sending it to receiving its outcome.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use helpdesk_client::{HelpdeskClient, proto};
use tokio::sync::{Semaphore, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::{
    latency::Latencies,
    load::{self, Budget, CALL_TIMEOUT, Measurement, Pace, Shape, WorkerResult},
    tickets::TicketSource,
    watch::{Watch, Watched},
};

/// The id letter of StreamTriage tickets (the physical anchor reads their rows back).
pub const KIND: char = 'S';

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
    let pace = Arc::new(Pace::new(budget));
    let streams = clients
        .into_iter()
        .map(|client| tokio::spawn(one_stream(client, source.clone(), kind, pace.clone(), shape.streams)))
        .collect();
    load::gather(shape, started, watching, streams).await
}

async fn one_stream(
    mut client: HelpdeskClient,
    source: Arc<TicketSource>,
    kind: char,
    pace: Arc<Pace>,
    window: usize,
) -> WorkerResult {
    let (tx, rx) = mpsc::channel::<proto::StreamTriageRequest>(window.max(1));
    let in_flight = Arc::new(Semaphore::new(window.max(1)));
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let sender = {
        let (pace, in_flight, sent_at) = (pace.clone(), in_flight.clone(), sent_at.clone());
        tokio::spawn(async move {
            while pace.take().is_some() {
                let Ok(permit) = in_flight.acquire().await else { break };
                permit.forget();
                let ticket = source.next(kind);
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
            pace.stop();
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
    Ok((latencies, received, received))
}
