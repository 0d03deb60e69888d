//! TF-IDF over hashed terms: which buckets the training tickets used (each gets a row), their
//! inverse document frequency, and the sparse, L2-normalised vector of a text.

use super::features::FeatureConfig;

/// One sparse vector: (row, value) pairs sorted by row.
pub type SparseVector = Vec<(u32, f32)>;

/// Sublinear term frequency: `1 + ln(count)`.
pub fn sublinear_tf(count: usize) -> f32 {
    if count == 1 { 1.0 } else { 1.0 + (count as f32).ln() }
}

/// The buckets in use with their IDF, and the feature configuration that makes the terms.
#[derive(Debug, Clone, PartialEq)]
pub struct TfIdf {
    config: FeatureConfig,
    /// The bucket of each row, ascending.
    buckets: Vec<u32>,
    /// The IDF of each row.
    idf: Vec<f32>,
    /// One bit per bucket, set for buckets with a row: small enough to stay in cache.
    present: Vec<u64>,
    /// Rows before each 64-bucket word of `present`; a bucket's row is this plus the set bits
    /// below it in its word.
    rank: Vec<u32>,
}

impl TfIdf {
    /// Learns the buckets and IDF of `texts`: buckets in at least `min_df` texts get a row, with the
    /// smoothed IDF `ln((1 + n) / (1 + df)) + 1`.
    pub fn fit<'a>(config: FeatureConfig, texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut df = vec![0u32; config.buckets()];
        let mut terms = Vec::new();
        let mut documents = 0usize;
        for text in texts {
            terms.clear();
            config.terms(text, &mut terms);
            terms.sort_unstable();
            terms.dedup();
            for &bucket in &terms {
                df[bucket as usize] += 1;
            }
            documents += 1;
        }
        let n = documents as f64;
        let (buckets, idf) = df
            .iter()
            .enumerate()
            .filter(|(_, count)| **count >= config.min_df)
            .map(|(bucket, &count)| (bucket as u32, (((1.0 + n) / (1.0 + f64::from(count))).ln() + 1.0) as f32))
            .unzip();
        TfIdf::from_parts(config, buckets, idf).unwrap_or_else(|_| unreachable!("buckets come from the config"))
    }

    /// Rebuilds a fitted TF-IDF from its saved parts, or says what is inconsistent.
    pub fn from_parts(config: FeatureConfig, buckets: Vec<u32>, idf: Vec<f32>) -> Result<Self, String> {
        if let Some(problem) = config.problem() {
            return Err(problem);
        }
        if buckets.len() != idf.len() {
            return Err(format!("{} buckets but {} IDF values", buckets.len(), idf.len()));
        }
        if let Some(bad) = idf.iter().find(|v| !v.is_finite() || **v <= 0.0) {
            return Err(format!("IDF values must be positive, found {bad}"));
        }
        let mut present = vec![0u64; config.buckets().div_ceil(64)];
        let mut last = None;
        for &bucket in &buckets {
            if bucket as usize >= config.buckets() || last.is_some_and(|l| l >= bucket) {
                return Err(format!("bucket {bucket} is out of order or beyond {} buckets", config.buckets()));
            }
            present[bucket as usize / 64] |= 1 << (bucket % 64);
            last = Some(bucket);
        }
        let rank = present
            .iter()
            .scan(0u32, |before, word| {
                let here = *before;
                *before += word.count_ones();
                Some(here)
            })
            .collect();
        Ok(TfIdf { config, buckets, idf, present, rank })
    }

    /// The feature configuration.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// The bucket of each row.
    pub fn buckets(&self) -> &[u32] {
        &self.buckets
    }

    /// The IDF of each row.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// The row of `bucket`, if the bucket is in use.
    pub fn row(&self, bucket: u32) -> Option<u32> {
        let (word, bit) = (bucket as usize / 64, bucket % 64);
        let bits = self.present[word];
        (bits >> bit & 1 == 1).then(|| self.rank[word] + (bits & ((1u64 << bit) - 1)).count_ones())
    }

    /// Number of rows (buckets in use).
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// True when no bucket is in use.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// The vector of `text` into `out` (cleared first): sublinear term frequency `1 + ln(count)`
    /// times IDF, L2-normalised; terms whose bucket has no row are left out. `terms` is scratch.
    pub fn vector_into(&self, text: &str, terms: &mut Vec<u32>, out: &mut SparseVector) {
        terms.clear();
        out.clear();
        self.config.terms(text, terms);
        // Sorted buckets give ascending rows too, so the lookups below walk memory forwards.
        terms.sort_unstable();
        let mut norm = 0.0f32;
        for run in terms.chunk_by(|a, b| a == b) {
            let Some(row) = self.row(run[0]) else { continue };
            let value = sublinear_tf(run.len()) * self.idf[row as usize];
            norm += value * value;
            out.push((row, value));
        }
        let scale = 1.0 / norm.sqrt();
        out.iter_mut().for_each(|(_, value)| *value *= scale);
    }

    /// The vector of `text`.
    pub fn vector(&self, text: &str) -> SparseVector {
        let mut out = Vec::new();
        self.vector_into(text, &mut Vec::new(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unigrams() -> FeatureConfig {
        FeatureConfig { bucket_bits: 12, word_ngrams: 1, char_ngrams: [0, 0], min_df: 1 }
    }

    #[test]
    fn idf_is_smoothed_and_vectors_are_normalised() {
        let tfidf = TfIdf::fit(unigrams(), ["refund refund card", "card reader", "vpn"]);
        assert_eq!(tfidf.len(), 4);
        let idf_of = |word: &str| tfidf.vector(word)[0];
        let card = tfidf.idf[idf_of("card").0 as usize];
        let vpn = tfidf.idf[idf_of("vpn").0 as usize];
        assert!((card - ((4.0f32 / 3.0).ln() + 1.0)).abs() < 1e-6, "{card}");
        assert!((vpn - ((4.0f32 / 2.0).ln() + 1.0)).abs() < 1e-6, "{vpn}");
        let vector = tfidf.vector("Refund refund CARD and more unknown words");
        assert_eq!(vector.len(), 2);
        let refund = (1.0 + 2f32.ln()) * vpn;
        let expected = refund / (refund * refund + card * card).sqrt();
        let got = vector.iter().map(|(_, v)| *v).fold(0.0f32, f32::max);
        assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
        let norm: f32 = vector.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        assert!(tfidf.vector("nothing known here").is_empty());
    }

    #[test]
    fn rare_buckets_are_dropped_and_parts_are_checked() {
        let config = FeatureConfig { min_df: 2, ..unigrams() };
        let tfidf = TfIdf::fit(config, ["printer jam", "printer toner", "vpn"]);
        assert_eq!(tfidf.len(), 1);
        assert_eq!(TfIdf::from_parts(config, tfidf.buckets.clone(), tfidf.idf.clone()).as_ref(), Ok(&tfidf));
        assert!(TfIdf::from_parts(config, vec![3, 2], vec![1.0, 1.0]).is_err());
        assert!(TfIdf::from_parts(config, vec![1 << 12], vec![1.0]).is_err());
        assert!(TfIdf::from_parts(config, vec![1], vec![f32::NAN]).is_err());
        assert!(TfIdf::from_parts(config, vec![1], vec![]).is_err());
    }
}
