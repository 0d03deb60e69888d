//! Ticket intake: validate a draft, look for near-duplicates, triage it, store it with its audit
//! entry. Every way in (a gRPC call, a batch or stream item, the command line) goes through these
//! steps, and each decision is counted here (queue, priority, escalation, cache), outside the pure
//! triage core. CPU-bound work runs on the blocking pool.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    blocking::{decide_off_runtime, off_runtime, on_blocking_pool},
    duplicates::{Lookup, find_similar},
    error::ServiceError,
    records,
};
use crate::{
    domain::{Actor, Ticket, TicketDraft, TicketLimits, ticket::reused_request_id, validate_draft},
    metrics::record,
    store::{NewTriage, Store},
    triage::{
        TriageEngine, TriageResult,
        result::SimilarTicket,
        settings::DuplicateSettings,
        similarity::{Fingerprint, fingerprint, fingerprint_of},
        text::TicketText,
    },
};

/// What one intake should do besides triage.
#[derive(Debug, Clone, Copy)]
pub struct IntakeOptions<'a> {
    /// Triage without storing anything.
    pub dry_run: bool,
    /// Idempotency key: a retry with the same key gets the first answer.
    pub request_id: Option<&'a str>,
    /// Who asked, for the audit log.
    pub actor: &'a Actor,
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

/// The triage engine and the store, shared by every caller.
#[derive(Clone)]
pub struct Intake {
    engine: Arc<TriageEngine>,
    store: Store,
    limits: TicketLimits,
    duplicates: DuplicateSettings,
}

impl Intake {
    /// Intake over `engine` and `store`, validating against `limits`, looking for near-duplicates as
    /// the default [`DuplicateSettings`] say.
    pub fn new(engine: Arc<TriageEngine>, store: Store, limits: TicketLimits) -> Self {
        Intake { engine, store, limits, duplicates: DuplicateSettings::default() }
    }

    /// The same intake looking for near-duplicates as `settings` say. When they are disabled, no
    /// fingerprint is computed, looked up or stored.
    pub fn with_duplicates(mut self, settings: DuplicateSettings) -> Self {
        self.duplicates = settings;
        self
    }

    /// How near-duplicates are looked for.
    pub fn duplicates(&self) -> &DuplicateSettings {
        &self.duplicates
    }

