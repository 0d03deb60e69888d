//! Learned text classifiers trained on a team's own past tickets: features, model, training,
//! evaluation, and the model files the service loads.

pub mod counter;
pub mod dataset;
pub mod features;
pub mod file;
pub mod metrics;
pub mod model;
pub mod report;
pub mod tfidf;
pub mod train;
pub mod words;

use std::{path::PathBuf, sync::Arc};

pub use dataset::{DatasetError, InputFormat, LabelledTickets, TextColumns, holdout_split, read_labelled};
pub use metrics::Evaluation;
pub use model::TextClassifier;
pub use train::{Example, TrainError, TrainOptions, train};

use crate::{
    config::{ModelFile, ModelFiles},
    domain::Category,
    triage::{ModelUse, Models},
};

/// Why a model file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file could not be read or is not a model.
    #[error("model file {}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file could not be read or written.
    #[error("model file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Loads the models `files` names. A category model's labels must all be category names.
pub fn load_models(files: &ModelFiles) -> Result<Models, ModelError> {
    let category = files
        .category
        .as_ref()
        .map(|file| {
            let model = file::load(&file.path)?;
            let not_category = model.labels().iter().find_map(|l| l.parse::<Category>().err().map(|e| (l, e)));
            match not_category {
                Some((label, reason)) => Err(ModelError::File {
                    path: file.path.clone(),
                    message: format!(
                        "label {label:?} is not a category ({reason}); a category model must be trained on category names"
                    ),
                }),
                None => Ok(model_use(model, file)),
            }
        })
        .transpose()?;
    let queue = files.queue.as_ref().map(|file| file::load(&file.path).map(|m| model_use(m, file))).transpose()?;
    Ok(Models { category, queue })
}

fn model_use(model: TextClassifier, file: &ModelFile) -> ModelUse {
    ModelUse { model: Arc::new(model), min_confidence: file.min_confidence }
}
