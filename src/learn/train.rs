//! Training: multinomial logistic regression (softmax) on TF-IDF vectors, fitted by Adagrad over
//! the tickets in a seeded order, with class weights balanced so that rare labels count as much as
//! common ones, and L2 regularisation on the weights a ticket touches.

use std::time::Instant;

use rand::{SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;

use super::{
    features::FeatureConfig,
    model::{TextClassifier, TrainingInfo, softmax},
    tfidf::{SparseVector, TfIdf},
};

/// One labelled ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The text (columns joined with a new line, as at serve time).
    pub text: String,
    /// Its label.
    pub label: String,
}

/// How to train.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// How texts become terms.
    pub features: FeatureConfig,
    /// Passes over the tickets.
    pub epochs: u32,
    /// Seed of the ticket order.
    pub seed: u64,
    /// Adagrad learning rate.
    pub learning_rate: f32,
    /// L2 regularisation strength.
    pub l2: f32,
    /// The input columns joined into the text (recorded in the model file).
    pub text_columns: Vec<String>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureConfig::default(),
            epochs: 20,
            seed: 7,
            learning_rate: 0.1,
            l2: 1e-3,
            text_columns: Vec::new(),
        }
    }
}

/// Why no model could be trained.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// Fewer than two labels among the tickets.
    #[error("training needs tickets of at least 2 labels, got {0}")]
    TooFewLabels(usize),
    /// No ticket has a term seen often enough.
    #[error("no term occurs in at least {0} tickets; give more tickets or a lower min_df")]
    NoFeatures(u32),
    /// An option is out of range.
    #[error("{0}")]
    Options(String),
}

/// Trains a classifier of `label_column` on `examples`.
pub fn train(label_column: &str, examples: &[Example], options: &TrainOptions) -> Result<TextClassifier, TrainError> {
    let started = Instant::now();
    if let Some(problem) = options.features.problem() {
        return Err(TrainError::Options(problem));
    }
    let rate_ok = options.learning_rate.is_finite() && options.learning_rate > 0.0;
    let l2_ok = options.l2.is_finite() && options.l2 >= 0.0;
    if options.epochs == 0 || !rate_ok || !l2_ok {
        return Err(TrainError::Options("epochs and learning_rate must be positive, l2 at least 0".into()));
    }
    let mut labels: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        return Err(TrainError::TooFewLabels(labels.len()));
    }
    let targets: Vec<usize> =
        examples.iter().map(|e| labels.binary_search(&e.label).unwrap_or_else(|_| unreachable!())).collect();
    let mut counts = vec![0usize; labels.len()];
    targets.iter().for_each(|&t| counts[t] += 1);
    let tfidf = TfIdf::fit(options.features, examples.iter().map(|e| e.text.as_str()));
    if tfidf.is_empty() {
        return Err(TrainError::NoFeatures(options.features.min_df));
    }
    let vectors: Vec<SparseVector> = examples.iter().map(|e| tfidf.vector(&e.text)).collect();
    // Balanced class weights: n / (labels * count), so each label weighs the same in total.
    let class_weights: Vec<f32> =
        counts.iter().map(|&c| examples.len() as f32 / (labels.len() * c.max(1)) as f32).collect();
    let (weights, bias) = fit(&vectors, &targets, &class_weights, tfidf.len(), labels.len(), options);
    let training = TrainingInfo {
        examples: examples.len(),
        label_counts: counts,
        text_columns: options.text_columns.clone(),
        epochs: options.epochs,
        seed: options.seed,
        learning_rate: options.learning_rate,
        l2: options.l2,
        seconds: started.elapsed().as_secs_f64(),
        trained_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    TextClassifier::new(label_column.to_owned(), labels, tfidf, weights, bias, training).map_err(TrainError::Options)
}

