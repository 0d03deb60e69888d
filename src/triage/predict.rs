//! Learned text classifiers as the pipeline sees them: a model that names a label with a
//! confidence, and which models are in use with the confidence each must reach to be trusted.

use std::{fmt, sync::Arc};

/// A trained text classifier: the label it predicts for a text, with a confidence in [0, 1].
pub trait TextModel: Send + Sync + fmt::Debug {
    /// The most likely label for `text` and its confidence; `None` when the text gives nothing to
    /// go on (no known word).
    fn predict(&self, text: &str) -> Option<(String, f64)>;

    /// Identifies the trained model (name and content hash); part of every cache key.
    fn version(&self) -> &str;
}

/// A model in use and the confidence its predictions must reach to decide.
#[derive(Debug, Clone)]
pub struct ModelUse {
    /// The model.
    pub model: Arc<dyn TextModel>,
    /// Predictions below this confidence are not used (the lexicon or the rules decide).
    pub min_confidence: f64,
}

impl ModelUse {
    /// The model's prediction for `text` with whether it reaches `min_confidence`.
    pub fn predict(&self, text: &str) -> Option<(String, f64, bool)> {
        self.model.predict(text).map(|(label, confidence)| {
            let confident = confidence >= self.min_confidence;
            (label, confidence, confident)
        })
    }
}

/// The models the pipeline consults; each is optional.
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// Predicts the category (labels are category names).
    pub category: Option<ModelUse>,
    /// Predicts the queue (labels are queue names).
    pub queue: Option<ModelUse>,
}

impl Models {
    /// Versions of the models in use, for cache keys and results: `category=<v>,queue=<v>`.
    pub fn version(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = &self.category {
            parts.push(format!("category={}>={}", m.model.version(), m.min_confidence));
        }
        if let Some(m) = &self.queue {
            parts.push(format!("queue={}>={}", m.model.version(), m.min_confidence));
        }
        parts.join(",")
    }
}
