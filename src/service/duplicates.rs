//! Near-duplicate lookups for intake: the stored tickets and, within one batch, the batch's earlier
//! items whose text looks like a new ticket's, inside the configured window and threshold.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::similar::{SimilarQuery, find_similar_many, rank, rows_per_key};
use crate::{
    domain::Ticket,
    store::Store,
    triage::{
        result::SimilarTicket,
        settings::{DuplicateSettings, Hours},
        similarity::{Fingerprint, similarity},
    },
};

/// A ticket to look up with its text fingerprint; `stored` says whether it will be stored, and so
/// may be listed for the later items of its batch.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lookup<'a> {
    pub ticket: &'a Ticket,
    pub fingerprint: &'a Fingerprint,
    pub stored: bool,
}

/// For each lookup, the stored tickets and the earlier stored items of `lookups` that look like it:
/// created within the window before it, at least as similar as the threshold, most similar first
/// (then by ticket id), at most `max_results`. A failed store lookup is logged and finds nothing:
/// duplicates are advice, and never keep a ticket from being triaged.
pub(super) async fn find_similar(
    store: &Store,
    settings: &DuplicateSettings,
    lookups: &[Lookup<'_>],
) -> Vec<Vec<SimilarTicket>> {
    let queries: Vec<SimilarQuery<'_>> = lookups
        .iter()
        .map(|l| SimilarQuery {
            fingerprint: l.fingerprint,
            created_after: window_start(l.ticket.created_at, settings.window_hours),
            created_before: l.ticket.created_at,
            exclude: Some(l.ticket.ticket_id.as_str()),
            min_similarity: settings.min_similarity,
            limit: settings.max_results,
        })
        .collect();
    let mut found = find_similar_many(store, &queries).await.unwrap_or_else(|err| {
        let err = super::ServiceError::from(err);
        tracing::warn!(error = %err.cause_chain(), tickets = lookups.len(), "duplicate lookup failed; triaging without it");
        vec![Vec::new(); lookups.len()]
    });
    for (list, earlier) in found.iter_mut().zip(earlier_in_batch(settings, lookups)) {
        if !earlier.is_empty() {
            list.extend(earlier);
            rank(list, settings.max_results);
        }
    }
    found
}

/// The earliest creation time a ticket created at `created_at` looks back to (the start of time
/// rather than an overflow).
fn window_start(created_at: DateTime<Utc>, hours: Hours) -> DateTime<Utc> {
    created_at.checked_sub_signed(hours.duration()).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// For each lookup, the earlier stored items of the same batch that look like it (unsorted): the
/// newest [`rows_per_key`] items of each band key it shares, as the store would find them, compared
/// in memory (so a batch of many copies of one text costs each item the same).
fn earlier_in_batch(settings: &DuplicateSettings, lookups: &[Lookup<'_>]) -> Vec<Vec<SimilarTicket>> {
    let mut by_band: HashMap<i64, Vec<usize>> = HashMap::new();
    let per_key = rows_per_key(settings.max_results);
    let mut found = Vec::with_capacity(lookups.len());
    for (i, new) in lookups.iter().enumerate() {
        let (start, created_at) = (window_start(new.ticket.created_at, settings.window_hours), new.ticket.created_at);
        let mut compared = HashSet::new();
        let mut similar = Vec::new();
        let newest = |items: &Vec<usize>| items.iter().rev().take(per_key).copied().collect::<Vec<_>>();
        for j in new.fingerprint.bands.iter().filter_map(|key| by_band.get(key)).flat_map(newest) {
            let earlier = &lookups[j];
            let t = earlier.ticket;
            if !compared.insert(j)
                || t.created_at < start
                || t.created_at > created_at
                || t.ticket_id == new.ticket.ticket_id
            {
                continue;
            }
            let s = similarity(&new.fingerprint.signature, &earlier.fingerprint.signature);
            if s >= settings.min_similarity {
                similar.push(SimilarTicket { ticket_id: t.ticket_id.to_string(), similarity: s });
            }
        }
        found.push(similar);
        if new.stored {
            for &key in &new.fingerprint.bands {
                by_band.entry(key).or_default().push(i);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::{
        domain::{TicketDraft, TicketLimits, validate_draft},
        triage::similarity::fingerprint,
    };

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).single().expect("a valid time") + Duration::hours(hours)
    }

    fn ticket(n: u32, hours: i64, description: &str) -> Ticket {
        let draft = TicketDraft {
            ticket_id: Some(format!("TKT-20261127-B{n:07}")),
            title: "VPN down in the Berlin office".into(),
            description: description.into(),
            requester_email: "ana@example.com".into(),
            created_at: Some(at(hours)),
            ..TicketDraft::default()
        };
        validate_draft(draft, &TicketLimits::default(), at(100), &mut rand::rng()).expect("valid")
    }

    const TEXT: &str = "Nobody in the Berlin office can connect to the VPN, the client shows error 809 and times out.";

    #[test]
    fn earlier_stored_items_of_a_batch_are_listed() {
        let settings = DuplicateSettings { window_hours: hours(24.0), ..DuplicateSettings::default() };
        let tickets = [
            ticket(1, 0, TEXT),
            ticket(2, 0, "The printer on floor 3 jams on every single page."),
            ticket(3, 1, TEXT),
            ticket(4, 1, TEXT),
            ticket(5, 40, TEXT),
        ];
        let prints: Vec<Fingerprint> = tickets.iter().map(|t| fingerprint(&t.title, &t.description)).collect();
        let lookups: Vec<Lookup<'_>> = tickets
            .iter()
            .zip(&prints)
            .enumerate()
            .map(|(i, (ticket, fingerprint))| Lookup { ticket, fingerprint, stored: i != 2 })
            .collect();
        let ids: Vec<Vec<String>> = earlier_in_batch(&settings, &lookups)
            .into_iter()
            .map(|found| found.into_iter().map(|s| s.ticket_id[13..].to_owned()).collect())
            .collect();
        let expected: [&[&str]; 5] = [&[], &[], &["B0000001"], &["B0000001"], &[]];
        assert_eq!(ids, expected, "item 3 is a dry run; item 5 is outside the window");
    }

    fn hours(h: f64) -> Hours {
        Hours::new(h).expect("hours")
    }

    #[test]
    fn the_window_start_never_overflows() {
        assert_eq!(window_start(at(0), hours(72.0)), at(-72));
        assert_eq!(window_start(at(0), hours(0.5)), at(0) - Duration::minutes(30));
        assert_eq!(window_start(DateTime::<Utc>::MIN_UTC, hours(1.0)), DateTime::<Utc>::MIN_UTC);
    }
}
