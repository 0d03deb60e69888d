//! The gRPC layer's one error type and its one mapping to `tonic::Status`. Internal causes are logged
//! here and never sent: callers get a code, a plain message and, for bad input, field violations.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation as WireViolation, StatusExt};

use crate::{domain::ValidationErrors, intake::IntakeError, proto, store::StoreError};

/// Why an RPC (or one item of a batch or stream) failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input: every violation with its field path.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Invalid(errors)
    }
}

impl From<IntakeError> for ApiError {
    fn from(err: IntakeError) -> Self {
        match err {
            IntakeError::Invalid(errors) => ApiError::Invalid(errors),
            IntakeError::Store(err) => ApiError::Store(err),
        }
    }
}

impl ApiError {
    /// A single violation of `field`.
    pub fn field(field: &str, description: impl Into<String>) -> Self {
        ApiError::Invalid(ValidationErrors::single(field, description))
    }

    /// The code, the message a caller may see, and the violations.
    fn parts(&self) -> (Code, String, &[crate::domain::FieldViolation]) {
        match self {
            ApiError::Invalid(errors) => (Code::InvalidArgument, errors.to_string(), &errors.violations),
            ApiError::Store(err) => match err {
                StoreError::Invalid(errors) => (Code::InvalidArgument, errors.to_string(), &errors.violations),
                StoreError::NotFound(_) => (Code::NotFound, err.to_string(), &[]),
                StoreError::AlreadyExists(_) => (Code::AlreadyExists, err.to_string(), &[]),
                StoreError::FailedPrecondition(_) | StoreError::IllegalTransition { .. } => {
                    (Code::FailedPrecondition, err.to_string(), &[])
                }
                StoreError::Unavailable(_) => {
                    tracing::error!(error = ?err, "store unavailable");
                    (Code::Unavailable, "the ticket store is unavailable; retry later".to_owned(), &[])
                }
                _ => {
                    tracing::error!(error = ?err, "internal error");
                    (Code::Internal, "internal error; it has been logged".to_owned(), &[])
                }
            },
        }
    }

    /// The error as one item's outcome in a batch or stream.
    pub fn to_item_error(&self) -> proto::ItemError {
        let (code, message, violations) = self.parts();
        proto::ItemError {
            code: code as i32,
            message,
            field_violations: violations
                .iter()
                .map(|v| proto::FieldViolation { field: v.field.clone(), description: v.description.clone() })
                .collect(),
        }
    }
}

impl From<ApiError> for Status {
    fn from(err: ApiError) -> Status {
        let (code, message, violations) = err.parts();
        if violations.is_empty() {
            return Status::new(code, message);
        }
        let wire: Vec<WireViolation> =
            violations.iter().map(|v| WireViolation::new(&v.field, &v.description)).collect();
        Status::with_error_details(code, message, ErrorDetails::with_bad_request(wire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_travel_as_bad_request_details() {
        let mut errors = ValidationErrors::single("ticket.title", "is required");
        errors.push("ticket.requester_email", "is not a valid e-mail address");
        let status: Status = ApiError::Invalid(errors).into();
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_details_bad_request().expect("bad request details");
        let fields: Vec<&str> = details.field_violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["ticket.title", "ticket.requester_email"]);
    }
}
