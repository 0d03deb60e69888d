//! Audit log entries and the hash chain that makes tampering visible.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first entry of a fresh log links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A ticket was triaged and stored.
    TicketTriaged,
    /// A ticket was stored without triage.
    TicketCreated,
    /// A ticket's fields changed.
    TicketUpdated,
    /// A ticket was deleted.
    TicketDeleted,
    /// The periodic sweep escalated a ticket left open too long.
    TicketEscalated,
    /// Old tickets were purged.
    TicketsPurged,
    /// Audit entries were exported.
    AuditExported,
    /// Old audit entries were purged.
    AuditPurged,
    /// New routing rules were put in force.
    RulesReloaded,
    /// A changed rules file was refused; the rules in force stayed.
    RulesReloadFailed,
    /// A candidate rules file was tried on one ticket (TestRules).
    RulesTested,
    /// A candidate rules file was replayed over stored tickets (BacktestRules).
    RulesBacktested,
    /// The audit chain was verified.
    AuditVerified,
    /// A call was refused: no, an unknown or an expired credential, or a missing scope.
    AuthRefused,
    /// A new principals file was put in force.
    PrincipalsReloaded,
    /// A changed principals file was refused; the principals in force stayed.
    PrincipalsReloadFailed,
    /// New TLS certificates were put in force.
    TlsReloaded,
    /// New TLS certificates were refused; the ones in force stayed.
    TlsReloadFailed,
    /// A run of `helpdesk privacy rotate-key` started re-sealing personal data under a new key.
    KeyRotationStarted,
    /// A run of `helpdesk privacy rotate-key` ended (or stopped on an error), with its counts.
    KeyRotationFinished,
}

impl AuditAction {
    /// The action's name as stored and shown (`ticket.triaged`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::TicketTriaged => "ticket.triaged",
            AuditAction::TicketCreated => "ticket.created",
            AuditAction::TicketUpdated => "ticket.updated",
            AuditAction::TicketDeleted => "ticket.deleted",
            AuditAction::TicketEscalated => "ticket.escalated",
            AuditAction::TicketsPurged => "tickets.purged",
            AuditAction::AuditExported => "audit.exported",
            AuditAction::AuditPurged => "audit.purged",
            AuditAction::RulesReloaded => "rules.reloaded",
            AuditAction::RulesReloadFailed => "rules.reload_failed",
            AuditAction::RulesTested => "rules.tested",
            AuditAction::RulesBacktested => "rules.backtested",
            AuditAction::AuditVerified => "audit.verified",
            AuditAction::AuthRefused => "auth.refused",
            AuditAction::PrincipalsReloaded => "auth.principals_reloaded",
            AuditAction::PrincipalsReloadFailed => "auth.principals_reload_failed",
            AuditAction::TlsReloaded => "tls.reloaded",
            AuditAction::TlsReloadFailed => "tls.reload_failed",
            AuditAction::KeyRotationStarted => "privacy.rotation_started",
            AuditAction::KeyRotationFinished => "privacy.rotation_finished",
        }
    }
}

/// Who did something, as the audit log records it: the authenticated principal (or a part of the
/// service, such as `system:escalation-sweep`), and the person or service a caller says it acts for
/// (the `x-helpdesk-actor` header), which is kept in the entry's details and never taken as the actor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Actor {
    /// The principal: the audit entry's actor.
    pub name: String,
    /// Whom the principal says it acts for (an agent behind a portal), unverified.
    pub on_behalf_of: Option<String>,
}

impl Actor {
    /// `name`, acting for nobody else.
    pub fn named(name: impl Into<String>) -> Actor {
        Actor { name: name.into(), on_behalf_of: None }
    }

    /// The same actor, saying it acts for `whom`.
    pub fn on_behalf_of(mut self, whom: Option<String>) -> Actor {
        self.on_behalf_of = whom;
        self
    }
}

impl From<&str> for Actor {
    fn from(name: &str) -> Actor {
        Actor::named(name)
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// An entry about to be appended: everything but its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Ticket concerned, if any.
    pub ticket_id: Option<String>,
    /// What happened.
    pub action: String,
    /// Who did it.
    pub actor: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Details as JSON text.
    pub details_json: String,
    /// Rules version in force, for triage entries.
    pub rules_version: Option<String>,
}

impl AuditRecord {
    /// A record of `action` by `actor` at `at`; whom the actor acts for, if it says, is added to the
    /// details as `on_behalf_of`.
    pub fn new(action: AuditAction, actor: &Actor, at: DateTime<Utc>, details: serde_json::Value) -> Self {
        let mut details = details;
        if let (Some(whom), Some(map)) = (&actor.on_behalf_of, details.as_object_mut()) {
            map.insert("on_behalf_of".to_owned(), serde_json::Value::String(whom.clone()));
        }
        AuditRecord {
            ticket_id: None,
            action: action.as_str().to_owned(),
            actor: actor.name.clone(),
            created_at: at,
            details_json: details.to_string(),
            rules_version: None,
        }
    }

    /// The same record about `ticket_id`.
    pub fn for_ticket(mut self, ticket_id: &str) -> Self {
        self.ticket_id = Some(ticket_id.to_owned());
        self
    }

    /// The same record with the rules version that decided it.
    pub fn with_rules_version(mut self, version: &str) -> Self {
        self.rules_version = Some(version.to_owned());
        self
    }

    /// The hash of this record at position `sequence` after an entry whose hash is `prev_hash`.
    pub fn chain_hash(&self, sequence: i64, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        for part in [
            prev_hash,
            &sequence.to_string(),
            self.ticket_id.as_deref().unwrap_or(""),
            &self.action,
            &self.actor,
            &self.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            &self.details_json,
            self.rules_version.as_deref().unwrap_or(""),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        format!("{:x}", h.finalize())
    }
}

/// A stored audit entry with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log.
    pub sequence: i64,
    /// The recorded facts.
    pub record: AuditRecord,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

impl AuditEntry {
    /// Why this entry's own hash does not hold, if it does not.
    pub fn hash_mismatch(&self) -> Option<String> {
        let expected = self.record.chain_hash(self.sequence, &self.prev_hash);
        (expected != self.hash)
            .then(|| format!("entry {} was altered: its content no longer matches its hash", self.sequence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_change_to_a_record_changes_its_hash() {
        let at = Utc::now();
        let record =
            AuditRecord::new(AuditAction::TicketTriaged, &"svc".into(), at, serde_json::json!({"queue": "it"}))
                .for_ticket("TKT-20261127-AAAAAAAA");
        let hash = record.chain_hash(1, GENESIS_HASH);
        let mut altered = record.clone();
        altered.actor = "mallory".into();
        assert_ne!(hash, altered.chain_hash(1, GENESIS_HASH));
        assert_ne!(hash, record.chain_hash(2, GENESIS_HASH));
        let entry = AuditEntry { sequence: 1, record: altered, prev_hash: GENESIS_HASH.into(), hash };
        assert!(entry.hash_mismatch().is_some());
    }
}
