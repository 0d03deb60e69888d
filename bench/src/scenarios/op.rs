//! One call of each kind the load generator makes, and what counts as its success.

use std::sync::Arc;

use helpdesk_client::{HelpdeskClient, ServingStatus, TriageOptions, proto};

use crate::tickets::TicketSource;

/// What one call of a measurement does.
#[derive(Debug, Clone)]
pub enum Op {
    /// `grpc.health.v1.Health/Check` of the whole server.
    Health,
    /// TriageTicket of a fresh ticket, stored unless a dry run.
    Triage {
        /// The tickets.
        source: Arc<TicketSource>,
        /// The id letter of the scenario.
        kind: char,
        /// Decide without storing.
        dry_run: bool,
    },
    /// TriageTicket, stored, of the same text every time.
    SameText {
        /// The tickets.
        source: Arc<TicketSource>,
        /// The id letter.
        kind: char,
    },
    /// BatchTriage of `size` fresh tickets, stored.
    Batch {
        /// The tickets.
        source: Arc<TicketSource>,
        /// The id letter.
        kind: char,
        /// Tickets a call.
        size: usize,
    },
    /// GetTicket of stored tickets in turn.
    Get(Arc<Vec<String>>),
    /// One page of ListTickets.
    List(proto::ListTicketsRequest),
    /// GetStats.
    Stats,
    /// The soak's mix: half stored triages, a quarter GetTicket, a quarter ListTickets' first page.
    Mixed {
        /// The tickets.
        source: Arc<TicketSource>,
        /// Stored ids to read.
        ids: Arc<Vec<String>>,
    },
}

impl Op {
    /// Makes call `n`; the tickets it carried, or why it failed.
    pub async fn call(&self, client: &mut HelpdeskClient, n: u64) -> Result<u64, String> {
        match self {
            Op::Health => match client.health("").await.map_err(|e| e.to_string())? {
                ServingStatus::Serving => Ok(1),
                other => Err(format!("health answered {other:?}")),
            },
            Op::Triage { source, kind, dry_run } => triage(client, source.next(*kind), *dry_run).await,
            Op::SameText { source, kind } => triage(client, source.same_text(*kind), false).await,
            Op::Batch { source, kind, size } => {
                let tickets = (0..*size).map(|_| source.next(*kind)).collect();
                let answer = client.batch_triage(tickets, false).await.map_err(|e| e.to_string())?;
                if answer.failed > 0 {
                    let first = answer.outcomes.iter().find_map(|o| match &o.outcome {
                        Some(proto::triage_outcome::Outcome::Error(e)) => Some(format!("{e:?}")),
                        _ => None,
                    });
                    return Err(format!(
                        "{} of {} items failed, the first: {}",
                        answer.failed,
                        size,
                        first.unwrap_or_default()
                    ));
                }
                Ok(u64::from(answer.succeeded))
            }
            Op::Get(ids) => get(client, ids, n).await,
            Op::List(request) => list(client, request.clone()).await,
            Op::Stats => {
                client.stats().await.map_err(|e| e.to_string())?;
                Ok(1)
            }
            Op::Mixed { source, ids } => match n % 4 {
                0 | 2 => triage(client, source.next('M'), false).await,
                1 => get(client, ids, n / 4).await,
                _ => list(client, proto::ListTicketsRequest { page_size: 50, ..Default::default() }).await,
            },
        }
    }
}

async fn triage(client: &mut HelpdeskClient, ticket: proto::Ticket, dry_run: bool) -> Result<u64, String> {
    let answer = client.triage(ticket, TriageOptions { dry_run, request_id: None }).await.map_err(|e| e.to_string())?;
    if answer.result.is_none() {
        return Err("TriageTicket answered without a result".to_owned());
    }
    Ok(1)
}

async fn get(client: &mut HelpdeskClient, ids: &[String], n: u64) -> Result<u64, String> {
    if ids.is_empty() {
        return Err("no stored ticket to read".to_owned());
    }
    // A stride through the ids, so consecutive calls read tickets far apart.
    let id = &ids[((n.wrapping_mul(7919)) % ids.len() as u64) as usize];
    let answer = client.get_ticket(id).await.map_err(|e| format!("GetTicket {id}: {e}"))?;
    if answer.ticket.is_none() {
        return Err(format!("GetTicket {id} answered without the ticket"));
    }
    Ok(1)
}

async fn list(client: &mut HelpdeskClient, request: proto::ListTicketsRequest) -> Result<u64, String> {
    client.ticket_service.list_tickets(request).await.map_err(|e| helpdesk_client::ClientError::from(e).to_string())?;
    Ok(1)
}
