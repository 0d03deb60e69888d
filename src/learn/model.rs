//! The trained classifier: TF-IDF vectors scored by one weight per (row, label) plus a bias per
//! label, turned into probabilities with softmax. The most probable label is the prediction and
//! its probability the confidence.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::tfidf::{SparseVector, TfIdf};
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
    /// `rows x labels`, row-major.
    weights: Vec<f32>,
    bias: Vec<f32>,
    training: TrainingInfo,
    content_hash: String,
    version: String,
}

thread_local! {
    /// Scratch buffers for prediction, so a prediction allocates only the label it returns.
    static SCRATCH: RefCell<(Vec<u32>, SparseVector, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
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
        Ok(TextClassifier { label_column, labels, tfidf, weights, bias, training, content_hash, version })
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
    pub fn weights(&self) -> &[f32] {
        &self.weights
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
            let (terms, vector, scores) = &mut *scratch.borrow_mut();
            self.tfidf.vector_into(text, terms, vector);
            if vector.is_empty() {
                return None;
            }
            self.probabilities(vector, scores);
            scores.iter().copied().enumerate().fold(None, |best: Option<(usize, f32)>, (i, p)| match best {
                Some((_, q)) if q >= p => best,
                _ => Some((i, p)),
            })
        })
    }

    /// Softmax probabilities of every label for `vector` into `out`.
    pub fn probabilities(&self, vector: &[(u32, f32)], out: &mut Vec<f32>) {
        let k = self.labels.len();
        out.clear();
        out.extend_from_slice(&self.bias);
        for &(row, value) in vector {
            let start = row as usize * k;
            for (score, weight) in out.iter_mut().zip(&self.weights[start..start + k]) {
                *score += weight * value;
            }
        }
        softmax(out);
    }
}

impl TextModel for TextClassifier {
    fn predict(&self, text: &str) -> Option<(String, f64)> {
        self.predict_index(text).map(|(i, p)| (self.labels[i].clone(), f64::from(p)))
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
