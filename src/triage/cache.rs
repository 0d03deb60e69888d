//! The triage engine the services share: the [`Triager`] in force (replaced whole when the rules
//! are reloaded) with a cache of results keyed by a hash of everything that decides them (ticket
//! fields, whole age in hours, similar tickets, rules and model versions). What the clock decides
//! beyond the age (when the first response is due, when the triage ran) is worked out again on a hit.

use std::{sync::Arc, time::Duration};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use moka::sync::Cache;
use sha2::{Digest, Sha256};

use super::{
    explain::with_due,
    pipeline::{Decided, Triager, due_after},
    result::{SimilarTicket, TriageResult},
    rules::RuleSet,
    score::age_hours,
    text::TicketText,
};
use crate::domain::Ticket;

/// Most results kept.
pub const MAX_CACHED_RESULTS: u64 = 100_000;

/// A cache key: SHA-256 of the fields that decide a result.
pub type CacheKey = [u8; 32];

/// Triages tickets, answering repeats from the cache. Shared through `Arc`.
pub struct TriageEngine {
    triager: ArcSwap<Triager>,
    cache: Option<Cache<CacheKey, Arc<Decided>>>,
}

impl TriageEngine {
    /// An engine around `triager`; results live `ttl` in the cache when `cache_enabled` (a zero
    /// TTL disables the cache).
    pub fn new(triager: Triager, cache_enabled: bool, ttl: Duration) -> Self {
        let cache = (cache_enabled && !ttl.is_zero())
            .then(|| Cache::builder().max_capacity(MAX_CACHED_RESULTS).time_to_live(ttl).build());
        TriageEngine { triager: ArcSwap::from_pointee(triager), cache }
    }

    /// Triages a validated ticket as of `now`; a cached result is returned with this ticket's id,
    /// its own response due time, `triaged_at = now` and `from_cache = true`.
    pub fn triage(&self, ticket: &Ticket, now: DateTime<Utc>) -> TriageResult {
        self.triage_with(ticket, &[], now)
    }

    /// [`TriageEngine::triage`] knowing the earlier tickets that look like the same request.
    pub fn triage_with(&self, ticket: &Ticket, similar: &[SimilarTicket], now: DateTime<Utc>) -> TriageResult {
        self.answer(ticket, similar, now, || TicketText::new(&ticket.title, &ticket.description))
    }

    /// [`TriageEngine::triage_with`] for a ticket whose text was already read (for its fingerprint);
    /// `text` must be the ticket's own.
    pub fn triage_text(
        &self,
        ticket: &Ticket,
        text: &TicketText,
        similar: &[SimilarTicket],
        now: DateTime<Utc>,
    ) -> TriageResult {
        self.answer(ticket, similar, now, || text)
    }

    /// The cached decision for this ticket at `now`, or a fresh triage of its text (read only then).
    fn answer<T: std::borrow::Borrow<TicketText>>(
        &self,
        ticket: &Ticket,
        similar: &[SimilarTicket],
        now: DateTime<Utc>,
        text: impl FnOnce() -> T,
    ) -> TriageResult {
        let triager = self.triager.load();
        let Some(cache) = &self.cache else {
            return triager.decide(ticket, text().borrow(), similar, now).result;
        };
        let key = cache_key(ticket, similar, now, triager.decision_version());
        if let Some(hit) = cache.get(&key) {
            return answered_from(&hit, ticket, now);
        }
        let decided = triager.decide(ticket, text().borrow(), similar, now);
        let result = decided.result.clone();
        cache.insert(key, Arc::new(decided));
        result
    }

    /// Puts `rules` in force for every later triage (settings and models stay). Cached results of
    /// the old rules are never served again: their keys name the old version. Returns the old rules.
    pub fn replace_rules(&self, rules: RuleSet) -> Arc<RuleSet> {
        let old = self.triager.load_full();
        self.triager.store(Arc::new(old.with_rules(Arc::new(rules))));
        old.rules_arc()
    }

    /// Version of the rules in force.
    pub fn rules_version(&self) -> String {
        self.triager.load().rules_version().to_owned()
    }

    /// The triager in force now.
    pub fn triager(&self) -> Arc<Triager> {
        self.triager.load_full()
    }

    /// How many results the cache holds now (0 without a cache).
    pub fn cached_results(&self) -> u64 {
        self.cache.as_ref().map_or(0, |cache| {
            cache.run_pending_tasks();
            cache.entry_count()
        })
    }

    /// Whether results are cached.
    pub fn cache_enabled(&self) -> bool {
        self.cache.is_some()
    }
}

impl std::fmt::Debug for TriageEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriageEngine")
            .field("rules_version", &self.rules_version())
            .field("cached_results", &self.cache.as_ref().map(Cache::entry_count))
            .finish()
    }
}

/// A cached decision as the answer for `ticket` at `now`: its id, the response due time from its own
/// creation (and the explanation's sentence saying it), `triaged_at` and `from_cache`.
fn answered_from(hit: &Decided, ticket: &Ticket, now: DateTime<Utc>) -> TriageResult {
    let mut result = hit.result.clone();
    result.ticket_id = ticket.ticket_id.to_string();
    result.sla_due_at = due_after(ticket.created_at, hit.sla_hours);
    if result.sla_due_at != hit.result.sla_due_at {
        result.explanation = with_due(&hit.result.explanation, result.sla_due_at);
    }
    result.triaged_at = now;
    result.from_cache = true;
    result
}

/// The key of a ticket's result at `now` with these similar tickets under `version` (rules and
/// models): every field that can change the result (the id does not, nor the creation time but
/// through the whole age in hours at `now`).
pub fn cache_key(ticket: &Ticket, similar: &[SimilarTicket], now: DateTime<Utc>, version: &str) -> CacheKey {
    let mut hash = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(bytes);
    };
    part(version.as_bytes());
    part(ticket.title.as_bytes());
    part(ticket.description.as_bytes());
    part(ticket.requester_email.as_bytes());
    part(ticket.category.map_or("", |c| c.as_str()).as_bytes());
    part(ticket.priority.as_str().as_bytes());
    part(&[u8::from(ticket.priority_given)]);
    part(ticket.status.as_str().as_bytes());
    part(&age_hours(ticket.created_at, now).to_be_bytes());
    part(&(ticket.tags.len() as u64).to_be_bytes());
    for tag in &ticket.tags {
        part(tag.as_bytes());
    }
    part(&(ticket.metadata.len() as u64).to_be_bytes());
    for (key, value) in &ticket.metadata {
        part(key.as_bytes());
        part(value.as_bytes());
    }
    part(&(similar.len() as u64).to_be_bytes());
    for s in similar {
        part(s.ticket_id.as_bytes());
        part(&s.similarity.to_bits().to_be_bytes());
    }
    hash.finalize().into()
}

#[cfg(test)]
mod tests;
