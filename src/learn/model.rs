//! The trained classifier: TF-IDF vectors scored by one weight per (row, label) plus a bias per
//! label, turned into probabilities with softmax. The most probable label is the prediction and
//! its probability the confidence.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    counter::TermCounter,
    tfidf::{TfIdf, sublinear_tf},
};
use crate::triage::TextModel;

/// How the model was trained; kept in the file for people, not used to predict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Tickets trained on.
    pub examples: usize,
    /// Tickets per label, in label order.
    pub label_counts: Vec<usize>,
    /// The input columns joined (with a new line) into the text.
    pub text_columns: Vec<String>,
    /// Passes over the tickets.
    pub epochs: u32,
    /// Seed of the ticket order.
    pub seed: u64,
    /// Adagrad learning rate.
    pub learning_rate: f32,
    /// L2 regularisation strength.
    pub l2: f32,
    /// Seconds training took.
    pub seconds: f64,
    /// When (RFC 3339).
    pub trained_at: String,
}

/// A trained text classifier.
#[derive(Debug)]
pub struct TextClassifier {
    label_column: String,
    labels: Vec<String>,
    tfidf: TfIdf,
    /// Per row its IDF, then its weight for each label: a term costs one fetch from memory.
    packed: Vec<f32>,
    bias: Vec<f32>,
    training: TrainingInfo,
    content_hash: String,
    version: String,
}

thread_local! {
    /// Scratch for prediction, so a prediction allocates only the lower-cased text and the label.
    static SCRATCH: RefCell<(Vec<u32>, TermCounter, Vec<f32>)> = RefCell::new(Default::default());
}

impl TextClassifier {
    /// Puts a classifier together, or says what does not fit (sizes, labels, non-finite numbers).
    pub fn new(
        label_column: String,
        labels: Vec<String>,
        tfidf: TfIdf,
        weights: Vec<f32>,
        bias: Vec<f32>,
        training: TrainingInfo,
    ) -> Result<Self, String> {
        if labels.len() < 2 {
            return Err(format!("a model needs at least 2 labels, got {}", labels.len()));
        }
        if let Some(label) = labels.iter().find(|l| l.trim().is_empty()) {
            return Err(format!("empty label {label:?}"));
        }
        let mut sorted: Vec<&String> = labels.iter().collect();
        sorted.sort();
        if let Some(pair) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("label {:?} appears twice", pair[0]));
        }
        if weights.len() != tfidf.len() * labels.len() || bias.len() != labels.len() {
            return Err(format!(
                "{} weights and {} biases do not fit {} rows and {} labels",
                weights.len(),
                bias.len(),
                tfidf.len(),
                labels.len()
            ));
        }
        if weights.iter().chain(&bias).any(|w| !w.is_finite()) {
            return Err("a weight is not a finite number".into());
        }
        let content_hash = content_hash(&label_column, &labels, &tfidf, &weights, &bias);
        let version = format!("{label_column}@{}", &content_hash[..12]);
        let rows = tfidf.idf().iter().zip(weights.chunks_exact(labels.len()));
        let packed = rows.flat_map(|(&idf, row)| std::iter::once(idf).chain(row.iter().copied())).collect();
        Ok(TextClassifier { label_column, labels, tfidf, packed, bias, training, content_hash, version })
    }

    /// The input column the labels came from.
    pub fn label_column(&self) -> &str {
        &self.label_column
    }

    /// The labels, in the order of the scores.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The vectoriser.
    pub fn tfidf(&self) -> &TfIdf {
        &self.tfidf
    }

    /// The weights, `rows x labels`, row-major.
    pub fn weights(&self) -> impl Iterator<Item = f32> + '_ {
        self.packed.chunks_exact(self.labels.len() + 1).flat_map(|row| row[1..].iter().copied())
    }

    /// One bias per label.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// How the model was trained.
    pub fn training(&self) -> &TrainingInfo {
        &self.training
    }

    /// SHA-256 (hex) of everything that decides predictions.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }

    /// The index of the most probable label and its probability; `None` when no term of `text`
    /// is known to the model.
    pub fn predict_index(&self, text: &str) -> Option<(usize, f32)> {
        SCRATCH.with(|scratch| {
            let (terms, counter, scores) = &mut *scratch.borrow_mut();
            terms.clear();
            self.tfidf.config().terms(text, terms);
            let stride = self.labels.len() + 1;
            scores.clear();
            scores.resize(self.labels.len(), 0.0);
            // The TF-IDF vector is scored as it is made and normalised at the end.
            let mut norm = 0.0f32;
            for &(term, count) in counter.count(terms) {
                let Some(row) = self.tfidf.row(term) else { continue };
                let row = &self.packed[row as usize * stride..(row as usize + 1) * stride];
                let value = sublinear_tf(count as usize) * row[0];
                norm += value * value;
                scores.iter_mut().zip(&row[1..]).for_each(|(score, weight)| *score += value * weight);
            }
            if norm == 0.0 {
                return None;
            }
            let scale = 1.0 / norm.sqrt();
            scores.iter_mut().zip(&self.bias).for_each(|(score, bias)| *score = *score * scale + bias);
            softmax(scores);
            scores.iter().copied().enumerate().fold(None, |best: Option<(usize, f32)>, (i, p)| match best {
                Some((_, q)) if q >= p => best,
                _ => Some((i, p)),
            })
        })
    }
}

