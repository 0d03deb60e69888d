//! `helpdesk.v1.BatchTriageService`: many tickets in one call, or a bidirectional stream with one
//! outcome per item, bounded memory and no item able to fail the others.

use std::pin::Pin;

use chrono::Utc;
use tokio::sync::{mpsc, watch};
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::{Request, Response, Status, Streaming};

use super::{
    convert::{result_to_proto, ticket_from_proto},
    request::actor,
    status::ApiError,
};
use crate::{
    intake::{Intake, IntakeError, IntakeOptions},
    proto::{
        self, BatchTriageRequest, BatchTriageResponse, StreamTriageRequest, StreamTriageResponse, TriageOutcome,
        batch_triage_service_server::BatchTriageService, triage_outcome::Outcome,
    },
};

/// Most tickets in one BatchTriage call.
pub const MAX_BATCH: usize = 1_000;
/// Outcomes a stream may have computed but not yet sent; past this the service stops reading input,
/// and HTTP/2 flow control holds the client back.
pub const STREAM_BUFFER: usize = 32;

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

/// One item's outcome; `path` is the field path of the ticket (`tickets[3]` or `ticket`).
async fn triage_item(
    intake: &Intake,
    index: usize,
    client_id: String,
    ticket: Option<proto::Ticket>,
    path: &str,
    options: IntakeOptions<'_>,
) -> TriageOutcome {
    let given_id = ticket.as_ref().map(|t| t.ticket_id.clone()).unwrap_or_default();
    let outcome = async {
        let ticket = ticket.ok_or_else(|| ApiError::field(path, "is required"))?;
        let draft = ticket_from_proto(ticket).map_err(|e| ApiError::Invalid(e.prefixed(path)))?;
        intake.accept(draft, options, Utc::now()).await.map_err(|e| match e {
            IntakeError::Invalid(v) => ApiError::Invalid(v.prefixed(path)),
            other => ApiError::from(other),
        })
    }
    .await;
    let index = u32::try_from(index).unwrap_or(u32::MAX);
    match outcome {
        Ok(accepted) => TriageOutcome {
            index,
            client_id,
            ticket_id: accepted.ticket.ticket_id.to_string(),
            outcome: Some(Outcome::Result(result_to_proto(&accepted.result))),
        },
        Err(err) => {
            TriageOutcome { index, client_id, ticket_id: given_id, outcome: Some(Outcome::Error(err.to_item_error())) }
        }
    }
}

type OutcomeStream = Pin<Box<dyn Stream<Item = Result<StreamTriageResponse, Status>> + Send>>;

#[tonic::async_trait]
impl BatchTriageService for BatchApi {
    async fn batch_triage(
        &self,
        request: Request<BatchTriageRequest>,
    ) -> Result<Response<BatchTriageResponse>, Status> {
        let actor = actor(&request);
        let message = request.into_inner();
        if message.tickets.len() > MAX_BATCH {
            let msg = format!("at most {MAX_BATCH} tickets per call, got {}; use StreamTriage", message.tickets.len());
            return Err(ApiError::field("tickets", msg).into());
        }
        let options = IntakeOptions { dry_run: message.dry_run, request_id: None, actor: &actor };
        let mut outcomes = Vec::with_capacity(message.tickets.len());
        for (i, ticket) in message.tickets.into_iter().enumerate() {
            outcomes.push(
                triage_item(&self.intake, i, String::new(), Some(ticket), &format!("tickets[{i}]"), options).await,
            );
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
        let mut inbound = request.into_inner();
        let (tx, rx) = mpsc::channel::<Result<StreamTriageResponse, Status>>(STREAM_BUFFER);
        let intake = self.intake.clone();
        let mut stopping = self.stopping.clone();
        tokio::spawn(async move {
            let mut index = 0usize;
            loop {
                let item = tokio::select! {
                    item = inbound.next() => item,
                    _ = async { let _ = stopping.wait_for(|s| *s).await; } => {
                        let _ = tx.send(Err(Status::unavailable("the server is shutting down; resend the items not answered"))).await;
                        break;
                    }
                };
                let Some(item) = item else { break };
                let message = match item {
                    Ok(message) => message,
                    Err(status) => {
                        tracing::debug!(%status, index, "stream item could not be read");
                        let _ =
                            tx.send(Err(Status::invalid_argument(format!("item {index} could not be decoded")))).await;
                        break;
                    }
                };
                let options = IntakeOptions { dry_run: message.dry_run, request_id: None, actor: &actor };
                let outcome = triage_item(&intake, index, message.client_id, message.ticket, "ticket", options).await;
                if tx.send(Ok(StreamTriageResponse { outcome: Some(outcome) })).await.is_err() {
                    break; // the client went away
                }
                index += 1;
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