    /// The validation limits in force.
    pub fn limits(&self) -> &TicketLimits {
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

    /// Earlier tickets that look like `ticket` (none when duplicates are not looked for). Reads only;
    /// a failed lookup finds nothing.
    pub async fn similar_to(&self, ticket: &Ticket) -> Vec<SimilarTicket> {
        let fingerprint = self.duplicates.enabled.then(|| fingerprint(&ticket.title, &ticket.description));
        self.similar(ticket, fingerprint.as_ref()).await
    }

    /// The earlier tickets whose text looks like `fingerprint`'s; none without a fingerprint.
    async fn similar(&self, ticket: &Ticket, fingerprint: Option<&Fingerprint>) -> Vec<SimilarTicket> {
        let Some(fingerprint) = fingerprint else { return Vec::new() };
        let lookup = Lookup { ticket, fingerprint, stored: false };
        find_similar(&self.store, &self.duplicates, &[lookup]).await.pop().unwrap_or_default()
    }

    /// Validates, looks up near-duplicates (on dry runs too: it only reads), triages and (unless a dry
    /// run) stores one ticket with the fingerprint of its text. A request id seen before replays the
    /// first answer when the ticket is the same, and is refused (FAILED_PRECONDITION) when it is not.
    pub async fn accept(
        &self,
        draft: TicketDraft,
        options: IntakeOptions<'_>,
        now: DateTime<Utc>,
    ) -> Result<Accepted, ServiceError> {
        let request_id = options.request_id.map(str::trim).filter(|r| !r.is_empty());
        // Validating and fingerprinting, then triage, run on the blocking pool; the lookup of
        // near-duplicates between them reads the store.
        let (limits, fingerprinted) = (self.limits, self.duplicates.enabled);
        // The text is read once, for the fingerprint and the triage.
        let (ticket, text, fingerprint) = on_blocking_pool(move || {
            let ticket = validate_draft(draft, &limits, now, &mut rand::rng())?;
            let text = fingerprinted.then(|| TicketText::new(&ticket.title, &ticket.description));
            let fingerprint = text.as_ref().map(fingerprint_of);
            Ok::<_, ServiceError>((ticket, text, fingerprint))
        })
        .await??;
        // A retry is answered here without triage or the write lock; `record_triage` checks the key
        // again inside its transaction, so two first attempts racing each other still store once.
        if let (false, Some(request_id)) = (options.dry_run, request_id)
            && let Some(first) = self.store.find_request(request_id).await?
        {
            if !ticket.same_submission(&first.ticket) {
                return Err(ServiceError::FailedPrecondition(reused_request_id(request_id, &first.ticket.ticket_id)));
            }
            return Ok(Accepted { ticket: first.ticket, result: first.result, replayed: true });
        }
        let similar = self.similar(&ticket, fingerprint.as_ref()).await;
        let engine = self.engine.clone();
        let (ticket, result) = on_blocking_pool(move || {
            let result = match &text {
                Some(text) => engine.triage_text(&ticket, text, &similar, now),
                None => engine.triage_with(&ticket, &similar, now),
            };
            (result.settle(ticket), result)
        })
        .await?;
        record::triage_decided(&result, self.engine.cache_enabled());
        if options.dry_run {
            return Ok(Accepted { ticket, result, replayed: false });
        }
        let record = records::triaged(&result, options.actor);
        let new = NewTriage { ticket, result, fingerprint, record };
        let stored = self.store.record_triage(&new, request_id).await?;
        // A first attempt that raced another one with the same request id got that one's answer:
        // nothing of it was written, and it is refused if it sent another ticket.
        if let Some(request_id) = request_id.filter(|_| stored.replayed && !new.ticket.same_submission(&stored.ticket))
        {
            return Err(ServiceError::FailedPrecondition(reused_request_id(request_id, &stored.ticket.ticket_id)));
        }
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

/// A validated, triaged and settled ticket with its text fingerprint (when duplicates are looked
/// for), or why it was refused; with the item's dry-run flag.
type Triaged = (Result<(Ticket, TriageResult, Option<Fingerprint>), ServiceError>, bool);

impl Intake {
    /// Validates and triages every item, then stores those to be stored in one transaction. Every
    /// item gets its own outcome, in order; an invalid item or a taken ticket id fails alone. Should
    /// the shared transaction fail, each item is stored on its own, so one cause cannot sink the rest.
    /// Near-duplicates are looked for among the stored tickets and the batch's earlier stored items.
    pub async fn accept_many(
        &self,
        items: Vec<BatchItem>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Vec<Result<Accepted, ServiceError>> {
        let decided: Vec<Triaged> = if self.duplicates.enabled {
            self.decide_with_duplicates(items, now).await
        } else {
            let decided = decide_off_runtime(&self.engine, self.limits, items, now).await;
            decided.into_iter().map(|(decision, dry_run)| (decision.map(|(t, r)| (t, r, None)), dry_run)).collect()
        };
        let mut outcomes: Vec<Result<Accepted, ServiceError>> = Vec::with_capacity(decided.len());
        let (mut positions, mut to_store) = (Vec::new(), Vec::new());
        for (decision, dry_run) in decided {
            match decision {
                Err(err) => outcomes.push(Err(err)),
                Ok((ticket, result, fingerprint)) => {
                    record::triage_decided(&result, self.engine.cache_enabled());
                    if !dry_run {
                        positions.push(outcomes.len());
                        let record = records::triaged(&result, actor);
                        to_store.push(NewTriage {
                            ticket: ticket.clone(),
                            result: result.clone(),
                            fingerprint,
                            record,
                        });
                    }
                    outcomes.push(Ok(Accepted { ticket, result, replayed: false }));
                }
            }
        }
        if to_store.is_empty() {
            return outcomes;
        }
        let stored = |s: crate::store::StoredTriage| Accepted { ticket: s.ticket, result: s.result, replayed: false };
        match self.store.record_triage_batch(&to_store).await {
            Ok(answers) => {
                for (position, outcome) in positions.into_iter().zip(answers) {
                    outcomes[position] = outcome.map(stored).map_err(ServiceError::from);
                }
            }
            Err(err) => {
                let err = ServiceError::from(err);
                tracing::warn!(error = %err.cause_chain(), items = to_store.len(), "batch transaction failed; storing items one by one");
                for (position, new) in positions.into_iter().zip(&to_store) {
                    outcomes[position] =
                        self.store.record_triage(new, None).await.map(stored).map_err(ServiceError::from);
                }
            }
        }
        outcomes
    }

    /// Validates and fingerprints the items on the blocking pool, looks up the near-duplicates of all
    /// of them at once, then triages them on the blocking pool knowing what was found.
    async fn decide_with_duplicates(&self, items: Vec<BatchItem>, now: DateTime<Utc>) -> Vec<Triaged> {
        let limits = self.limits;
        let prepared = off_runtime(items, move |item: BatchItem| {
            let ticket = validate_draft(item.draft, &limits, now, &mut rand::rng());
            let prepared = ticket.map(|t| {
                let text = TicketText::new(&t.title, &t.description);
                let fingerprint = fingerprint_of(&text);
                (t, text, fingerprint)
            });
            (prepared.map_err(ServiceError::from), item.dry_run)
        })
        .await;
        let lookups: Vec<Lookup<'_>> = prepared
            .iter()
            .filter_map(|(prepared, dry_run)| {
                let (ticket, _, fingerprint) = prepared.as_ref().ok()?;
                Some(Lookup { ticket, fingerprint, stored: !dry_run })
            })
            .collect();
        let mut similar = find_similar(&self.store, &self.duplicates, &lookups).await.into_iter();
        let ready: Vec<_> = prepared
            .into_iter()
            .map(|(prepared, dry_run)| {
                (prepared.map(|(t, x, f)| (t, x, f, similar.next().unwrap_or_default())), dry_run)
            })
            .collect();
        let engine = self.engine.clone();
        off_runtime(ready, move |(ready, dry_run)| {
            let triaged = ready.map(|(ticket, text, fingerprint, similar)| {
                let result = engine.triage_text(&ticket, &text, &similar, now);
                (result.settle(ticket), result, Some(fingerprint))
            });
            (triaged, dry_run)
        })
        .await
    }
}
