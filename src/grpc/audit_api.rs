//! `helpdesk.v1.AuditService`: list, watch, export, purge and verify the audit log.

use std::{pin::Pin, time::Duration};

use chrono::Utc;
use tokio::sync::{mpsc, watch};
use tokio_stream::{Stream, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

use super::{
    convert::{audit_to_proto, from_timestamp},
    request::{actor, non_empty, page_size},
    status::ApiError,
};
use crate::{
    domain::AuditEntry,
    proto::{self, audit_service_server::AuditService},
    store::{AuditFilter, PageRequest, Store},
};

/// Entries read from the store at a time by Watch and Export.
const BATCH: u64 = 500;
/// How often Watch looks for entries written by other instances when nothing woke it.
const WATCH_POLL: Duration = Duration::from_millis(500);

/// The AuditService implementation.
pub struct AuditApi {
    store: Store,
    stopping: watch::Receiver<bool>,
}

impl AuditApi {
    /// The service over `store`; streams end when `stopping` turns true.
    pub fn new(store: Store, stopping: watch::Receiver<bool>) -> Self {
        AuditApi { store, stopping }
    }
}

fn time(field: &str, ts: &Option<prost_types::Timestamp>) -> Result<Option<chrono::DateTime<Utc>>, ApiError> {
    ts.as_ref().map(from_timestamp).transpose().map_err(|e| ApiError::field(field, e))
}

type EntryStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Sends new entries matching the filter until the client leaves or the server stops.
async fn watch_loop(
    store: Store,
    filter: (Option<String>, Option<String>),
    mut stopping: watch::Receiver<bool>,
    tx: mpsc::Sender<Result<proto::WatchAuditEntriesResponse, Status>>,
) {
    let mut wake = store.subscribe_audit();
    let mut last = match store.last_audit_sequence().await {
        Ok(seq) => seq,
        Err(e) => {
            let _ = tx.send(Err(ApiError::from(e).into())).await;
            return;
        }
    };
    loop {
        let entries = match store.audit_after(last, BATCH).await {
            Ok(entries) => entries,
            Err(e) => {
                let _ = tx.send(Err(ApiError::from(e).into())).await;
                return;
            }
        };
        for entry in &entries {
            last = last.max(entry.sequence);
            let wanted = filter.0.as_ref().is_none_or(|t| entry.record.ticket_id.as_ref() == Some(t))
                && filter.1.as_ref().is_none_or(|a| &entry.record.action == a);
            let response = proto::WatchAuditEntriesResponse { entry: Some(audit_to_proto(entry)) };
            if wanted && tx.send(Ok(response)).await.is_err() {
                return;
            }
        }
        if entries.len() as u64 == BATCH {
            continue;
        }
        tokio::select! {
            _ = wake.changed() => {}
            _ = tokio::time::sleep(WATCH_POLL) => {}
            _ = tx.closed() => return,
            _ = async { let _ = stopping.wait_for(|s| *s).await; } => return,
        }
    }
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn list_audit_entries(
        &self,
        request: Request<proto::ListAuditEntriesRequest>,
    ) -> Result<Response<proto::ListAuditEntriesResponse>, Status> {
        let m = request.into_inner();
        let filter = AuditFilter {
            ticket_id: non_empty(m.ticket_id),
            action: non_empty(m.action),
            actor: non_empty(m.actor),
            start_time: time("start_time", &m.start_time)?,
            end_time: time("end_time", &m.end_time)?,
        };
        let page = PageRequest { page_size: page_size(m.page_size)?, page_token: non_empty(m.page_token) };
        let page = self.store.list_audit(&filter, &page).await.map_err(ApiError::from)?;
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
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(watch_loop(
            self.store.clone(),
            (non_empty(m.ticket_id), non_empty(m.action)),
            self.stopping.clone(),
            tx,
        ));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    type ExportAuditEntriesStream = EntryStream<proto::ExportAuditEntriesResponse>;

    async fn export_audit_entries(
        &self,
        request: Request<proto::ExportAuditEntriesRequest>,
    ) -> Result<Response<Self::ExportAuditEntriesStream>, Status> {
        let actor = actor(&request);
        let before = time("before", &request.into_inner().before)?;
        let (tx, rx) = mpsc::channel(64);
        let store = self.store.clone();
        tokio::spawn(async move {
            let (mut last, mut count) = (0i64, 0u64);
            loop {
                let page: Vec<AuditEntry> = match store.export_audit_page(before, last, BATCH).await {
                    Ok(page) => page,
                    Err(e) => {
                        let _ = tx.send(Err(ApiError::from(e).into())).await;
                        return;
                    }
                };
                if page.is_empty() {
                    break;
                }
                for entry in &page {
                    last = entry.sequence;
                    count += 1;
                    if tx
                        .send(Ok(proto::ExportAuditEntriesResponse { entry: Some(audit_to_proto(entry)) }))
                        .await
                        .is_err()
                    {
                        return; // an export the client did not receive is not recorded
                    }
                }
            }
            if count > 0
                && let Err(e) = store.record_audit_export(before, last, count, &actor, Utc::now()).await
            {
                let _ = tx.send(Err(ApiError::from(e).into())).await;
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn purge_audit_entries(
        &self,
        request: Request<proto::PurgeAuditEntriesRequest>,
    ) -> Result<Response<proto::PurgeAuditEntriesResponse>, Status> {
        let actor = actor(&request);
        let m = request.into_inner();
        let before = time("before", &m.before)?.ok_or_else(|| ApiError::field("before", "is required"))?;
        let purged = self.store.purge_audit(before, m.force, &actor, Utc::now()).await.map_err(ApiError::from)?;
        Ok(Response::new(proto::PurgeAuditEntriesResponse { purged_count: purged }))
    }

    async fn verify_audit_chain(
        &self,
        _request: Request<proto::VerifyAuditChainRequest>,
    ) -> Result<Response<proto::VerifyAuditChainResponse>, Status> {
        let report = self.store.verify_audit().await.map_err(ApiError::from)?;
        Ok(Response::new(proto::VerifyAuditChainResponse {
            valid: report.valid,
            entries_checked: report.entries_checked,
            first_broken_sequence: report.first_broken_sequence.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
            reason: report.reason.unwrap_or_default(),
        }))
    }
}
