//! What a caller gets back when a call fails: the connection error, or the call's status with the
//! field violations a refused request carries (`google.rpc.BadRequest`).

use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::connect::ConnectError;

/// One field of a refused request and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field path, such as `ticket.title` or `tickets[2].requester_email`.
    pub field: String,
    /// Why.
    pub description: String,
}

/// Why an operation of [`HelpdeskClient`](crate::HelpdeskClient) failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The server answered with an error status.
    #[error("{}: {}", .0.code(), .0.message())]
    Status(#[from] Status),
}

impl ClientError {
    /// The status code (`Unavailable` for a failed connection).
    pub fn code(&self) -> Code {
        match self {
            ClientError::Connect(_) => Code::Unavailable,
            ClientError::Status(status) => status.code(),
        }
    }

    /// The field violations of an `INVALID_ARGUMENT` answer, in the server's order.
    pub fn field_violations(&self) -> Vec<FieldViolation> {
        let ClientError::Status(status) = self else { return Vec::new() };
        status
            .get_details_bad_request()
            .map(|details| {
                details
                    .field_violations
                    .into_iter()
                    .map(|v| FieldViolation { field: v.field, description: v.description })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use tonic_types::{ErrorDetails, FieldViolation as Wire};

    use super::*;

    #[test]
    fn violations_are_read_from_the_bad_request_details() {
        let details = ErrorDetails::with_bad_request(vec![
            Wire::new("ticket.title", "is required"),
            Wire::new("ticket.requester_email", "is not a valid e-mail address"),
        ]);
        let err = ClientError::from(Status::with_error_details(Code::InvalidArgument, "invalid request", details));
        assert_eq!(err.code(), Code::InvalidArgument);
        let fields: Vec<String> = err.field_violations().into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["ticket.title", "ticket.requester_email"]);
        assert_eq!(err.to_string(), "Client specified an invalid argument: invalid request");
        assert!(ClientError::from(Status::not_found("ticket x not found")).field_violations().is_empty());
    }
}
