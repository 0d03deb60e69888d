//! What SIGHUP reloads: the routing rules, the principals file and the TLS certificates, each
//! audited; a file that is refused leaves what is in force.

use std::sync::Arc;

use chrono::Utc;
use serde_json::json;
use tokio::{signal::unix::Signal, sync::watch};

use crate::{
    domain::{Actor, AuditAction, AuditRecord},
    grpc::tls::Tls,
    reload::{RulesReloader, principals::PrincipalsReloader},
    service::cause_chain,
    store::Store,
};

/// Actor named in the audit entries of certificate reloads.
pub const TLS_ACTOR: &str = "system:tls-reload";

/// Everything SIGHUP reloads.
pub(super) struct Reloads {
    pub rules: Option<RulesReloader>,
    pub principals: Option<PrincipalsReloader>,
    pub tls: Option<Arc<Tls>>,
    pub store: Store,
}

impl Reloads {
    /// Reloads everything once.
    async fn reload(&self) {
        match &self.rules {
            Some(rules) => {
                rules.reload("SIGHUP").await;
            }
            None => {
                tracing::info!("SIGHUP received; the built-in rules are in force (no rules_path), nothing to reload")
            }
        }
        if let Some(principals) = &self.principals {
            principals.reload("SIGHUP").await;
        }
        if let Some(tls) = &self.tls {
            let (action, details) = match tls.reload() {
                Ok(()) => {
                    tracing::info!("TLS certificates reloaded");
                    (AuditAction::TlsReloaded, json!({ "trigger": "SIGHUP" }))
                }
                Err(e) => {
                    tracing::error!(error = %e, "TLS files refused; the certificates in force stay");
                    (AuditAction::TlsReloadFailed, json!({ "trigger": "SIGHUP", "error": e.to_string() }))
                }
            };
            let record = AuditRecord::new(action, &Actor::named(TLS_ACTOR), Utc::now(), details);
            if let Err(e) = self.store.record_audit(record).await {
                tracing::error!(error = %cause_chain(&e), "cannot write the audit entry of a TLS reload");
            }
        }
    }

    /// Reloads on every SIGHUP until `stopping` turns true.
    pub(super) async fn on_hangup(self, mut hangup: Signal, mut stopping: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                received = hangup.recv() => if received.is_none() { return },
                _ = stopping.wait_for(|s| *s) => return,
            }
            self.reload().await;
        }
    }
}
