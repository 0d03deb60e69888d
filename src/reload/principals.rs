//! Hot reload of the principals file: on SIGHUP and when the file changes, it is read and checked
//! again; a good one is put in force for every later call, a bad one is refused and the principals
//! in force stay. Each reload and each refusal is an audit entry.

use std::{path::Path, sync::Arc, time::Duration};

use chrono::Utc;
use serde_json::json;
use tokio::sync::watch;

use super::watched::{WatchedFile, poll};

use crate::{
    auth::{Authenticator, Principals},
    domain::{Actor, AuditAction, AuditRecord},
    service::cause_chain,
    store::Store,
};

/// Actor named in the audit entries of principals reloads.
pub const PRINCIPALS_ACTOR: &str = "system:principals-reload";

/// What one reload attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalsOutcome {
    /// The file's principals are in force.
    Reloaded {
        /// How many principals the file holds.
        principals: usize,
    },
    /// The file was refused; the principals in force stayed.
    Refused {
        /// Why, naming the entry and field.
        error: String,
    },
}

/// Reloads one principals file into one authenticator. Cheap to clone; clones share their state.
#[derive(Clone)]
pub struct PrincipalsReloader {
    file: WatchedFile,
    authenticator: Arc<Authenticator>,
    store: Store,
}

impl PrincipalsReloader {
    /// A reloader of `path` into `authenticator`, auditing into `store`; the file's current content
    /// counts as seen (the authenticator was built from it).
    pub fn new(path: &Path, authenticator: Arc<Authenticator>, store: Store) -> Self {
        PrincipalsReloader { file: WatchedFile::new(path), authenticator, store }
    }

    /// Reads the file again (`trigger` says why) and puts it in force when it is valid.
    pub async fn reload(&self, trigger: &str) -> PrincipalsOutcome {
        let reloading = self.file.begin_reload().await;
        let path = self.file.path().to_owned();
        let outcome = match tokio::task::spawn_blocking(move || Principals::load(&path)).await {
            Ok(Ok(principals)) => {
                let count = principals.len();
                self.authenticator.replace_principals(principals);
                PrincipalsOutcome::Reloaded { principals: count }
            }
            Ok(Err(e)) => PrincipalsOutcome::Refused { error: e.to_string() },
            Err(e) => PrincipalsOutcome::Refused { error: format!("the load task failed: {e}") },
        };
        drop(reloading);
        self.report(trigger, &outcome).await;
        outcome
    }

    /// Reloads when the file's content changed since it was last looked at.
    pub async fn reload_if_changed(&self) -> Option<PrincipalsOutcome> {
        if !self.file.changed().await {
            return None;
        }
        Some(self.reload("file changed").await)
    }

    /// Looks at the file every `interval` until `stop` turns true.
    pub async fn watch_file(self, interval: Duration, stop: watch::Receiver<bool>) {
        poll(interval, stop, || self.reload_if_changed()).await;
    }

    /// Audits the outcome, then logs it (so the log line follows a durable entry).
    async fn report(&self, trigger: &str, outcome: &PrincipalsOutcome) {
        let file = self.file.path().display().to_string();
        let (action, details) = match outcome {
            PrincipalsOutcome::Reloaded { principals } => {
                (AuditAction::PrincipalsReloaded, json!({ "trigger": trigger, "file": file, "principals": principals }))
            }
            PrincipalsOutcome::Refused { error } => {
                (AuditAction::PrincipalsReloadFailed, json!({ "trigger": trigger, "file": file, "error": error }))
            }
        };
        let record = AuditRecord::new(action, &Actor::named(PRINCIPALS_ACTOR), Utc::now(), details);
        if let Err(e) = self.store.record_audit(record).await {
            tracing::error!(error = %cause_chain(&e), "cannot write the audit entry of a principals reload");
        }
        match outcome {
            PrincipalsOutcome::Reloaded { principals } => {
                tracing::info!(trigger, %file, principals, "principals reloaded")
            }
            PrincipalsOutcome::Refused { error } => {
                tracing::error!(trigger, %file, %error, "principals file refused; the principals in force stay")
            }
        }
    }
}
