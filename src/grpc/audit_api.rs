//! `helpdesk.v1.AuditService`: list, watch, export, purge and verify the audit log. Each method
//! converts its message, calls the service layer and converts the answer.

use std::pin::Pin;

use chrono::Utc;
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

use super::{
    convert::{audit_to_proto, signature_to_proto},
    request::{actor, filter_text, page, required_time, time},
    status::to_status,
};
use crate::{
    domain::AuditEntry,
    proto::{self, audit_service_server::AuditService},
    service::{EntryReceiver, ExportItem, ExportReceiver, ServiceError, Services, WatchFilter},
    store::AuditFilter,
};

/// The AuditService implementation.
pub struct AuditApi {
    services: Services,
}

impl AuditApi {
    /// The service over `services`.
    pub fn new(services: Services) -> Self {
        AuditApi { services }
    }
}

type EntryStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// The entries of a watch as the messages of a response stream.
fn entries<T: Send + 'static>(receiver: EntryReceiver, message: fn(proto::AuditEntry) -> T) -> EntryStream<T> {
    let convert =
        move |item: Result<AuditEntry, ServiceError>| item.map(|e| message(audit_to_proto(&e))).map_err(to_status);
    Box::pin(ReceiverStream::new(receiver).map(convert))
}

/// The items of an export as the messages of a response stream: an entry or a signature each.
fn export_items(receiver: ExportReceiver) -> EntryStream<proto::ExportAuditEntriesResponse> {
    let convert = |item: Result<ExportItem, ServiceError>| {
        item.map(|item| match item {
            ExportItem::Entry(e) => {
                proto::ExportAuditEntriesResponse { entry: Some(audit_to_proto(&e)), signature: None }
            }
            ExportItem::Signature(s) => {
                proto::ExportAuditEntriesResponse { entry: None, signature: Some(signature_to_proto(&s)) }
            }
        })
        .map_err(to_status)
    };
    Box::pin(ReceiverStream::new(receiver).map(convert))
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn list_audit_entries(
        &self,
        request: Request<proto::ListAuditEntriesRequest>,
    ) -> Result<Response<proto::ListAuditEntriesResponse>, Status> {
        let m = request.into_inner();
        let filter = AuditFilter {
            ticket_id: filter_text("ticket_id", m.ticket_id)?,
            action: filter_text("action", m.action)?,
            actor: filter_text("actor", m.actor)?,
            start_time: time("start_time", m.start_time)?,
            end_time: time("end_time", m.end_time)?,
        };
        let page = page(m.page_size, m.page_token)?;
        let page = self.services.audit.list(&filter, &page).await.map_err(to_status)?;
        Ok(Response::new(proto::ListAuditEntriesResponse {
            entries: page.items.iter().map(audit_to_proto).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }

    type WatchAuditEntriesStream = EntryStream<proto::WatchAuditEntriesResponse>;

    async fn watch_audit_entries(
        &self,
        request: Request<proto::WatchAuditEntriesRequest>,
    ) -> Result<Response<Self::WatchAuditEntriesStream>, Status> {
        let m = request.into_inner();
        let filter = WatchFilter {
            ticket_id: filter_text("ticket_id", m.ticket_id)?,
            action: filter_text("action", m.action)?,
            after_sequence: m.after_sequence,
        };
        // The starting point is read before the call is answered: whatever is committed after the
        // caller sees the answer's headers is delivered.
        let receiver = self.services.audit.watch(filter).await.map_err(to_status)?;
        Ok(Response::new(entries(receiver, |entry| proto::WatchAuditEntriesResponse { entry: Some(entry) })))
    }

    type ExportAuditEntriesStream = EntryStream<proto::ExportAuditEntriesResponse>;

    async fn export_audit_entries(
        &self,
        request: Request<proto::ExportAuditEntriesRequest>,
    ) -> Result<Response<Self::ExportAuditEntriesStream>, Status> {
        let actor = actor(&request);
        let before = time("before", request.into_inner().before)?;
        let receiver = self.services.audit.export(before, actor);
        Ok(Response::new(export_items(receiver)))
    }

    async fn purge_audit_entries(
        &self,
        request: Request<proto::PurgeAuditEntriesRequest>,
    ) -> Result<Response<proto::PurgeAuditEntriesResponse>, Status> {
        let actor = actor(&request);
        let m = request.into_inner();
        let before = required_time("before", m.before)?;
        let purged = self.services.audit.purge(before, m.force, &actor, Utc::now()).await.map_err(to_status)?;
        Ok(Response::new(proto::PurgeAuditEntriesResponse { purged_count: purged }))
    }

    async fn verify_audit_chain(
        &self,
        request: Request<proto::VerifyAuditChainRequest>,
    ) -> Result<Response<proto::VerifyAuditChainResponse>, Status> {
        let actor = actor(&request);
        let strict = request.into_inner().strict;
        let report = self.services.audit.verify(strict, &actor, Utc::now()).await.map_err(to_status)?;
        Ok(Response::new(proto::VerifyAuditChainResponse {
            valid: report.valid,
            entries_checked: report.entries_checked,
            first_broken_sequence: report.first_broken_sequence.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
            reason: report.reason.unwrap_or_default(),
            signatures_required: report.signatures_required,
            signatures_checked: report.signatures_checked,
            unsigned_entries: report.unsigned_entries,
        }))
    }
}
