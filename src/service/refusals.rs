//! The audit record of refused calls (UNAUTHENTICATED, PERMISSION_DENIED): who, which method, from
//! where, when. Recording never holds a call up (the entry is written by a task of its own), and at
//! most [`PER_MINUTE`] entries a minute are written, so a flood of bad calls cannot fill the log: the
//! next entry written says how many were left out.

use std::{net::SocketAddr, num::NonZeroU32};

use chrono::Utc;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde_json::json;
use tokio::sync::mpsc;

use super::error::cause_chain;
use crate::{
    auth::Refusal,
    domain::{Actor, AuditAction, AuditRecord},
    store::Store,
};

/// Refusal entries written a minute at most.
pub const PER_MINUTE: u32 = 30;
/// Refusals waiting to be written; past this they are counted as left out.
const QUEUE: usize = 1024;
/// The actor of a refusal without a known principal.
pub const UNAUTHENTICATED: &str = "unauthenticated";

/// One refused call.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Refused {
    method: String,
    refusal: Refusal,
    peer: Option<SocketAddr>,
}

/// Where refusals are sent to be recorded. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Refusals {
    tx: Option<mpsc::Sender<Refused>>,
}

impl Refusals {
    /// Records nothing (no authentication, so nothing is refused).
    pub fn disabled() -> Refusals {
        Refusals { tx: None }
    }

    /// Records refusals into `store` from a task of its own, which ends when every clone is dropped.
    pub fn spawn(store: Store) -> Refusals {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write(store, rx));
        Refusals { tx: Some(tx) }
    }

    /// Records that a call to `path` was refused; a full queue drops it (the limit would drop it too).
    pub fn record(&self, path: &str, refusal: &Refusal, peer: Option<SocketAddr>) {
        if let Some(tx) = &self.tx {
            let method = path.trim_start_matches('/').chars().take(200).collect();
            let _ = tx.try_send(Refused { method, refusal: refusal.clone(), peer });
        }
    }
}

/// The audit record of a refusal, saying how many were left out before it.
fn record(refused: &Refused, left_out: u64) -> AuditRecord {
    let (actor, reason, scope) = match &refused.refusal {
        Refusal::Unauthenticated => (UNAUTHENTICATED.to_owned(), "unauthenticated", None),
        Refusal::PermissionDenied { principal, scope } => {
            (principal.clone(), "permission_denied", Some(scope.as_str()))
        }
    };
    let details = json!({
        "method": refused.method,
        "reason": reason,
        "scope": scope,
        "peer": refused.peer.map(|p| p.ip().to_string()),
        "left_out_before": left_out,
    });
    AuditRecord::new(AuditAction::AuthRefused, &Actor::named(actor), Utc::now(), details)
}

async fn write(store: Store, mut rx: mpsc::Receiver<Refused>) {
    let limiter: DefaultDirectRateLimiter =
        RateLimiter::direct(Quota::per_minute(NonZeroU32::new(PER_MINUTE).unwrap_or(NonZeroU32::MIN)));
    let mut left_out = 0u64;
    while let Some(refused) = rx.recv().await {
        if limiter.check().is_err() {
            left_out += 1;
            continue;
        }
        match store.record_audit(record(&refused, left_out)).await {
            Ok(_) => left_out = 0,
            Err(e) => {
                left_out += 1;
                tracing::warn!(error = %cause_chain(&e), "cannot write the audit entry of a refused call");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{auth::Scope, store::AuditFilter, store::PageRequest};

    #[tokio::test]
    async fn refusals_are_recorded_at_most_so_many_a_minute_saying_how_many_were_left_out() {
        let store = Store::open_memory().await.expect("store");
        let refusals = Refusals::spawn(store.clone());
        let peer: SocketAddr = "10.1.2.3:5555".parse().expect("addr");
        let denied = Refusal::PermissionDenied { principal: "portal".into(), scope: Scope::TicketsWrite };
        refusals.record("/helpdesk.v1.TicketStoreService/DeleteTicket", &denied, Some(peer));
        for _ in 0..(PER_MINUTE + 10) {
            refusals.record("/helpdesk.v1.TicketStoreService/GetTicket", &Refusal::Unauthenticated, None);
        }
        let mut written = 0;
        for _ in 0..200 {
            written = store.last_audit_sequence().await.expect("seq");
            if written >= i64::from(PER_MINUTE) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(written, i64::from(PER_MINUTE), "the limit holds");
        let page = PageRequest { page_size: 1000, page_token: None };
        let entries = store.list_audit(&AuditFilter::default(), &page).await.expect("listed").items;
        let first = &entries.last().expect("the oldest").record;
        assert_eq!((first.action.as_str(), first.actor.as_str()), ("auth.refused", "portal"));
        let details: serde_json::Value = serde_json::from_str(&first.details_json).expect("json");
        assert_eq!(details["method"], "helpdesk.v1.TicketStoreService/DeleteTicket");
        assert_eq!(
            (details["reason"].as_str(), details["scope"].as_str()),
            (Some("permission_denied"), Some("tickets.write"))
        );
        assert_eq!(details["peer"], "10.1.2.3");
        assert!(entries[..entries.len() - 1].iter().all(|e| e.record.actor == UNAUTHENTICATED));
    }
}
