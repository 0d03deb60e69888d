//! The one error of the benchmark: what failed, named by the scenario or step it happened in.

/// A failed step of the run.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {message}")]
pub struct BenchError {
    /// The scenario or step, such as `TriageTicket stored at 4 x 32`.
    pub step: String,
    /// What went wrong.
    pub message: String,
}

impl BenchError {
    /// An error of `step`.
    pub fn new(step: impl Into<String>, message: impl Into<String>) -> BenchError {
        BenchError { step: step.into(), message: message.into() }
    }
}

/// Adds the step's name to a plain error message.
pub trait InStep<T> {
    /// The error, named by `step`.
    fn in_step(self, step: &str) -> Result<T, BenchError>;
}

impl<T> InStep<T> for Result<T, String> {
    fn in_step(self, step: &str) -> Result<T, BenchError> {
        self.map_err(|message| BenchError::new(step, message))
    }
}
