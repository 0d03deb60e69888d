//! `helpdesk.v1.BatchTriageService`: many tickets in one call, or a bidirectional stream with one
//! outcome per item, bounded memory and no item able to fail the others. Items that arrive together
//! are stored in one transaction.

use std::{pin::Pin, time::Duration};

use chrono::Utc;
use prost::Message;
use tokio::sync::{mpsc, watch};
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::{Request, Response, Status, Streaming};

use super::{
    codec_errors::caller_status,
    convert::{result_to_proto, ticket_from_proto},
    request::actor,
    status::{bad_field, item_error},
};
use crate::{
    domain::{Actor, over_limit},
    metrics::record::StreamItems,
    proto::{
        self, BatchTriageRequest, BatchTriageResponse, StreamTriageRequest, StreamTriageResponse, TriageOutcome,
        batch_triage_service_server::BatchTriageService, triage_outcome::Outcome,
    },
    service::{Accepted, BatchItem, Intake, ServiceError},
};

/// Most tickets in one BatchTriage call.
pub const MAX_BATCH: usize = 1_000;
/// Most items stored in one transaction.
pub const CHUNK: usize = 100;
/// Outcomes a stream may have computed but not yet sent; past this the service stops reading input,
/// and HTTP/2 flow control holds the client back.
pub const STREAM_BUFFER: usize = 32;
/// Most stream items taken together when several have already arrived.
pub const STREAM_CHUNK: usize = 64;
/// Most bytes of stream items (as encoded) taken together: with [`STREAM_CHUNK`] and
/// [`STREAM_BUFFER`], what one stream holds in memory whatever the client sends.
pub const STREAM_CHUNK_BYTES: usize = 1024 * 1024;

/// The BatchTriageService implementation.
pub struct BatchApi {
    intake: Intake,
    stopping: watch::Receiver<bool>,
}

impl BatchApi {
    /// The service over `intake`; streams end when `stopping` turns true.
    pub fn new(intake: Intake, stopping: watch::Receiver<bool>) -> Self {
        BatchApi { intake, stopping }
    }
}

/// One received item: its position, the caller's id, the ticket and whether to store it.
struct Item {
    index: usize,
    client_id: String,
    ticket: Option<proto::Ticket>,
    dry_run: bool,
}

fn outcome(
    item_index: usize,
    client_id: String,
    ticket_id: String,
    result: Result<Accepted, ServiceError>,
) -> TriageOutcome {
    let index = u32::try_from(item_index).unwrap_or(u32::MAX);
    match result {
        Ok(accepted) => TriageOutcome {
            index,
            client_id,
            ticket_id: accepted.ticket.ticket_id.to_string(),
            outcome: Some(Outcome::Result(result_to_proto(&accepted.result))),
        },
        Err(err) => TriageOutcome { index, client_id, ticket_id, outcome: Some(Outcome::Error(item_error(&err))) },
    }
}

/// Triages `items` (stored together where possible); `path` names an item's ticket in field paths.
async fn triage_items(
    intake: &Intake,
    items: Vec<Item>,
    actor: &Actor,
    path: impl Fn(usize) -> String,
) -> Vec<TriageOutcome> {
    let mut outcomes: Vec<Option<TriageOutcome>> = Vec::with_capacity(items.len());
    let mut pending: Vec<(usize, usize, String, String)> = Vec::new(); // (slot, index, client id, given id)
    let mut batch = Vec::new();
    for item in items {
        let given_id = item.ticket.as_ref().map(|t| t.ticket_id.clone()).unwrap_or_default();
        let draft = item
            .ticket
            .ok_or_else(|| ServiceError::field(&path(item.index), "is required"))
            .and_then(|t| ticket_from_proto(t).map_err(|e| ServiceError::Invalid(e.prefixed(&path(item.index)))));
        match draft {
            Ok(draft) => {
                pending.push((outcomes.len(), item.index, item.client_id, given_id));
                batch.push(BatchItem { draft, dry_run: item.dry_run });
                outcomes.push(None);
            }
            Err(err) => outcomes.push(Some(outcome(item.index, item.client_id, given_id, Err(err)))),
        }
    }
    let results = intake.accept_many(batch, actor, Utc::now()).await;
    for ((slot, index, client_id, given_id), result) in pending.into_iter().zip(results) {
        let result = result.map_err(|e| e.in_field(&path(index)));
        outcomes[slot] = Some(outcome(index, client_id, given_id, result));
    }
    outcomes.into_iter().flatten().collect()
}