impl TextModel for TextClassifier {
    fn predict(&self, text: &str) -> Option<(String, f64)> {
        // Rounded to 6 decimals so that the f32 arithmetic does not show as noise digits in results.
        self.predict_index(text).map(|(i, p)| (self.labels[i].clone(), (f64::from(p) * 1e6).round() / 1e6))
    }

    fn version(&self) -> &str {
        &self.version
    }
}

/// Turns scores into probabilities in place.
pub fn softmax(scores: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for score in scores.iter_mut() {
        *score = (*score - max).exp();
        sum += *score;
    }
    scores.iter_mut().for_each(|s| *s /= sum);
}

/// SHA-256 over the label column, the labels, the feature configuration and every number.
fn content_hash(label_column: &str, labels: &[String], tfidf: &TfIdf, weights: &[f32], bias: &[f32]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(label_column.as_bytes());
    for label in labels {
        hasher.update([0]);
        hasher.update(label.as_bytes());
    }
    let config = tfidf.config();
    hasher.update([0, config.bucket_bits, config.word_ngrams, config.char_ngrams[0], config.char_ngrams[1]]);
    hasher.update(config.min_df.to_le_bytes());
    tfidf.buckets().iter().for_each(|b| hasher.update(b.to_le_bytes()));
    for value in tfidf.idf().iter().chain(weights).chain(bias) {
        hasher.update(value.to_le_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::features::FeatureConfig;

    /// Two labels, two known words: "refund" (row 0) and "vpn" (row 1), IDF 1.
    fn two_words() -> TextClassifier {
        let config = FeatureConfig { bucket_bits: 16, word_ngrams: 1, char_ngrams: [0, 0], min_df: 1 };
        let fitted = TfIdf::fit(config, ["refund", "vpn"]);
        // Rows follow bucket order, which the hash decides: find which row is which word.
        let refund_row = fitted.vector("refund")[0].0 as usize;
        let tfidf = TfIdf::from_parts(config, fitted.buckets().to_vec(), vec![1.0, 1.0]).expect("valid");
        let mut weights = vec![0.0; 4];
        weights[refund_row * 2..refund_row * 2 + 2].copy_from_slice(&[2.0, -1.0]);
        weights[(1 - refund_row) * 2..(1 - refund_row) * 2 + 2].copy_from_slice(&[-1.0, 1.0]);
        let labels = vec!["billing".to_owned(), "network".to_owned()];
        TextClassifier::new("queue".into(), labels, tfidf, weights, vec![0.0, 0.5], TrainingInfo::default())
            .expect("consistent")
    }

    #[test]
    fn the_confidence_is_the_softmax_probability() {
        let model = two_words();
        // "refund": scores (2, -1 + 0.5); P(billing) = 1 / (1 + e^-2.5).
        let (label, confidence) = model.predict("Refund").expect("a known word");
        assert_eq!(label, "billing");
        assert!((confidence - 1.0 / (1.0 + (-2.5f64).exp())).abs() < 2e-6, "{confidence}");
        // Both words, each 1/sqrt(2): scores (1/sqrt(2), 0.5); billing wins by a little.
        let (label, confidence) = model.predict("vpn refund").expect("known words");
        assert_eq!(label, "billing");
        let margin = std::f64::consts::FRAC_1_SQRT_2 - 0.5;
        assert!((confidence - 1.0 / (1.0 + (-margin).exp())).abs() < 2e-6, "{confidence}");
        assert_eq!(model.predict("VPN").map(|(label, _)| label).as_deref(), Some("network"));
        assert_eq!(model.predict("nothing known"), None);
    }

    #[test]
    fn inconsistent_parts_are_refused() {
        let model = two_words();
        let rebuild = |labels: Vec<&str>, weights: Vec<f32>| {
            let labels = labels.into_iter().map(str::to_owned).collect();
            TextClassifier::new(
                "queue".into(),
                labels,
                model.tfidf.clone(),
                weights,
                vec![0.0, 0.0],
                TrainingInfo::default(),
            )
        };
        assert!(rebuild(vec!["a", "b"], vec![0.0; 4]).is_ok());
        assert!(rebuild(vec!["a", "a"], vec![0.0; 4]).is_err_and(|e| e.contains("appears twice")));
        assert!(rebuild(vec!["a", "b"], vec![0.0; 3]).is_err_and(|e| e.contains("do not fit")));
        assert!(rebuild(vec!["a", "b"], vec![f32::NAN; 4]).is_err_and(|e| e.contains("finite")));
        assert!(rebuild(vec!["a"], vec![0.0; 2]).is_err_and(|e| e.contains("at least 2 labels")));
    }
}
