//! Finding the stored tickets whose text looks like a new one's: the band rows sharing a key with it
//! inside the window (the store reads them), the tickets sharing the most keys as candidates, their
//! stored signatures compared with the new one, the most similar listed first.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::{
    store::{Store, StoreError},
    triage::{
        result::SimilarTicket,
        similarity::{Fingerprint, similarity},
    },
};

/// Most tickets whose signatures one lookup compares: those sharing the most band keys with the new
/// text. A ticket at 0.8 similarity shares about 6.5 of 16 keys, an unrelated one seldom any.
pub const MAX_CANDIDATES: usize = 200;

/// Fewest band rows read per key: enough near-copies for a ranking even when `limit` is small.
const MIN_ROWS_PER_KEY: usize = 10;

/// Band rows read per key for a lookup listing at most `limit`: the newest that many. A flood of
/// copies of one text fills its list from them; older copies are not compared, so a lookup costs the
/// same however many copies are stored.
pub fn rows_per_key(limit: usize) -> usize {
    limit.max(MIN_ROWS_PER_KEY)
}

/// What a lookup looks for.
#[derive(Debug, Clone, Copy)]
pub struct SimilarQuery<'a> {
    /// The new ticket's fingerprint.
    pub fingerprint: &'a Fingerprint,
    /// Earliest creation time of a ticket listed (inclusive).
    pub created_after: DateTime<Utc>,
    /// Latest creation time of a ticket listed (inclusive).
    pub created_before: DateTime<Utc>,
    /// A ticket never listed (the new ticket itself).
    pub exclude: Option<&'a str>,
    /// Lowest similarity listed.
    pub min_similarity: f64,
    /// Most tickets listed.
    pub limit: usize,
}

/// The stored tickets whose text looks like the query's: within its window, at least its
/// similarity, most similar first (then by ticket id), at most its limit.
pub async fn find_similar(store: &Store, query: &SimilarQuery<'_>) -> Result<Vec<SimilarTicket>, StoreError> {
    Ok(find_similar_many(store, std::slice::from_ref(query)).await?.pop().unwrap_or_default())
}

/// [`find_similar`] for many queries at once: the band keys of all of them are read together (each
/// key once, its newest [`rows_per_key`] rows in the queries' combined window), then the candidates'
/// signatures. Answers are in query order.
pub async fn find_similar_many(
    store: &Store,
    queries: &[SimilarQuery<'_>],
) -> Result<Vec<Vec<SimilarTicket>>, StoreError> {
    let mut asking: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, q) in queries.iter().enumerate() {
        for &key in &q.fingerprint.bands {
            asking.entry(key).or_default().push(i);
        }
    }
    let mut answers = vec![Vec::new(); queries.len()];
    let asked = asking.values().flatten().map(|&i| &queries[i]);
    let (Some(after), Some(before)) =
        (asked.clone().map(|q| q.created_after).min(), asked.map(|q| q.created_before).max())
    else {
        return Ok(answers);
    };

    // Tickets by number, and per query how many keys each shares with it.
    let (mut tickets, mut numbers) = (Vec::<String>::new(), HashMap::<String, usize>::new());
    let mut shared: Vec<HashMap<usize, u32>> = vec![HashMap::new(); queries.len()];
    let keys: Vec<i64> = asking.keys().copied().collect();
    let per_key = queries.iter().map(|q| rows_per_key(q.limit)).max().unwrap_or(MIN_ROWS_PER_KEY);
    for row in store.band_rows(&keys, after, before, per_key as u64).await? {
        let number = *numbers.entry(row.ticket_id).or_insert_with_key(|id| {
            tickets.push(id.clone());
            tickets.len() - 1
        });
        for &i in asking.get(&row.band_key).into_iter().flatten() {
            let q = &queries[i];
            if (q.created_after..=q.created_before).contains(&row.created_at) && q.exclude != Some(&tickets[number]) {
                *shared[i].entry(number).or_default() += 1;
            }
        }
    }
    let candidates: Vec<Vec<usize>> = shared.into_iter().map(|s| best_candidates(s, &tickets)).collect();

    let wanted: HashSet<usize> = candidates.iter().flatten().copied().collect();
    let ids: Vec<&str> = wanted.into_iter().map(|n| tickets[n].as_str()).collect();
    let signatures = store.signatures(&ids).await?;
    for ((q, candidates), answer) in queries.iter().zip(candidates).zip(&mut answers) {
        *answer = candidates
            .into_iter()
            .filter_map(|number| {
                let ticket_id = &tickets[number];
                let similarity = similarity(&q.fingerprint.signature, signatures.get(ticket_id)?);
                (similarity >= q.min_similarity).then(|| SimilarTicket { ticket_id: ticket_id.clone(), similarity })
            })
            .collect();
        rank(answer, q.limit);
    }
    Ok(answers)
}

/// Most similar first, then by ticket id; each ticket once; at most `limit`.
pub(super) fn rank(similar: &mut Vec<SimilarTicket>, limit: usize) {
    similar.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then_with(|| a.ticket_id.cmp(&b.ticket_id)));
    let mut seen = HashSet::new();
    similar.retain(|s| seen.insert(s.ticket_id.clone()));
    similar.truncate(limit);
}

/// The tickets sharing the most band keys, at most [`MAX_CANDIDATES`] (ties by ticket id).
fn best_candidates(shared: HashMap<usize, u32>, tickets: &[String]) -> Vec<usize> {
    let mut ranked: Vec<(usize, u32)> = shared.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| tickets[a.0].cmp(&tickets[b.0])));
    ranked.into_iter().take(MAX_CANDIDATES).map(|(number, _)| number).collect()
}

#[cfg(test)]
mod tests;
