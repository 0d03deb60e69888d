//! The one reader behind every audit watch: woken by commits (this instance's, and on PostgreSQL
//! every instance's through NOTIFY), and every `poll` for writers it hears nothing from (another
//! process on the same SQLite file), it reads each new entry once and hands it to all watchers at
//! once. A watcher never polls; one that falls behind the hub's buffer catches up from the store.

use std::sync::{Arc, OnceLock};

use tokio::sync::{broadcast, watch};

use crate::{domain::AuditEntry, store::Store};

/// New entries the hub keeps for a slow watcher before that watcher must read them from the store.
const FAN_OUT: usize = 1024;
/// Entries read from the store at a time.
const BATCH: u64 = 500;

/// The hub: started with the first watch, it runs until the server stops. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(super) struct AuditHub {
    sender: Arc<OnceLock<broadcast::Sender<Arc<AuditEntry>>>>,
}

impl AuditHub {
    /// A receiver of every entry read from now on (the hub starts on the first call).
    pub(super) fn subscribe(
        &self,
        store: &Store,
        stopping: &watch::Receiver<bool>,
        poll: std::time::Duration,
    ) -> broadcast::Receiver<Arc<AuditEntry>> {
        self.sender
            .get_or_init(|| {
                let (sender, _) = broadcast::channel(FAN_OUT);
                tokio::spawn(read(store.clone(), sender.clone(), stopping.clone(), poll));
                sender
            })
            .subscribe()
    }
}

/// Reads what is committed after the newest entry it has seen and broadcasts it; while nobody
/// listens it only keeps up with the newest sequence.
async fn read(
    store: Store,
    sender: broadcast::Sender<Arc<AuditEntry>>,
    mut stopping: watch::Receiver<bool>,
    poll: std::time::Duration,
) {
    let mut committed = store.subscribe_audit();
    let mut last = *committed.borrow_and_update();
    loop {
        tokio::select! {
            changed = committed.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(poll) => {
                // Writers this process hears nothing from: one look at the chain head for all watchers.
                if sender.receiver_count() > 0 && let Ok(newest) = store.last_audit_sequence().await {
                    store.audit_committed_at_least(newest);
                }
                continue;
            }
            _ = async { let _ = stopping.wait_for(|s| *s).await; } => return,
        }
        let newest = *committed.borrow_and_update();
        if sender.receiver_count() == 0 {
            last = last.max(newest);
            continue;
        }
        while last < newest {
            match store.audit_after(last, BATCH).await {
                Ok(entries) if entries.is_empty() => break,
                Ok(entries) => {
                    for entry in entries {
                        last = last.max(entry.sequence);
                        let _ = sender.send(Arc::new(entry));
                    }
                }
                Err(e) => {
                    // Watchers catch up from the store themselves when they see a gap.
                    tracing::warn!(error = %crate::service::cause_chain(&e), "audit watch: reading new entries failed");
                    break;
                }
            }
        }
    }
}
