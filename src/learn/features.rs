//! Text to hashed terms: lower-cased Unicode words, word bigrams and (optionally) character
//! n-grams inside words, each hashed with XXH3 into a fixed number of buckets.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::words::for_each_word;

/// The hash function's name as written in model files; a file naming another one is refused.
pub const HASH_NAME: &str = "xxh3-64";

/// Seeds that keep the kinds of term apart: the word "ab" and the character trigram "ab" differ.
const WORD_SEED: u64 = 0;
const BIGRAM_SEED: u64 = 2;
const CHAR_SEED: u64 = 3;

/// Longest word (in bytes) whose character n-grams are taken; longer ones are mostly noise.
const MAX_CHAR_WORD: usize = 40;

/// How a text becomes terms. Saved in the model file; prediction must use the training's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Terms are hashed into `2^bucket_bits` buckets.
    pub bucket_bits: u8,
    /// Longest word n-gram: 1 for single words, 2 to add pairs of neighbouring words.
    pub word_ngrams: u8,
    /// Character n-grams of words between these lengths (`[0, 0]` for none), e.g. `[3, 5]`.
    pub char_ngrams: [u8; 2],
    /// Buckets seen in fewer training tickets than this are dropped.
    pub min_df: u32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig { bucket_bits: 18, word_ngrams: 2, char_ngrams: [0, 0], min_df: 2 }
    }
}

impl FeatureConfig {
    /// Number of buckets.
    pub fn buckets(&self) -> usize {
        1 << self.bucket_bits
    }

    /// Why this configuration cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let [low, high] = self.char_ngrams;
        if !(8..=24).contains(&self.bucket_bits) {
            Some(format!("bucket_bits must be 8 to 24, got {}", self.bucket_bits))
        } else if !(1..=3).contains(&self.word_ngrams) {
            Some(format!("word_ngrams must be 1 to 3, got {}", self.word_ngrams))
        } else if (low, high) != (0, 0) && !(1 <= low && low <= high && high <= 8) {
            Some(format!("char_ngrams must be [0, 0] or lengths 1 <= low <= high <= 8, got [{low}, {high}]"))
        } else if self.min_df == 0 {
            Some("min_df must be at least 1".into())
        } else {
            None
        }
    }

    /// Appends the bucket of every term of `text` to `out` (a bucket repeats as often as its term).
    pub fn terms(&self, text: &str, out: &mut Vec<u32>) {
        let mask = (1u64 << self.bucket_bits) - 1;
        // The hashes of the last `word_ngrams - 1` words, newest last.
        let mut previous = [0u64; 2];
        let mut seen = 0usize;
        let mut lower = String::with_capacity(text.len());
        for_each_word(text, &mut lower, |word| {
            let hash = xxh3_64_with_seed(word.as_bytes(), WORD_SEED);
            out.push((hash & mask) as u32);
            let n = usize::from(self.word_ngrams);
            if n >= 2 && seen >= 1 {
                out.push((pair(previous[1], hash, BIGRAM_SEED) & mask) as u32);
            }
            if n >= 3 && seen >= 2 {
                out.push((pair(pair(previous[0], previous[1], BIGRAM_SEED), hash, BIGRAM_SEED) & mask) as u32);
            }
            previous = [previous[1], hash];
            seen += 1;
            self.char_terms(word, mask, out);
        });
    }

    /// Character n-grams of ` word ` (padded so that starts and ends count).
    fn char_terms(&self, word: &str, mask: u64, out: &mut Vec<u32>) {
        let [low, high] = self.char_ngrams;
        if low == 0 || word.len() > MAX_CHAR_WORD {
            return;
        }
        let mut padded = [0u8; MAX_CHAR_WORD + 2];
        let bytes = word.as_bytes();
        padded[0] = b' ';
        padded[1..=bytes.len()].copy_from_slice(bytes);
        padded[bytes.len() + 1] = b' ';
        let text = &padded[..bytes.len() + 2];
        // Byte offsets where characters start, so n-grams never split a character.
        let mut starts = [0usize; MAX_CHAR_WORD + 3];
        let mut count = 0;
        for (i, &b) in text.iter().enumerate() {
            if b & 0xC0 != 0x80 {
                starts[count] = i;
                count += 1;
            }
        }
        starts[count] = text.len();
        for n in usize::from(low)..=usize::from(high) {
            // A whole word of n - 2 characters is already a word term.
            for first in 0..(count + 1).saturating_sub(n) {
                let gram = &text[starts[first]..starts[first + n]];
                out.push((xxh3_64_with_seed(gram, CHAR_SEED) & mask) as u32);
            }
        }
    }
}

/// The hash of two hashes in order.
fn pair(a: u64, b: u64, seed: u64) -> u64 {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    xxh3_64_with_seed(&bytes, seed)
}

#[cfg(test)]
mod tests {
    use xxhash_rust::xxh3::xxh3_64;

    use super::*;

    fn terms(config: &FeatureConfig, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        config.terms(text, &mut out);
        out
    }

    #[test]
    fn the_hash_is_stable_across_builds() {
        // Model files store buckets of this hash: it must never change.
        assert_eq!(xxh3_64(b""), 0x2D06800538D394C2);
        assert_eq!(xxh3_64(b"refund"), 0xCF70F723ACC59CD1);
        assert_eq!(terms(&FeatureConfig::default(), "Refund twice"), [105681, 23990, 238640]);
        let config = FeatureConfig { bucket_bits: 16, word_ngrams: 1, ..FeatureConfig::default() };
        assert_eq!(terms(&config, "Refund"), [(xxh3_64_with_seed(b"refund", WORD_SEED) & 0xFFFF) as u32]);
    }

    #[test]
    fn unigrams_bigrams_and_char_ngrams() {
        let config = FeatureConfig { word_ngrams: 2, ..FeatureConfig::default() };
        let got = terms(&config, "Printer jammed again");
        assert_eq!(got.len(), 3 + 2);
        assert_eq!(terms(&config, "PRINTER  jammed, again"), got);
        assert_ne!(terms(&config, "again jammed printer"), got);
        let trigrams = FeatureConfig { word_ngrams: 3, ..config };
        assert_eq!(terms(&trigrams, "a b c d").len(), 4 + 3 + 2);
        let chars = FeatureConfig { word_ngrams: 1, char_ngrams: [3, 4], ..config };
        // " vpn " has 3 trigrams and 2 four-grams; "é" is one character of two bytes.
        assert_eq!(terms(&chars, "VPN").len(), 1 + 3 + 2);
        assert_eq!(terms(&chars, "café").len(), 1 + 4 + 3);
        assert!(terms(&config, "").is_empty());
    }

    #[test]
    fn configurations_are_checked() {
        assert_eq!(FeatureConfig::default().problem(), None);
        let bad = FeatureConfig { bucket_bits: 30, ..FeatureConfig::default() };
        assert!(bad.problem().is_some_and(|p| p.contains("bucket_bits")));
        let bad = FeatureConfig { char_ngrams: [4, 2], ..FeatureConfig::default() };
        assert!(bad.problem().is_some_and(|p| p.contains("char_ngrams")));
    }
}
