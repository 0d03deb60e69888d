//! Ticket intake: validate a draft, triage it, store it with its audit entry. Every way in (a gRPC
//! call, a batch or stream item, the command line) goes through these steps.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};

use crate::{
    config::Settings,
    domain::{Limits, Ticket, TicketDraft, ValidationErrors, validate_draft},
    store::{Store, StoreError},
    triage::{RuleSet, RulesError, TriageEngine, TriageResult, Triager},
};

/// The triage engine the settings describe: the rules of `rules_path` (or the built-in ones), the
/// triage settings, and the result cache.
pub fn engine_from_settings(settings: &Settings) -> Result<TriageEngine, RulesError> {
    let rules = match &settings.rules_path {
        Some(path) => RuleSet::load(path)?,
        None => RuleSet::builtin(),
    };
    let triager = Triager::new(settings.triage_settings(), Arc::new(rules));
    Ok(TriageEngine::new(triager, settings.cache_enabled, Duration::from_secs(settings.cache_ttl)))
}

/// What one intake should do besides triage.
#[derive(Debug, Clone, Copy)]
pub struct IntakeOptions<'a> {
    /// Triage without storing anything.
    pub dry_run: bool,
    /// Idempotency key: a retry with the same key gets the first answer.
    pub request_id: Option<&'a str>,
    /// Who asked, for the audit log.
    pub actor: &'a str,
}

/// An accepted ticket with its triage result.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The ticket as stored (or as it would be stored, on a dry run).
    pub ticket: Ticket,
    /// The decision.
    pub result: TriageResult,
    /// True when the answer repeats the first one given for the same request id.
    pub replayed: bool,
}

/// Why a ticket was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The draft is invalid; nothing was stored.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The triage engine and the store, shared by every caller.
#[derive(Clone)]
pub struct Intake {
    engine: Arc<TriageEngine>,
    store: Store,
    limits: Limits,
}

impl Intake {
    /// Intake over `engine` and `store`, validating against `limits`.
    pub fn new(engine: Arc<TriageEngine>, store: Store, limits: Limits) -> Self {
        Intake { engine, store, limits }
    }

    /// The validation limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The triage engine.
    pub fn engine(&self) -> &TriageEngine {
        &self.engine
    }

    /// Validates, triages and (unless a dry run) stores one ticket.
    pub async fn accept(
        &self,
        draft: TicketDraft,
        options: IntakeOptions<'_>,
        now: DateTime<Utc>,
    ) -> Result<Accepted, IntakeError> {
        let request_id = options.request_id.map(str::trim).filter(|r| !r.is_empty());
        if let (false, Some(request_id)) = (options.dry_run, request_id)
            && let Some(first) = self.store.find_request(request_id).await?
        {
            return Ok(Accepted { ticket: first.ticket, result: first.result, replayed: true });
        }
        let ticket = validate_draft(draft, &self.limits, now, &mut rand::rng())?;
        let result = self.engine.triage(&ticket, now);
        let ticket = settle(ticket, &result);
        if options.dry_run {
            return Ok(Accepted { ticket, result, replayed: false });
        }
        let stored = self.store.record_triage(&ticket, &result, options.actor, request_id).await?;
        Ok(Accepted { ticket: stored.ticket, result: stored.result, replayed: stored.replayed })
    }
}

/// One item of a batch: a draft and whether to store it.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// The ticket as received.
    pub draft: TicketDraft,
    /// Triage without storing.
    pub dry_run: bool,
}

impl Intake {
    /// Validates and triages every item, then stores those to be stored in one transaction. Every
    /// item gets its own outcome, in order; an invalid item or a taken ticket id fails alone. Should
    /// the shared transaction fail, each item is stored on its own, so one cause cannot sink the rest.
    pub async fn accept_many(
        &self,
        items: Vec<BatchItem>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Vec<Result<Accepted, IntakeError>> {
        let mut outcomes: Vec<Result<Accepted, IntakeError>> = Vec::with_capacity(items.len());
        let mut to_store: Vec<(usize, Ticket, TriageResult)> = Vec::new();
        for item in items {
            match validate_draft(item.draft, &self.limits, now, &mut rand::rng()) {
                Err(errors) => outcomes.push(Err(errors.into())),
                Ok(ticket) => {
                    let result = self.engine.triage(&ticket, now);
                    let ticket = settle(ticket, &result);
                    if !item.dry_run {
                        to_store.push((outcomes.len(), ticket.clone(), result.clone()));
                    }
                    outcomes.push(Ok(Accepted { ticket, result, replayed: false }));
                }
            }
        }
        if to_store.is_empty() {
            return outcomes;
        }
        let pairs: Vec<(Ticket, TriageResult)> = to_store.iter().map(|(_, t, r)| (t.clone(), r.clone())).collect();
        match self.store.record_triage_batch(&pairs, actor).await {
            Ok(stored) => {
                for ((position, _, _), outcome) in to_store.iter().zip(stored) {
                    outcomes[*position] = outcome
                        .map(|s| Accepted { ticket: s.ticket, result: s.result, replayed: false })
                        .map_err(IntakeError::from);
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, items = to_store.len(), "batch transaction failed; storing items one by one");
                for (position, ticket, result) in &to_store {
                    outcomes[*position] = self
                        .store
                        .record_triage(ticket, result, actor, None)
                        .await
                        .map(|s| Accepted { ticket: s.ticket, result: s.result, replayed: false })
                        .map_err(IntakeError::from);
                }
            }
        }
        outcomes
    }
}

/// The ticket as the triage leaves it: decided category, final priority, queue, status and rule tags.
pub fn settle(mut ticket: Ticket, result: &TriageResult) -> Ticket {
    ticket.category = Some(result.classification.category);
    ticket.priority = result.priority;
    ticket.status = result.status;
    ticket.assigned_queue = Some(result.queue.clone());
    ticket.add_tags(&result.tags);
    ticket
}
