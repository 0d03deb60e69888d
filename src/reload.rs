//! Hot reload of the routing rules: on SIGHUP and when the rules file changes, the file is loaded
//! and checked again; a good one is put in force (cached results of the old rules are never served,
//! their keys name the old version), a bad one is refused and the rules in force stay. Each reload
//! and each refusal is an audit entry. The principals file reloads the same way ([`principals`]).

pub mod principals;
mod watched;

use std::{path::Path, sync::Arc, time::Duration};

use chrono::Utc;
use serde_json::json;
use tokio::sync::watch;

use self::watched::{WatchedFile, poll};

use crate::{
    domain::{Actor, AuditAction, AuditRecord},
    store::Store,
    triage::{RuleSet, RulesLimits, TriageEngine},
};

/// Actor named in the audit entries of reloads.
pub const RELOAD_ACTOR: &str = "system:rules-reload";

/// What one reload attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// New rules are in force.
    Reloaded {
        /// Version before.
        from: String,
        /// Version now.
        to: String,
    },
    /// The file holds the rules already in force (maybe with other comments or layout).
    Unchanged {
        /// The version in force.
        version: String,
    },
    /// The file was refused; the rules in force stayed.
    Refused {
        /// Why, naming the rule and field.
        error: String,
        /// The version still in force.
        kept: String,
    },
}

/// Reloads the rules of one file into one engine. Cheap to clone; clones share their state.
#[derive(Clone)]
pub struct RulesReloader {
    file: WatchedFile,
    engine: Arc<TriageEngine>,
    store: Store,
    limits: RulesLimits,
}

impl RulesReloader {
    /// A reloader of `path` into `engine`, auditing into `store`, checking the file within the default
    /// limits. The file's current content counts as seen (it is what the engine was built from).
    pub fn new(path: &Path, engine: Arc<TriageEngine>, store: Store) -> Self {
        RulesReloader { file: WatchedFile::new(path), engine, store, limits: RulesLimits::default() }
    }

    /// The same reloader checking the file within `limits`.
    pub fn within(mut self, limits: RulesLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The rules file.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Loads the file again (`trigger` says why, for the log and the audit entry) and puts it in
    /// force when it is valid and differs from the rules in force.
    pub async fn reload(&self, trigger: &str) -> ReloadOutcome {
        let reloading = self.file.begin_reload().await;
        let current = self.engine.rules_version();
        let path = self.path().to_owned();
        let limits = self.limits;
        let loaded = tokio::task::spawn_blocking(move || RuleSet::load_within(&path, &limits)).await;
        let outcome = match loaded {
            Ok(Ok(rules)) if rules.version() == current => ReloadOutcome::Unchanged { version: current },
            Ok(Ok(rules)) => {
                let to = rules.version().to_owned();
                self.engine.replace_rules(rules);
                ReloadOutcome::Reloaded { from: current, to }
            }
            Ok(Err(e)) => ReloadOutcome::Refused { error: e.to_string(), kept: current },
            Err(e) => ReloadOutcome::Refused { error: format!("the load task failed: {e}"), kept: current },
        };
        drop(reloading);
        self.report(trigger, &outcome).await;
        outcome
    }

    /// Reloads when the file's content changed since it was last looked at.
    pub async fn reload_if_changed(&self) -> Option<ReloadOutcome> {
        if !self.file.changed().await {
            return None;
        }
        Some(self.reload("file changed").await)
    }

    /// Looks at the file every `interval` until `stop` turns true.
    pub async fn watch_file(self, interval: Duration, stop: watch::Receiver<bool>) {
        poll(interval, stop, || self.reload_if_changed()).await;
    }

    async fn report(&self, trigger: &str, outcome: &ReloadOutcome) {
        let file = self.path().display().to_string();
        let (action, details, version) = match outcome {
            ReloadOutcome::Unchanged { version } => {
                tracing::info!(trigger, %file, %version, "rules file unchanged");
                return;
            }
            ReloadOutcome::Reloaded { from, to } => {
                tracing::info!(trigger, %file, %from, %to, "routing rules reloaded");
                (AuditAction::RulesReloaded, json!({ "trigger": trigger, "file": file, "from": from, "to": to }), to)
            }
            ReloadOutcome::Refused { error, kept } => {
                tracing::error!(trigger, %file, %kept, %error, "rules file refused; the rules in force stay");
                let details = json!({ "trigger": trigger, "file": file, "error": error, "kept": kept });
                (AuditAction::RulesReloadFailed, details, kept)
            }
        };
        let record =
            AuditRecord::new(action, &Actor::named(RELOAD_ACTOR), Utc::now(), details).with_rules_version(version);
        if let Err(e) = self.store.record_audit(record).await {
            tracing::error!(error = %crate::service::cause_chain(&e), "cannot write the audit entry of a rules reload");
        }
    }
}
