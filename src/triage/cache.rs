//! The triage engine the services share: the [`Triager`] in force (replaced whole when the rules
//! are reloaded) with a cache of results keyed by a hash of everything that decides them (ticket
//! fields, whole age in hours, similar tickets, rules and model versions).

use std::{sync::Arc, time::Duration};

use arc_swap::ArcSwap;
use chrono::{DateTime, SecondsFormat, Utc};
use moka::sync::Cache;
use sha2::{Digest, Sha256};

use super::{
    pipeline::Triager,
    result::{SimilarTicket, TriageResult},
    rules::RuleSet,
    score::age_hours,
};
use crate::domain::Ticket;

/// Most results kept.
pub const MAX_CACHED_RESULTS: u64 = 100_000;

/// A cache key: SHA-256 of the fields that decide a result.
pub type CacheKey = [u8; 32];

/// Triages tickets, answering repeats from the cache. Shared through `Arc`.
pub struct TriageEngine {
    triager: ArcSwap<Triager>,
    cache: Option<Cache<CacheKey, Arc<TriageResult>>>,
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
    /// `triaged_at = now` and `from_cache = true`.
    pub fn triage(&self, ticket: &Ticket, now: DateTime<Utc>) -> TriageResult {
        self.triage_with(ticket, &[], now)
    }

    /// [`TriageEngine::triage`] knowing the earlier tickets that look like the same request.
    pub fn triage_with(&self, ticket: &Ticket, similar: &[SimilarTicket], now: DateTime<Utc>) -> TriageResult {
        let triager = self.triager.load();
        let Some(cache) = &self.cache else {
            return triager.triage_with(ticket, similar, now);
        };
        let key = cache_key(ticket, similar, now, triager.decision_version());
        if let Some(hit) = cache.get(&key) {
            let mut result = TriageResult::clone(&hit);
            result.ticket_id = ticket.ticket_id.to_string();
            result.triaged_at = now;
            result.from_cache = true;
            return result;
        }
        let result = triager.triage_with(ticket, similar, now);
        cache.insert(key, Arc::new(result.clone()));
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

/// The key of a ticket's result at `now` with these similar tickets under `version` (rules and
/// models): every field that can change the result (the id does not, the clock only through the
/// whole age in hours).
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
    part(ticket.created_at.to_rfc3339_opts(SecondsFormat::Nanos, true).as_bytes());
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
mod tests {
    use chrono::Duration as Hours;

    use super::*;
    use crate::testing::{now, ticket};
    use crate::triage::{RuleSet, TriageSettings};

    fn engine(enabled: bool) -> TriageEngine {
        let triager = Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin()));
        TriageEngine::new(triager, enabled, Duration::from_secs(3600))
    }

    #[test]
    fn the_engine_is_shareable_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<TriageEngine>();
        shareable::<Arc<TriageEngine>>();
    }

    #[test]
    fn a_repeat_is_served_from_the_cache_with_the_new_id() {
        let engine = engine(true);
        let first = ticket("Refund please", "I was charged twice on my invoice.");
        let fresh = engine.triage(&first, now());
        assert!(!fresh.from_cache);
        let mut second = first.clone();
        second.ticket_id = "TKT-20261127-BBBBBBBB".parse().expect("valid id");
        let later = now() + Hours::minutes(20);
        let hit = engine.triage(&second, later);
        assert!(hit.from_cache);
        assert_eq!(hit.ticket_id, "TKT-20261127-BBBBBBBB");
        assert_eq!(hit.triaged_at, later);
        assert_eq!(
            (hit.queue.as_str(), hit.score, hit.explanation.as_str()),
            (fresh.queue.as_str(), fresh.score, fresh.explanation.as_str())
        );
    }

    #[test]
    fn a_change_that_matters_misses() {
        let engine = engine(true);
        let t = ticket("Refund please", "I was charged twice on my invoice.");
        engine.triage(&t, now());
        assert!(!engine.triage(&t, now() + Hours::hours(1)).from_cache, "a new whole hour of age");
        let mut tiered = t.clone();
        tiered.metadata.insert("tier".into(), "gold".into());
        assert!(!engine.triage(&tiered, now()).from_cache);
        let mut retitled = t.clone();
        retitled.title.push('!');
        assert!(!engine.triage(&retitled, now()).from_cache);
    }

    #[test]
    fn a_different_rules_version_misses() {
        let t = ticket("Refund please", "I was charged twice on my invoice.");
        assert_eq!(
            cache_key(&t, &[], now(), "default@aaaaaaaaaaaa"),
            cache_key(&t, &[], now() + Hours::minutes(59), "default@aaaaaaaaaaaa")
        );
        assert_ne!(
            cache_key(&t, &[], now(), "default@aaaaaaaaaaaa"),
            cache_key(&t, &[], now(), "default@bbbbbbbbbbbb")
        );
        let other_rules =
            RuleSet::parse("name: other\ndefault_queue: elsewhere\nrules: []\n", crate::triage::RulesFormat::Yaml)
                .expect("valid");
        let a = engine(true);
        let b = TriageEngine::new(
            Triager::new(TriageSettings::default(), Arc::new(other_rules)),
            true,
            Duration::from_secs(3600),
        );
        assert_ne!(a.rules_version(), b.rules_version());
        assert_eq!(a.triage(&t, now()).queue, "billing");
        let other = b.triage(&t, now());
        assert!(!other.from_cache);
        assert_eq!(other.queue, "elsewhere");
    }

    #[test]
    fn a_disabled_cache_always_triages() {
        let engine = engine(false);
        let t = ticket("Refund please", "I was charged twice on my invoice.");
        engine.triage(&t, now());
        assert!(!engine.triage(&t, now()).from_cache);
        assert!(!engine.cache_enabled());
        assert!(!TriageEngine::new(Triager::clone(&engine.triager()), true, Duration::ZERO).cache_enabled());
    }
}
