//! The one mapping from the service layer's errors to `tonic::Status`, where every failure of an RPC
//! (or of one batch or stream item) is logged once with its cause chain. Callers get a code, a plain
//! message and, for bad input, field violations; internal causes are never sent.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation as WireViolation, StatusExt};

use crate::{
    proto,
    service::{ServiceError, ServiceErrorCode},
};

/// The gRPC code of a service error code.
pub fn grpc_code(code: ServiceErrorCode) -> Code {
    match code {
        ServiceErrorCode::InvalidArgument => Code::InvalidArgument,
        ServiceErrorCode::NotFound => Code::NotFound,
        ServiceErrorCode::AlreadyExists => Code::AlreadyExists,
        ServiceErrorCode::FailedPrecondition => Code::FailedPrecondition,
        ServiceErrorCode::Unavailable => Code::Unavailable,
        ServiceErrorCode::Internal => Code::Internal,
    }
}

/// Logs a failure whose cause the caller is not told, once, with its cause chain.
fn log(err: &ServiceError) {
    match err.code() {
        ServiceErrorCode::Internal => tracing::error!(error = %err.cause_chain(), "internal error"),
        ServiceErrorCode::Unavailable if !matches!(err, ServiceError::ShuttingDown(_)) => {
            tracing::warn!(error = %err.cause_chain(), "the ticket store is unavailable")
        }
        _ => {}
    }
}

/// An error as one item's outcome in a batch or stream (logged here).
pub fn item_error(err: &ServiceError) -> proto::ItemError {
    log(err);
    proto::ItemError {
        code: grpc_code(err.code()) as i32,
        message: err.to_string(),
        field_violations: err
            .violations()
            .iter()
            .map(|v| proto::FieldViolation { field: v.field.clone(), description: v.description.clone() })
            .collect(),
    }
}

/// An error as an RPC's status (logged here).
pub fn to_status(err: ServiceError) -> Status {
    log(&err);
    let code = grpc_code(err.code());
    if err.violations().is_empty() {
        return Status::new(code, err.to_string());
    }
    let wire: Vec<WireViolation> =
        err.violations().iter().map(|v| WireViolation::new(&v.field, &v.description)).collect();
    Status::with_error_details(code, err.to_string(), ErrorDetails::with_bad_request(wire))
}

/// A single violation of `field`, as a status.
pub fn bad_field(field: &str, description: impl Into<String>) -> Status {
    to_status(ServiceError::field(field, description))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ValidationErrors;

    #[test]
    fn validation_errors_travel_as_bad_request_details() {
        let mut errors = ValidationErrors::single("ticket.title", "is required");
        errors.push("ticket.requester_email", "is not a valid e-mail address");
        let status = to_status(ServiceError::Invalid(errors));
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_details_bad_request().expect("bad request details");
        let fields: Vec<&str> = details.field_violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["ticket.title", "ticket.requester_email"]);
    }

    #[test]
    fn internal_causes_are_not_sent() {
        let status = to_status(ServiceError::internal("SELECT secret FROM t failed"));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error; it has been logged");
        let item = item_error(&ServiceError::NotFound("ticket TKT-20261127-AAAAAAAA".into()));
        assert_eq!(
            (item.code, item.message.as_str()),
            (Code::NotFound as i32, "ticket TKT-20261127-AAAAAAAA not found")
        );
    }
}
