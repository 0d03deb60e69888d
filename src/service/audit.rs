//! The audit log operations: list, watch (from the moment the watch is accepted), export with its
//! signatures (recorded once the whole export was handed over), purge and verify.

use std::time::Duration;

use chrono::{DateTime, Utc};
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, watch};

use super::{
    audit_hub::AuditHub,
    error::ServiceError,
    export::{ExportItem, ExportRun},
    records,
};
use crate::{
    domain::{Actor, AuditEntry},
    store::{AuditFilter, ChainReport, Page, PageRequest, Store},
};

/// Entries read from the store at a time by Watch and Export.
const BATCH: u64 = 500;
/// Entries a watch or an export may have read but not yet handed over.
const BUFFER: usize = 64;

/// The entries of a watch as they come; an error ends them.
pub type EntryReceiver = mpsc::Receiver<Result<AuditEntry, ServiceError>>;
/// The items of an export as they come; an error ends them.
pub type ExportReceiver = mpsc::Receiver<Result<ExportItem, ServiceError>>;

/// What a watch follows: every entry, or one ticket's, or one action's; from the moment of the call
/// or from after a sequence seen before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchFilter {
    /// Only entries about this ticket.
    pub ticket_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Resume: entries after this sequence (the last one a previous watch delivered), those
    /// committed already included; `None` starts at the newest entry when the watch is accepted.
    pub after_sequence: Option<i64>,
}

impl WatchFilter {
    fn wants(&self, entry: &AuditEntry) -> bool {
        self.ticket_id.as_ref().is_none_or(|t| entry.record.ticket_id.as_ref() == Some(t))
            && self.action.as_ref().is_none_or(|a| &entry.record.action == a)
    }
}

/// The audit operations over one store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Audit {
    store: Store,
    stopping: watch::Receiver<bool>,
    poll: Duration,
    hub: AuditHub,
}

impl Audit {
    /// The operations over `store`; watches and exports end when `stopping` turns true, and the
    /// watches' one reader looks for entries written by other processes every `poll` when no commit
    /// woke it.
    pub fn new(store: Store, stopping: watch::Receiver<bool>, poll: Duration) -> Self {
        Audit { store, stopping, poll, hub: AuditHub::default() }
    }

    /// One page of entries, newest first.
    pub async fn list(&self, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEntry>, ServiceError> {
        Ok(self.store.list_audit(filter, page).await?)
    }

    /// Follows the log: every entry committed after this returns is delivered (the starting point is
    /// read before it returns), or with `after_sequence` every entry after it, until the receiver is
    /// dropped or the server stops; at a stop the last item is an UNAVAILABLE error naming the
    /// sequence to resume after.
    pub async fn watch(&self, filter: WatchFilter) -> Result<EntryReceiver, ServiceError> {
        if let Some(after) = filter.after_sequence
            && after < 0
        {
            return Err(ServiceError::field("after_sequence", format!("must be 0 or more, not {after}")));
        }
        // Subscribed before the starting point is read, so nothing committed in between is missed.
        let live = self.hub.subscribe(&self.store, &self.stopping, self.poll);
        let start = match filter.after_sequence {
            Some(after) => after,
            None => self.store.last_audit_sequence().await?,
        };
        let (tx, rx) = mpsc::channel(BUFFER);
        tokio::spawn(follow(self.store.clone(), filter, start, live, self.stopping.clone(), tx));
        Ok(rx)
    }

    /// Every entry written before `before` (all when `None`), oldest first, each followed by the
    /// signatures made at it, and with a signing key the export signature at the end. When the whole
    /// export was handed over it is recorded (`audit.exported`), which lets a purge without force
    /// remove those entries; an export the receiver dropped, or whose export signature was refused
    /// (the chain does not verify), is not recorded.
    pub fn export(&self, before: Option<DateTime<Utc>>, actor: Actor) -> ExportReceiver {
        let (tx, rx) = mpsc::channel(BUFFER);
        let mut run = ExportRun::new(self.store.clone(), before);
        let store = self.store.clone();
        tokio::spawn(async move {
            loop {
                match run.next().await {
                    Ok(Some(item)) => {
                        if tx.send(Ok(item)).await.is_err() {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
            }
            let (count, last) = run.summary();
            if count > 0
                && let Err(e) = store.record_audit_export(before, last, count, &actor, Utc::now()).await
            {
                let _ = tx.send(Err(e.into())).await;
            }
        });
        rx
    }

    /// Removes the entries written before `before`; refused unless an export covered them or `force`.
    pub async fn purge(
        &self,
        before: DateTime<Utc>,
        force: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<u64, ServiceError> {
        Ok(self.store.purge_audit(before, force, actor, now).await?)
    }

    /// Checks the hash chain (and, with a signing key, its signatures) and names the first broken
    /// entry; `strict` breaks entries written before signing was turned on. The verification is itself
    /// an audit entry (`audit.verified`, with its outcome).
    pub async fn verify(&self, strict: bool, actor: &Actor, now: DateTime<Utc>) -> Result<ChainReport, ServiceError> {
        let report = self.store.verify_audit_with(strict).await?;
        self.store.record_audit(records::verified(&report, strict, actor, now)).await?;
        Ok(report)
    }
}

/// Sends the entries after `last` that `filter` wants: first those committed already (read from the
/// store), then each as the hub hands it over, reading from the store again whenever the hub's
/// entries skip some (this watcher fell behind it). Until the receiver is dropped or `stopping` turns
/// true.
async fn follow(
    store: Store,
    filter: WatchFilter,
    mut last: i64,
    mut live: broadcast::Receiver<Arc<AuditEntry>>,
    mut stopping: watch::Receiver<bool>,
    tx: mpsc::Sender<Result<AuditEntry, ServiceError>>,
) {
    let mut behind = true;
    loop {
        if behind {
            match catch_up(&store, &filter, &mut last, &tx).await {
                Ok(true) => behind = false,
                Ok(false) => return, // the receiver is gone
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
        }
        let entry = tokio::select! {
            entry = live.recv() => entry,
            _ = tx.closed() => return,
            _ = async { let _ = stopping.wait_for(|s| *s).await; } => {
                let _ = tx.send(Err(ServiceError::ShuttingDown(format!("resume with after_sequence = {last}")))).await;
                return;
            }
        };
        match entry {
            Ok(entry) if entry.sequence <= last => {}
            Ok(entry) if entry.sequence == last + 1 => {
                last = entry.sequence;
                if filter.wants(&entry) && tx.send(Ok(AuditEntry::clone(&entry))).await.is_err() {
                    return;
                }
            }
            // Entries in between were not seen here: read them (and this one) from the store.
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => behind = true,
            Err(broadcast::error::RecvError::Closed) => {
                let _ = tx.send(Err(ServiceError::ShuttingDown(format!("resume with after_sequence = {last}")))).await;
                return;
            }
        }
    }
}

/// Sends what the store holds after `last` that `filter` wants; false when the receiver is gone.
async fn catch_up(
    store: &Store,
    filter: &WatchFilter,
    last: &mut i64,
    tx: &mpsc::Sender<Result<AuditEntry, ServiceError>>,
) -> Result<bool, ServiceError> {
    loop {
        let entries = store.audit_after(*last, BATCH).await?;
        let full = entries.len() as u64 == BATCH;
        for entry in entries {
            *last = (*last).max(entry.sequence);
            if filter.wants(&entry) && tx.send(Ok(entry)).await.is_err() {
                return Ok(false);
            }
        }
        if !full {
            return Ok(true);
        }
    }
}
