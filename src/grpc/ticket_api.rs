//! `helpdesk.v1.TicketStoreService`: create, read, list, change and remove tickets; stats. Each
//! method converts its message, calls the service layer and converts the answer.

use chrono::Utc;
use tonic::{Request, Response, Status};

use super::{
    convert::{
        category_from_proto, from_timestamp, priority_from_proto, result_to_proto, status_from_proto,
        ticket_from_proto, ticket_to_proto,
    },
    request::{actor, filter_text, page, record_ticket, required_time},
    status::{bad_field, to_status},
    update_mask::patch_from_mask,
};
use crate::{
    domain::{TicketId, ValidationErrors, is_valid_email},
    proto::{self, ticket_store_service_server::TicketStoreService},
    service::{ServiceError, Services, parse_ticket_id},
    store::TicketFilter,
};

/// The TicketStoreService implementation.
pub struct TicketApi {
    services: Services,
}

impl TicketApi {
    /// The service over `services`.
    pub fn new(services: Services) -> Self {
        TicketApi { services }
    }
}

/// The ticket id a call names, recorded in the call's span.
fn ticket_id(raw: &str) -> Result<TicketId, Status> {
    let id = parse_ticket_id(raw).map_err(to_status)?;
    record_ticket(id.as_str());
    Ok(id)
}

/// The filters of a ListTickets request, every bad one named at once. Public for the fuzz targets
/// (`fuzz/`), which run decoded requests through it.
pub fn list_filter(m: &proto::ListTicketsRequest) -> Result<TicketFilter, Status> {
    let mut errors = ValidationErrors::default();
    let mut filter = TicketFilter { queue: filter_text("queue", m.queue.clone())?, ..TicketFilter::default() };
    match status_from_proto(m.status) {
        Ok(s) => filter.status = s,
        Err(e) => errors.push("status", e),
    }
    match category_from_proto(m.category) {
        Ok(c) => filter.category = c,
        Err(e) => errors.push("category", e),
    }
    match priority_from_proto(m.priority) {
        Ok(p) => filter.priority = p,
        Err(e) => errors.push("priority", e),
    }
    for (field, ts, slot) in [
        ("created_after", &m.created_after, &mut filter.created_after),
        ("created_before", &m.created_before, &mut filter.created_before),
    ] {
        match ts.as_ref().map(from_timestamp) {
            Some(Ok(at)) => *slot = Some(at),
            Some(Err(e)) => errors.push(field, e),
            None => {}
        }
    }
    let requester = m.requester_email.trim();
    if !requester.is_empty() {
        if is_valid_email(requester) {
            filter.requester_email = Some(requester.to_owned());
        } else {
            errors.push("requester_email", "is not a valid e-mail address");
        }
    }
    if errors.is_empty() { Ok(filter) } else { Err(to_status(ServiceError::Invalid(errors))) }
}

#[tonic::async_trait]
impl TicketStoreService for TicketApi {
    async fn create_ticket(
        &self,
        request: Request<proto::CreateTicketRequest>,
    ) -> Result<Response<proto::CreateTicketResponse>, Status> {
        let actor = actor(&request);
        let ticket = request.into_inner().ticket.ok_or_else(|| bad_field("ticket", "is required"))?;
        let draft = ticket_from_proto(ticket).map_err(|e| to_status(ServiceError::Invalid(e.prefixed("ticket"))))?;
        let stored = self
            .services
            .tickets
            .create(draft, &actor, Utc::now())
            .await
            .map_err(|e| to_status(e.in_field("ticket")))?;
        record_ticket(stored.ticket_id.as_str());
        Ok(Response::new(proto::CreateTicketResponse { ticket: Some(ticket_to_proto(&stored)) }))
    }

    async fn get_ticket(
        &self,
        request: Request<proto::GetTicketRequest>,
    ) -> Result<Response<proto::GetTicketResponse>, Status> {
        let id = ticket_id(&request.into_inner().ticket_id)?;
        let (ticket, result) = self.services.tickets.get(&id).await.map_err(to_status)?;
        Ok(Response::new(proto::GetTicketResponse {
            ticket: Some(ticket_to_proto(&ticket)),
            latest_result: result.as_ref().map(result_to_proto),
        }))
    }

    async fn list_tickets(
        &self,
        request: Request<proto::ListTicketsRequest>,
    ) -> Result<Response<proto::ListTicketsResponse>, Status> {
        let message = request.into_inner();
        let filter = list_filter(&message)?;
        let page = page(message.page_size, message.page_token)?;
        let page = self.services.tickets.list(&filter, &page).await.map_err(to_status)?;
        Ok(Response::new(proto::ListTicketsResponse {
            tickets: page.items.iter().map(ticket_to_proto).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }

    async fn update_ticket(
        &self,
        request: Request<proto::UpdateTicketRequest>,
    ) -> Result<Response<proto::UpdateTicketResponse>, Status> {
        let actor = actor(&request);
        let message = request.into_inner();
        let ticket = message.ticket.ok_or_else(|| bad_field("ticket", "is required"))?;
        let id = ticket_id(&ticket.ticket_id)
            .map_err(|_| bad_field("ticket.ticket_id", "is required and must be a ticket id"))?;
        let patch = patch_from_mask(ticket, message.update_mask).map_err(to_status)?;
        let updated = self
            .services
            .tickets
            .update(&id, &patch, &actor, Utc::now())
            .await
            .map_err(|e| to_status(e.in_field("ticket")))?;
        Ok(Response::new(proto::UpdateTicketResponse { ticket: Some(ticket_to_proto(&updated)) }))
    }

    async fn delete_ticket(
        &self,
        request: Request<proto::DeleteTicketRequest>,
    ) -> Result<Response<proto::DeleteTicketResponse>, Status> {
        let actor = actor(&request);
        let id = ticket_id(&request.into_inner().ticket_id)?;
        self.services.tickets.delete(&id, &actor, Utc::now()).await.map_err(to_status)?;
        Ok(Response::new(proto::DeleteTicketResponse { ticket_id: id.to_string() }))
    }

    async fn purge_tickets(
        &self,
        request: Request<proto::PurgeTicketsRequest>,
    ) -> Result<Response<proto::PurgeTicketsResponse>, Status> {
        let actor = actor(&request);
        let message = request.into_inner();
        let cutoff = required_time("created_before", message.created_before)?;
        let purged =
            self.services.tickets.purge(cutoff, message.dry_run, &actor, Utc::now()).await.map_err(to_status)?;
        Ok(Response::new(proto::PurgeTicketsResponse { purged_count: purged }))
    }

    async fn get_stats(
        &self,
        _request: Request<proto::GetStatsRequest>,
    ) -> Result<Response<proto::GetStatsResponse>, Status> {
        let stats = self.services.tickets.stats().await.map_err(to_status)?;
        Ok(Response::new(proto::GetStatsResponse {
            total: stats.total,
            by_status: stats.by_status.into_iter().collect(),
            by_category: stats.by_category.into_iter().collect(),
            by_priority: stats.by_priority.into_iter().collect(),
            by_queue: stats.by_queue.into_iter().collect(),
        }))
    }
}
