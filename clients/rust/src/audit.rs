//! The audit entries of a Watch or an Export, as one stream of entries.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use tokio_stream::Stream;
use tonic::Streaming;

use crate::{error::ClientError, proto};

/// A response that carries one audit entry.
pub(crate) trait CarriesEntry {
    fn entry(self) -> Option<proto::AuditEntry>;
}

impl CarriesEntry for proto::WatchAuditEntriesResponse {
    fn entry(self) -> Option<proto::AuditEntry> {
        self.entry
    }
}

impl CarriesEntry for proto::ExportAuditEntriesResponse {
    fn entry(self) -> Option<proto::AuditEntry> {
        self.entry
    }
}

/// Audit entries as the server sends them; an error status ends the stream. Dropping it cancels
/// the call.
pub struct AuditStream {
    inner: Pin<Box<dyn Stream<Item = Result<proto::AuditEntry, ClientError>> + Send>>,
}

impl std::fmt::Debug for AuditStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditStream").finish_non_exhaustive()
    }
}

impl AuditStream {
    pub(crate) fn new<T: CarriesEntry + Send + 'static>(responses: Streaming<T>) -> Self {
        use tokio_stream::StreamExt;
        let entries = responses.filter_map(|response| match response {
            Ok(response) => response.entry().map(Ok),
            Err(status) => Some(Err(ClientError::Status(status))),
        });
        AuditStream { inner: Box::pin(entries) }
    }
}

impl Stream for AuditStream {
    type Item = Result<proto::AuditEntry, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}
