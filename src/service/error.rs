//! The application layer's one error type, carrying a small set of codes in the spirit of
//! quickwit's `ServiceErrorCode`: what a caller may be told, and (for internal failures) the cause
//! kept for the log. The gRPC layer maps the code to a status in one place.

use std::error::Error as StdError;

use crate::{
    domain::{PatchError, ValidationErrors},
    store::StoreError,
};

/// What kind of failure a [`ServiceError`] is; each maps to one gRPC status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceErrorCode {
    /// The request is invalid; field violations say where.
    InvalidArgument,
    /// The thing asked for does not exist.
    NotFound,
    /// The thing to create exists already.
    AlreadyExists,
    /// The request cannot be done in the current state; the message says what to do first.
    FailedPrecondition,
    /// The request would take more than a limit allows (the message names it); a smaller one would do.
    ResourceExhausted,
    /// The database cannot be reached; retry later.
    Unavailable,
    /// A fault of the service; the cause is logged, never sent.
    Internal,
}

/// Why a service operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad input, with every violation and its field path.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// What was not found, such as `ticket TKT-20261127-7K3QX9AB`.
    #[error("{0} not found")]
    NotFound(String),
    /// What exists already.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// Refused in the current state; the message says what to do first.
    #[error("{0}")]
    FailedPrecondition(String),
    /// Would take more than a limit allows; the message names it and says what to ask for instead.
    #[error("{0}")]
    ResourceExhausted(String),
    /// The database cannot be reached.
    #[error("the ticket store is unavailable; retry later")]
    Unavailable(#[source] Box<dyn StdError + Send + Sync>),
    /// The store cannot write or read for a storage fault it names (disk full, read-only, ...).
    #[error("the ticket store is unavailable: {0}; retry later (with the same request_id a retry never stores twice)")]
    StorageFault(crate::store::StorageFault, #[source] Box<dyn StdError + Send + Sync>),
    /// The server is shutting down; the message says how to carry on elsewhere.
    #[error("the server is shutting down; {0}")]
    ShuttingDown(String),
    /// Anything else; the cause is for the log.
    #[error("internal error; it has been logged")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl ServiceError {
    /// The error's code.
    pub fn code(&self) -> ServiceErrorCode {
        match self {
            ServiceError::Invalid(_) => ServiceErrorCode::InvalidArgument,
            ServiceError::NotFound(_) => ServiceErrorCode::NotFound,
            ServiceError::AlreadyExists(_) => ServiceErrorCode::AlreadyExists,
            ServiceError::FailedPrecondition(_) => ServiceErrorCode::FailedPrecondition,
            ServiceError::ResourceExhausted(_) => ServiceErrorCode::ResourceExhausted,
            ServiceError::Unavailable(_) | ServiceError::StorageFault(..) | ServiceError::ShuttingDown(_) => {
                ServiceErrorCode::Unavailable
            }
            ServiceError::Internal(_) => ServiceErrorCode::Internal,
        }
    }

    /// A single violation of `field`.
    pub fn field(field: &str, description: impl Into<String>) -> Self {
        ServiceError::Invalid(ValidationErrors::single(field, description))
    }

    /// An internal failure described for the log.
    pub fn internal(what: impl Into<String>) -> Self {
        let what: String = what.into();
        ServiceError::Internal(what.into())
    }

    /// The same error with `prefix.` in front of every field path (`ticket.title`).
    pub fn in_field(self, prefix: &str) -> Self {
        match self {
            ServiceError::Invalid(errors) => ServiceError::Invalid(errors.prefixed(prefix)),
            other => other,
        }
    }

    /// The field violations (empty unless the request was invalid).
    pub fn violations(&self) -> &[crate::domain::FieldViolation] {
        match self {
            ServiceError::Invalid(errors) => &errors.violations,
            _ => &[],
        }
    }

    /// The error and every cause, on one line, for the log.
    pub fn cause_chain(&self) -> String {
        cause_chain(self)
    }
}

/// An error and every cause, on one line, for the log (a cause whose words are already shown is left
/// out).
pub fn cause_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        source = cause.source();
    }
    text
}

impl From<ValidationErrors> for ServiceError {
    fn from(errors: ValidationErrors) -> Self {
        ServiceError::Invalid(errors)
    }
}

impl From<PatchError> for ServiceError {
    fn from(err: PatchError) -> Self {
        match err {
            PatchError::Invalid(errors) => ServiceError::Invalid(errors),
            PatchError::IllegalTransition { .. } => ServiceError::FailedPrecondition(err.to_string()),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ServiceError::NotFound(what),
            StoreError::AlreadyExists(what) => ServiceError::AlreadyExists(what),
            StoreError::FailedPrecondition(why) => ServiceError::FailedPrecondition(why),
            StoreError::Invalid(errors) => ServiceError::Invalid(errors),
            StoreError::Unavailable(_) => ServiceError::Unavailable(Box::new(err)),
            StoreError::Fault(fault, _) => ServiceError::StorageFault(fault, Box::new(err)),
            StoreError::Internal(_) => ServiceError::Internal(Box::new(err)),
        }
    }
}

impl From<tokio::task::JoinError> for ServiceError {
    fn from(err: tokio::task::JoinError) -> Self {
        ServiceError::Internal(format!("a background task failed: {err}").into())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbErr, RuntimeErr};

    use super::*;

    #[test]
    fn store_errors_keep_their_meaning_and_their_cause() {
        let err = ServiceError::from(StoreError::from(DbErr::Conn(RuntimeErr::Internal("socket refused".into()))));
        assert_eq!(err.code(), ServiceErrorCode::Unavailable);
        assert_eq!(err.to_string(), "the ticket store is unavailable; retry later");
        assert_eq!(
            err.cause_chain(),
            "the ticket store is unavailable; retry later: the database is unavailable: Connection Error: socket refused"
        );
        let err = ServiceError::from(StoreError::NotFound("ticket TKT-20261127-AAAAAAAA".into()));
        assert_eq!(
            (err.code(), err.to_string()),
            (ServiceErrorCode::NotFound, "ticket TKT-20261127-AAAAAAAA not found".into())
        );
        let err = ServiceError::field("title", "is required").in_field("ticket");
        assert_eq!(err.violations()[0].field, "ticket.title");
    }
}