type OutcomeStream = Pin<Box<dyn Stream<Item = Result<StreamTriageResponse, Status>> + Send>>;

/// Reads the stream, answering items in order, until the client closes it, leaves, or the server stops.
async fn serve_stream(
    intake: Intake,
    actor: Actor,
    mut inbound: Streaming<StreamTriageRequest>,
    mut stopping: watch::Receiver<bool>,
    tx: mpsc::Sender<Result<StreamTriageResponse, Status>>,
) {
    let mut next_index = 0usize;
    let mut ended = false;
    let mut in_flight = StreamItems::default();
    let mut unreadable = None;
    while !ended {
        let first = tokio::select! {
            item = inbound.next() => item,
            _ = async { let _ = stopping.wait_for(|s| *s).await; } => {
                let _ = tx.send(Err(Status::unavailable("the server is shutting down; resend the items not answered"))).await;
                return;
            }
        };
        let mut received = Vec::new();
        let mut received_bytes = 0usize;
        let mut next = first;
        loop {
            match next {
                None => {
                    ended = true;
                    break;
                }
                Some(Err(status)) => {
                    tracing::debug!(%status, index = next_index, "stream item could not be read");
                    // Sent once the items before it are answered.
                    unreadable = Some(match caller_status(&status) {
                        Some(status) => Status::new(status.code(), format!("item {next_index}: {}", status.message())),
                        None => Status::invalid_argument(format!("item {next_index} could not be read")),
                    });
                    ended = true;
                    break;
                }
                Some(Ok(message)) => {
                    received_bytes += message.encoded_len();
                    received.push(Item {
                        index: next_index,
                        client_id: message.client_id,
                        ticket: message.ticket,
                        dry_run: message.dry_run,
                    });
                    next_index += 1;
                }
            }
            if received.len() >= STREAM_CHUNK || received_bytes >= STREAM_CHUNK_BYTES {
                break;
            }
            // Take what has already arrived, without waiting for more.
            match tokio::time::timeout(Duration::ZERO, inbound.next()).await {
                Ok(item) => next = item,
                Err(_) => break,
            }
        }
        in_flight.received(received.len());
        for outcome in triage_items(&intake, received, &actor, |_| "ticket".to_owned()).await {
            if tx.send(Ok(StreamTriageResponse { outcome: Some(outcome) })).await.is_err() {
                return; // the client went away
            }
            in_flight.answered();
        }
    }
    if let Some(status) = unreadable {
        let _ = tx.send(Err(status)).await;
    }
}

#[tonic::async_trait]
impl BatchTriageService for BatchApi {
    async fn batch_triage(
        &self,
        request: Request<BatchTriageRequest>,
    ) -> Result<Response<BatchTriageResponse>, Status> {
        let actor = actor(&request);
        let message = request.into_inner();
        if message.tickets.len() > MAX_BATCH {
            let got = message.tickets.len();
            let msg = over_limit(got, "tickets", MAX_BATCH, "one BatchTriage call; StreamTriage takes any number");
            return Err(bad_field("tickets", msg));
        }
        let dry_run = message.dry_run;
        let mut items: Vec<Item> = message
            .tickets
            .into_iter()
            .enumerate()
            .map(|(index, ticket)| Item { index, client_id: String::new(), ticket: Some(ticket), dry_run })
            .collect();
        let mut outcomes = Vec::with_capacity(items.len());
        while !items.is_empty() {
            let rest = items.split_off(items.len().min(CHUNK));
            outcomes.extend(triage_items(&self.intake, items, &actor, |i| format!("tickets[{i}]")).await);
            items = rest;
        }
        let failed = outcomes.iter().filter(|o| matches!(o.outcome, Some(Outcome::Error(_)))).count() as u32;
        let succeeded = outcomes.len() as u32 - failed;
        Ok(Response::new(BatchTriageResponse { outcomes, succeeded, failed }))
    }

    type StreamTriageStream = OutcomeStream;

    async fn stream_triage(
        &self,
        request: Request<Streaming<StreamTriageRequest>>,
    ) -> Result<Response<Self::StreamTriageStream>, Status> {
        let actor = actor(&request);
        let inbound = request.into_inner();
        let (tx, rx) = mpsc::channel::<Result<StreamTriageResponse, Status>>(STREAM_BUFFER);
        tokio::spawn(serve_stream(self.intake.clone(), actor, inbound, self.stopping.clone(), tx));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
