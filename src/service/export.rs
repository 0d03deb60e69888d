//! Reading an export of the audit log in order: the entries from before a cutoff, each followed by
//! the signatures made at it, and, when the store has a signing key, the export signature over the
//! last entry that closes the archive (so an archive cut short, or whose first entries were removed,
//! no longer verifies offline). AuditService.ExportAuditEntries and `helpdesk audit export` both read
//! through here.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::error::ServiceError;
use crate::{
    domain::{AuditEntry, ChainSignature},
    store::Store,
};

/// Entries read from the store at a time.
const BATCH: u64 = 500;

/// One item of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportItem {
    /// An entry.
    Entry(AuditEntry),
    /// A signature over the entries before it: a commit's, or the export signature at the end.
    Signature(ChainSignature),
}

/// An export being read, item by item.
#[derive(Debug)]
pub struct ExportRun {
    store: Store,
    before: Option<DateTime<Utc>>,
    pending: VecDeque<ExportItem>,
    anchor: Option<(i64, String)>,
    last: Option<(i64, String)>,
    count: u64,
    ended: bool,
}

impl ExportRun {
    /// The export of the entries written before `before` (all when `None`).
    pub fn new(store: Store, before: Option<DateTime<Utc>>) -> ExportRun {
        ExportRun { store, before, pending: VecDeque::new(), anchor: None, last: None, count: 0, ended: false }
    }

    /// How many entries were read, and the last one's sequence (0 when none).
    pub fn summary(&self) -> (u64, i64) {
        (self.count, self.last.as_ref().map_or(0, |(s, _)| *s))
    }

    /// The next item, `None` at the end. The export signature comes last; it is refused (an error)
    /// when the chain as stored does not verify.
    pub async fn next(&mut self) -> Result<Option<ExportItem>, ServiceError> {
        if let Some(item) = self.pending.pop_front() {
            return Ok(Some(item));
        }
        if self.ended {
            return Ok(None);
        }
        let after = self.last.as_ref().map_or(0, |(s, _)| *s);
        let page = self.store.export_audit_page(self.before, after, BATCH).await?;
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            self.ended = true;
            return self.seal().await;
        };
        let signatures = self.store.audit_signatures_between(first.sequence, last.sequence).await?;
        let mut signatures = signatures.into_iter().peekable();
        if self.anchor.is_none() {
            self.anchor = Some((first.sequence - 1, first.prev_hash.clone()));
        }
        self.last = Some((last.sequence, last.hash.clone()));
        self.count += page.len() as u64;
        for entry in page {
            let sequence = entry.sequence;
            self.pending.push_back(ExportItem::Entry(entry));
            while let Some(signature) = signatures.next_if(|s| s.head.sequence <= sequence) {
                self.pending.push_back(ExportItem::Signature(signature));
            }
        }
        Ok(self.pending.pop_front())
    }

    async fn seal(&mut self) -> Result<Option<ExportItem>, ServiceError> {
        let (Some((anchor, anchor_hash)), Some((last, last_hash))) = (&self.anchor, &self.last) else {
            return Ok(None);
        };
        let sealed = self.store.seal_audit_export((*anchor, anchor_hash), (*last, last_hash), Utc::now()).await?;
        Ok(sealed.map(ExportItem::Signature))
    }
}