/// Adagrad on the class-weighted cross-entropy; returns the weights (`rows x k`) and biases.
fn fit(
    vectors: &[SparseVector],
    targets: &[usize],
    class_weights: &[f32],
    rows: usize,
    k: usize,
    options: &TrainOptions,
) -> (Vec<f32>, Vec<f32>) {
    const EPSILON: f32 = 1e-8;
    let (mut weights, mut squares) = (vec![0.0f32; rows * k], vec![0.0f32; rows * k]);
    let (mut bias, mut bias_squares) = (vec![0.0f32; k], vec![0.0f32; k]);
    let mut order: Vec<usize> = (0..vectors.len()).filter(|&i| !vectors[i].is_empty()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let (rate, l2) = (options.learning_rate, options.l2);
    let mut gradient = Vec::with_capacity(k);
    for _ in 0..options.epochs {
        order.shuffle(&mut rng);
        for &i in &order {
            let vector = &vectors[i];
            gradient.clear();
            gradient.extend_from_slice(&bias);
            for &(row, value) in vector {
                let start = row as usize * k;
                gradient.iter_mut().zip(&weights[start..start + k]).for_each(|(g, w)| *g += w * value);
            }
            softmax(&mut gradient);
            gradient[targets[i]] -= 1.0;
            let scale = class_weights[targets[i]];
            gradient.iter_mut().for_each(|g| *g *= scale);
            for &(row, value) in vector {
                let start = row as usize * k;
                let (w, s) = (&mut weights[start..start + k], &mut squares[start..start + k]);
                for ((w, s), g) in w.iter_mut().zip(s.iter_mut()).zip(&gradient) {
                    let step = g * value + l2 * *w;
                    *s += step * step;
                    *w -= rate * step / (s.sqrt() + EPSILON);
                }
            }
            for ((b, s), g) in bias.iter_mut().zip(bias_squares.iter_mut()).zip(&gradient) {
                *s += g * g;
                *b -= rate * g / (s.sqrt() + EPSILON);
            }
        }
    }
    (weights, bias)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::triage::TextModel;

    pub(crate) fn tickets() -> Vec<Example> {
        let rows = [
            ("billing", "I was charged twice on my invoice, please refund the payment"),
            ("billing", "Refund request: the invoice amount is wrong"),
            ("billing", "Payment failed but my card was charged"),
            ("billing", "Need a copy of the invoice and a refund"),
            ("network", "The VPN drops every few minutes, cannot connect"),
            ("network", "Cannot connect to the wifi in the office"),
            ("network", "VPN connection times out from home"),
            ("network", "Office wifi is down, no network connection"),
            ("access", "Forgot my password and the account is locked"),
            ("access", "Please reset my password, cannot log in"),
            ("access", "Account locked after too many login attempts"),
            ("access", "Login fails, password reset link expired"),
        ];
        rows.iter().map(|(label, text)| Example { text: (*text).into(), label: (*label).into() }).collect()
    }

    pub(crate) fn options() -> TrainOptions {
        TrainOptions {
            features: FeatureConfig { bucket_bits: 16, min_df: 1, ..FeatureConfig::default() },
            ..TrainOptions::default()
        }
    }

    #[test]
    fn obvious_tickets_get_the_obvious_label() {
        let model = train("queue", &tickets(), &options()).expect("trains");
        assert_eq!(model.labels(), ["access", "billing", "network"]);
        assert_eq!(model.training().label_counts, [4, 4, 4]);
        for (text, label) in
            [("refund my invoice", "billing"), ("VPN will not connect", "network"), ("password reset please", "access")]
        {
            let (got, confidence) = model.predict(text).expect("known words");
            assert_eq!(got, label, "{text}");
            assert!(confidence > 0.5 && confidence <= 1.0, "{text}: {confidence}");
        }
        assert_eq!(model.predict("zebra xylophone"), None);
        assert!(model.version().starts_with("queue@") && model.version().len() == "queue@".len() + 12);
    }

    #[test]
    fn training_is_deterministic_for_a_seed() {
        let a = train("queue", &tickets(), &options()).expect("trains");
        let b = train("queue", &tickets(), &options()).expect("trains");
        assert_eq!(a.version(), b.version());
        assert!(a.weights().eq(b.weights()));
        let other = train("queue", &tickets(), &TrainOptions { seed: 8, ..options() }).expect("trains");
        assert_ne!(a.version(), other.version());
    }

    #[test]
    fn too_little_to_learn_from_is_an_error() {
        let one_label: Vec<Example> = tickets().into_iter().filter(|e| e.label == "billing").collect();
        assert_eq!(train("queue", &one_label, &options()).unwrap_err(), TrainError::TooFewLabels(1));
        let rare = TrainOptions { features: FeatureConfig { min_df: 100, ..options().features }, ..options() };
        assert_eq!(train("queue", &tickets(), &rare).unwrap_err(), TrainError::NoFeatures(100));
        let no_epochs = TrainOptions { epochs: 0, ..options() };
        assert!(matches!(train("queue", &tickets(), &no_epochs), Err(TrainError::Options(_))));
    }
}
