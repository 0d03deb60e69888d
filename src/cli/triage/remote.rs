//! `helpdesk triage --server URL`: the records go to a running server through the StreamTriage RPC,
//! and the outcomes are written in input order whatever order they come back in. The server's audit
//! log names the principal of the token (or client certificate) as the actor.

use std::{
    collections::BTreeMap,
    io::{self, Write},
    time::Duration,
};

use helpdesk_client::{BearerToken, Transport, connect_with, target_url};
use tokio_stream::StreamExt;
use tonic::Request;

use super::{
    proto_result::result_from_proto,
    record::Record,
    report::{Outcome, Report},
};
use crate::{
    cli::{CliError, connection::ConnectionArgs},
    domain::{FieldViolation, TicketLimits, validate_draft},
    grpc::convert::draft_to_proto,
    proto::{
        StreamTriageRequest, TriageOutcome, batch_triage_service_client::BatchTriageServiceClient,
        triage_outcome::Outcome as Answer,
    },
};

/// How long connecting to the server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to a server's BatchTriageService.
pub struct RemoteTriage {
    client: BatchTriageServiceClient<Transport>,
    url: String,
}

/// Where a record stands: refused here already, or sent and waiting for its answer.
enum Slot {
    Refused(Outcome),
    Sent { line: usize, given_id: Option<String> },
}

impl RemoteTriage {
    /// Connects to the server at `url` (such as `http://127.0.0.1:50051`; `http://` is assumed when
    /// no scheme is given) with the token and TLS of `connection`.
    pub async fn connect(url: &str, connection: &ConnectionArgs) -> Result<Self, CliError> {
        let options = connection.options(CONNECT_TIMEOUT)?;
        let token = BearerToken::new(options.token.as_deref()).map_err(CliError::Setup)?;
        let channel = connect_with(url, &options).await.map_err(|e| CliError::Setup(e.to_string()))?;
        let client = BatchTriageServiceClient::new(Transport::new(channel, token));
        Ok(RemoteTriage { client, url: target_url(url) })
    }

    /// Sends every readable record, writes every outcome in record order. Records that could not be
    /// read are refused here (with the validation errors too, checked against `limits`) and not sent.
    pub async fn run<W: Write>(
        mut self,
        records: Vec<Record>,
        store: bool,
        limits: &TicketLimits,
        report: &mut Report<W>,
    ) -> io::Result<()> {
        let mut slots: Vec<Option<Slot>> = Vec::with_capacity(records.len());
        let mut to_send = Vec::new();
        let mut sent = Vec::new();
        for record in records {
            let given_id = record.given_ticket_id();
            match record.draft {
                Some(draft) if record.problems.is_empty() => {
                    slots.push(Some(Slot::Sent { line: record.line, given_id }));
                    to_send.push((record.number, draft));
                    sent.push(record.number);
                }
                draft => {
                    let mut errors = record.problems;
                    if let Some(Err(invalid)) =
                        draft.map(|d| validate_draft(d, limits, chrono::Utc::now(), &mut rand::rng()))
                    {
                        errors.extend(invalid.violations);
                    }
                    slots.push(Some(Slot::Refused(Outcome::failed(record.number, record.line, given_id, errors))));
                }
            }
        }
        let dry_run = !store;
        let requests = tokio_stream::iter(to_send.into_iter().map(move |(number, draft)| StreamTriageRequest {
            ticket: Some(draft_to_proto(&draft)),
            client_id: number.to_string(),
            dry_run,
        }));
        let mut answers: BTreeMap<usize, Outcome> = BTreeMap::new();
        let mut next = 0;
        let request = Request::new(requests);
        let ended = match self.client.stream_triage(request).await {
            Err(status) => Some(format!("the server refused the stream: {:?}: {}", status.code(), status.message())),
            Ok(response) => {
                let mut inbound = response.into_inner();
                loop {
                    match inbound.next().await {
                        None => break None,
                        Some(Err(status)) => {
                            break Some(format!(
                                "the server ended the stream: {:?}: {}",
                                status.code(),
                                status.message()
                            ));
                        }
                        Some(Ok(message)) => {
                            if let Some(outcome) = message.outcome {
                                let (number, outcome) = answer(outcome, &slots, &sent);
                                answers.insert(number, outcome);
                            }
                            flush(&mut slots, &mut next, &mut answers, report)?;
                        }
                    }
                }
            }
        };
        if let Some(reason) = &ended {
            eprintln!("helpdesk: {}: {reason}", self.url);
        }
        let reason = ended.unwrap_or_else(|| "the server sent no answer for this record".into());
        for (number, slot) in slots.iter_mut().enumerate().skip(next) {
            if let Some(Slot::Sent { line, given_id }) = slot.take_if(|s| matches!(s, Slot::Sent { .. })) {
                let error = FieldViolation { field: "server".into(), description: reason.clone() };
                answers.entry(number + 1).or_insert_with(|| Outcome::failed(number + 1, line, given_id, vec![error]));
            }
        }
        flush(&mut slots, &mut next, &mut answers, report)
    }
}

/// The record number an answer belongs to (its client id, else the `index`-th record sent) and
/// its outcome.
fn answer(outcome: TriageOutcome, slots: &[Option<Slot>], sent: &[usize]) -> (usize, Outcome) {
    let by_client_id = outcome.client_id.parse::<usize>().ok().filter(|n| sent.binary_search(n).is_ok());
    let number = by_client_id.or_else(|| sent.get(outcome.index as usize).copied()).unwrap_or(0);
    let (line, given_id) = match slots.get(number.wrapping_sub(1)) {
        Some(Some(Slot::Sent { line, given_id })) => (*line, given_id.clone()),
        _ => (0, None),
    };
    let ticket_id = Some(outcome.ticket_id).filter(|id| !id.is_empty()).or(given_id);
    let decided = match outcome.outcome {
        Some(Answer::Result(result)) => result_from_proto(result).map(|r| Outcome::triaged(number, line, r)),
        Some(Answer::Error(error)) => {
            let mut errors: Vec<FieldViolation> = error
                .field_violations
                .into_iter()
                .map(|v| FieldViolation { field: local_path(v.field), description: v.description })
                .collect();
            if errors.is_empty() {
                errors.push(FieldViolation { field: "server".into(), description: error.message });
            }
            Ok(Outcome::failed(number, line, ticket_id.clone(), errors))
        }
        None => Err(FieldViolation { field: "server".into(), description: "the answer carries no outcome".into() }),
    };
    (number, decided.unwrap_or_else(|error| Outcome::failed(number, line, ticket_id, vec![error])))
}

/// The server names fields inside its `ticket` message (`ticket.title`); the output names them bare.
fn local_path(field: String) -> String {
    field.strip_prefix("ticket.").map(str::to_owned).unwrap_or(field)
}

/// Writes every outcome that is next in record order and known.
fn flush<W: Write>(
    slots: &mut [Option<Slot>],
    next: &mut usize,
    answers: &mut BTreeMap<usize, Outcome>,
    report: &mut Report<W>,
) -> io::Result<()> {
    while let Some(slot) = slots.get_mut(*next) {
        let outcome = match slot {
            Some(Slot::Refused(_)) => match slot.take() {
                Some(Slot::Refused(outcome)) => outcome,
                _ => break,
            },
            _ => match answers.remove(&(*next + 1)) {
                Some(outcome) => {
                    *slot = None;
                    outcome
                }
                None => break,
            },
        };
        report.add(&outcome)?;
        *next += 1;
    }
    Ok(())
}
