//! Ticket intake: validate a draft, triage it, store it with its audit entry. Every way in (a gRPC
//! call, a batch or stream item, the command line) goes through these steps.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};

use crate::{
    config::Settings,
    domain::{Limits, Ticket, TicketDraft, ValidationErrors, validate_draft},
    learn::{ModelError, load_models},
    store::{Store, StoreError},
    triage::{RuleSet, RulesError, TriageEngine, TriageResult, Triager},
};

/// Why the triage engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The rules file is invalid.
    #[error("cannot load the routing rules: {0}")]
    Rules(#[from] RulesError),
    /// A model file is missing or invalid.
    #[error("cannot load a learned model: {0}")]
    Model(#[from] ModelError),
}

/// The triage engine the settings describe: the rules of `rules_path` (or the built-in ones), the
/// learned models, the triage settings, and the result cache.
pub fn engine_from_settings(settings: &Settings) -> Result<TriageEngine, EngineError> {
    let rules = match &settings.rules_path {
        Some(path) => RuleSet::load(path)?,
        None => RuleSet::builtin(),
    };
    let models = load_models(&settings.models)?;
    let triager = Triager::with_models(settings.triage_settings(), Arc::new(rules), models);
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
        // A retry is answered here without triage or the write lock; `record_triage` checks the key
        // again inside its transaction, so two first attempts racing each other still store once.
        if let (false, Some(request_id)) = (options.dry_run, request_id)
            && let Some(first) = self.store.find_request(request_id).await?
        {
            return Ok(Accepted { ticket: first.ticket, result: first.result, replayed: true });
        }
        let (ticket, result) = decide(&self.engine, &self.limits, draft, now)?;
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
        let decided = decide_off_runtime(&self.engine, self.limits, items, now).await;
        let mut outcomes: Vec<Result<Accepted, IntakeError>> = Vec::with_capacity(decided.len());
        let mut to_store: Vec<(usize, Ticket, TriageResult)> = Vec::new();
        for (decision, dry_run) in decided {
            match decision {
                Err(err) => outcomes.push(Err(err)),
                Ok((ticket, result)) => {
                    if !dry_run {
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

/// Items validated and triaged per blocking task: large enough to be worth a hand-off, small enough
/// that a batch spreads over every core.
const DECIDE_CHUNK: usize = 16;

/// A validated, triaged and settled ticket, or why it was refused; with the item's dry-run flag.
pub type Decision = (Result<(Ticket, TriageResult), IntakeError>, bool);

/// Validates and triages `items` on the blocking pool, in chunks that run in parallel, so that
/// CPU-bound triage never holds up the runtime threads serving other calls. Order is kept.
pub async fn decide_off_runtime(
    engine: &Arc<TriageEngine>,
    limits: Limits,
    items: Vec<BatchItem>,
    now: DateTime<Utc>,
) -> Vec<Decision> {
    let mut tasks = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<BatchItem> = items.by_ref().take(DECIDE_CHUNK).collect();
        let engine = engine.clone();
        tasks.push((
            chunk.len(),
            tokio::task::spawn_blocking(move || {
                chunk
                    .into_iter()
                    .map(|item| (decide(&engine, &limits, item.draft, now), item.dry_run))
                    .collect::<Vec<_>>()
            }),
        ));
    }
    let mut decided = Vec::new();
    for (len, task) in tasks {
        match task.await {
            Ok(chunk) => decided.extend(chunk),
            Err(e) => {
                tracing::error!(error = %e, "a triage task failed");
                for _ in 0..len {
                    decided.push((Err(StoreError::internal("the triage task failed").into()), true));
                }
            }
        }
    }
    decided
}

/// Validates, triages and settles one draft.
fn decide(
    engine: &TriageEngine,
    limits: &Limits,
    draft: TicketDraft,
    now: DateTime<Utc>,
) -> Result<(Ticket, TriageResult), IntakeError> {
    let ticket = validate_draft(draft, limits, now, &mut rand::rng())?;
    let result = engine.triage(&ticket, now);
    Ok((result.settle(ticket), result))
}
