//! The triage engine the settings describe: the rules of `rules_path` (or the built-in ones), the
//! learned models, the triage settings, and the result cache.

use std::{sync::Arc, time::Duration};

use crate::{
    config::Settings,
    learn::{ModelError, load_models},
    triage::{RuleSet, RulesError, TriageEngine, Triager},
};

/// Why the triage engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The rules file is invalid.
    #[error("cannot load the routing rules: {0}")]
    Rules(#[from] RulesError),
    /// A model file is missing or invalid.
    #[error("cannot load a learned model: {0}")]
    Model(#[from] ModelError),
}

/// Builds the engine: loads the rules and the models, sets up the cache.
pub fn engine_from_settings(settings: &Settings) -> Result<TriageEngine, EngineError> {
    let rules = match &settings.rules_path {
        Some(path) => RuleSet::load_within(path, &settings.limits.rules())?,
        None => RuleSet::builtin(),
    };
    let models = load_models(&settings.models)?;
    let triager = Triager::with_models(settings.triage_settings(), Arc::new(rules), models);
    Ok(TriageEngine::new(triager, settings.cache_enabled, Duration::from_secs(settings.cache_ttl)))
}

/// Where the rules in force come from: the rules file, or `built-in`.
pub fn rules_source(settings: &Settings) -> String {
    settings.rules_path.as_ref().map_or_else(|| "built-in".to_owned(), |p| p.display().to_string())
}
