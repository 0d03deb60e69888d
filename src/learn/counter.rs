//! Counting the terms of one text without sorting them: a small open-addressing table reused
//! from one prediction to the next, with a stamp per call so that it never needs clearing.

/// Slots of the table: a power of two well above the distinct terms of a long ticket.
const SLOTS: usize = 1024;

/// Counts terms; keep one per thread and reuse it.
#[derive(Debug, Default)]
pub struct TermCounter {
    /// Distinct terms with their counts, in first-seen order.
    counted: Vec<(u32, u32)>,
    /// (stamp of the call that used the slot, index into `counted`); older stamps mean free.
    slots: Vec<(u32, u32)>,
    stamp: u32,
}

impl TermCounter {
    /// Each distinct term of `terms` with how often it occurs, in first-seen order (sorted instead
    /// when there are too many terms for the table).
    pub fn count(&mut self, terms: &mut [u32]) -> &[(u32, u32)] {
        self.counted.clear();
        if terms.len() > SLOTS / 2 {
            terms.sort_unstable();
            self.counted.extend(terms.chunk_by(|a, b| a == b).map(|run| (run[0], run.len() as u32)));
            return &self.counted;
        }
        if self.slots.is_empty() || self.stamp == u32::MAX {
            self.slots = vec![(0, 0); SLOTS];
            self.stamp = 0;
        }
        self.stamp += 1;
        for &term in terms.iter() {
            // Fibonacci hashing: the top bits of the product pick the slot.
            let mut slot = (term.wrapping_mul(0x9E37_79B1) >> (32 - SLOTS.trailing_zeros())) as usize;
            loop {
                let (stamp, index) = self.slots[slot];
                if stamp != self.stamp {
                    self.slots[slot] = (self.stamp, self.counted.len() as u32);
                    self.counted.push((term, 1));
                    break;
                }
                if self.counted[index as usize].0 == term {
                    self.counted[index as usize].1 += 1;
                    break;
                }
                slot = (slot + 1) % SLOTS;
            }
        }
        &self.counted
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    fn by_sorting(terms: &[u32]) -> BTreeMap<u32, u32> {
        let mut counts = BTreeMap::new();
        terms.iter().for_each(|t| *counts.entry(*t).or_default() += 1);
        counts
    }

    #[test]
    fn terms_are_counted_in_first_seen_order() {
        let mut counter = TermCounter::default();
        assert_eq!(counter.count(&mut [7, 3, 7, 1 << 20, 3, 7]), [(7, 3), (3, 2), (1 << 20, 1)]);
        assert_eq!(counter.count(&mut [3]), [(3, 1)], "the previous call's counts are gone");
        assert_eq!(counter.count(&mut []), []);
        let mut many: Vec<u32> = (0..2000).map(|i| i % 700).collect();
        let counted: BTreeMap<u32, u32> = counter.count(&mut many).iter().copied().collect();
        assert_eq!(counted, by_sorting(&(0..2000).map(|i| i % 700).collect::<Vec<_>>()));
    }

    proptest! {
        #[test]
        fn counts_match_sorting(calls in proptest::collection::vec(proptest::collection::vec(0u32..5000, 0..400), 1..4)) {
            let mut counter = TermCounter::default();
            for mut terms in calls {
                let expected = by_sorting(&terms);
                let counted = counter.count(&mut terms);
                prop_assert_eq!(counted.len(), expected.len());
                prop_assert_eq!(counted.iter().copied().collect::<BTreeMap<_, _>>(), expected);
            }
        }
    }
}
