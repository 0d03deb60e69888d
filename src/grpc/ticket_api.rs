//! `helpdesk.v1.TicketStoreService`: create, read, list, change and remove tickets; stats.

use chrono::Utc;
use tonic::{Request, Response, Status};

use super::{
    convert::{
        category_from_proto, from_timestamp, priority_from_proto, result_to_proto, status_from_proto,
        ticket_from_proto, ticket_to_proto,
    },
    request::{actor, non_empty, page_size, record_ticket},
    status::ApiError,
    update_mask::patch_from_mask,
};
use crate::{
    domain::{TicketDraft, validate_draft},
    intake::Intake,
    proto::{self, ticket_store_service_server::TicketStoreService},
    store::{PageRequest, StoreError, TicketFilter},
};

/// The TicketStoreService implementation.
pub struct TicketApi {
    intake: Intake,
}

impl TicketApi {
    /// The service over `intake`'s store.
    pub fn new(intake: Intake) -> Self {
        TicketApi { intake }
    }
}

fn ticket_id(id: &str) -> Result<String, ApiError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(ApiError::field("ticket_id", "is required"));
    }
    id.parse::<crate::domain::TicketId>().map_err(|e| ApiError::field("ticket_id", e.to_string()))?;
    record_ticket(id);
    Ok(id.to_owned())
}

fn list_filter(m: &proto::ListTicketsRequest) -> Result<TicketFilter, ApiError> {
    let mut errors = crate::domain::ValidationErrors::default();
    let mut filter = TicketFilter { queue: non_empty(m.queue.clone()), ..TicketFilter::default() };
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
    if errors.is_empty() { Ok(filter) } else { Err(ApiError::Invalid(errors)) }
}

#[tonic::async_trait]
impl TicketStoreService for TicketApi {
    async fn create_ticket(
        &self,
        request: Request<proto::CreateTicketRequest>,
    ) -> Result<Response<proto::CreateTicketResponse>, Status> {
        let actor = actor(&request);
        let ticket = request.into_inner().ticket.ok_or_else(|| ApiError::field("ticket", "is required"))?;
        let draft: TicketDraft = ticket_from_proto(ticket).map_err(|e| ApiError::Invalid(e.prefixed("ticket")))?;
        let ticket = validate_draft(draft, self.intake.limits(), Utc::now(), &mut rand::rng())
            .map_err(|e| ApiError::Invalid(e.prefixed("ticket")))?;
        record_ticket(ticket.ticket_id.as_str());
        let stored = self.intake.store().create_ticket(&ticket, &actor).await.map_err(ApiError::from)?;
        Ok(Response::new(proto::CreateTicketResponse { ticket: Some(ticket_to_proto(&stored)) }))
    }

    async fn get_ticket(
        &self,
        request: Request<proto::GetTicketRequest>,
    ) -> Result<Response<proto::GetTicketResponse>, Status> {
        let id = ticket_id(&request.into_inner().ticket_id)?;
        let found = self.intake.store().get_ticket(&id).await.map_err(ApiError::from)?;
        let (ticket, result) = found.ok_or_else(|| ApiError::from(StoreError::NotFound(format!("ticket {id}"))))?;
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
        let page = PageRequest { page_size: page_size(message.page_size)?, page_token: non_empty(message.page_token) };
        let page = self.intake.store().list_tickets(&filter, &page).await.map_err(ApiError::from)?;
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
        let ticket = message.ticket.ok_or_else(|| ApiError::field("ticket", "is required"))?;
        let id = ticket_id(&ticket.ticket_id)
            .map_err(|_| ApiError::field("ticket.ticket_id", "is required and must be a ticket id"))?;
        let patch = patch_from_mask(ticket, message.update_mask)?;
        let updated =
            self.intake.store().update_ticket(&id, &patch, self.intake.limits(), &actor, Utc::now()).await.map_err(
                |e| match e {
                    StoreError::Invalid(v) => ApiError::Invalid(v.prefixed("ticket")),
                    other => ApiError::from(other),
                },
            )?;
        Ok(Response::new(proto::UpdateTicketResponse { ticket: Some(ticket_to_proto(&updated)) }))
    }

    async fn delete_ticket(
        &self,
        request: Request<proto::DeleteTicketRequest>,
    ) -> Result<Response<proto::DeleteTicketResponse>, Status> {
        let actor = actor(&request);
        let id = ticket_id(&request.into_inner().ticket_id)?;
        self.intake.store().delete_ticket(&id, &actor, Utc::now()).await.map_err(ApiError::from)?;
        Ok(Response::new(proto::DeleteTicketResponse { ticket_id: id }))
    }

    async fn purge_tickets(
        &self,
        request: Request<proto::PurgeTicketsRequest>,
    ) -> Result<Response<proto::PurgeTicketsResponse>, Status> {
        let actor = actor(&request);
        let message = request.into_inner();
        let cutoff = message.created_before.as_ref().ok_or_else(|| ApiError::field("created_before", "is required"))?;
        let cutoff = from_timestamp(cutoff).map_err(|e| ApiError::field("created_before", e))?;
        let purged = self
            .intake
            .store()
            .purge_tickets(cutoff, message.dry_run, &actor, Utc::now())
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(proto::PurgeTicketsResponse { purged_count: purged }))
    }

    async fn get_stats(
        &self,
        _request: Request<proto::GetStatsRequest>,
    ) -> Result<Response<proto::GetStatsResponse>, Status> {
        let stats = self.intake.store().stats().await.map_err(ApiError::from)?;
        Ok(Response::new(proto::GetStatsResponse {
            total: stats.total,
            by_status: stats.by_status.into_iter().collect(),
            by_category: stats.by_category.into_iter().collect(),
            by_priority: stats.by_priority.into_iter().collect(),
            by_queue: stats.by_queue.into_iter().collect(),
        }))
    }
}
