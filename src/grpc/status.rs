//! The one mapping from the service layer's errors to `tonic::Status`, where every failure of an RPC
//! (or of one batch or stream item) is logged once with its cause chain. Callers get a code, a plain
//! message and, for bad input, field violations; internal causes are never sent. What an answer
//! carries is bounded (the message, the violations and their text), so an error travels in headers
//! far below the 8-16 KiB that proxies and clients accept, however many violations a request has.

use std::borrow::Cow;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation as WireViolation, StatusExt};

use crate::{
    domain::FieldViolation,
    proto,
    service::{ServiceError, ServiceErrorCode},
};

/// Most field violations one answer lists; the rest are counted in one more.
pub const MAX_VIOLATIONS: usize = 100;
/// Most bytes of violation text (paths and descriptions together) one answer lists.
pub const MAX_VIOLATION_TEXT_BYTES: usize = 2 * 1024;
/// Longest field path or description of one violation, in bytes.
pub const MAX_VIOLATION_PART_BYTES: usize = 512;
/// Longest status message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 512;

/// `text` cut to at most `max` bytes at a character boundary, `…` marking the cut.
pub fn bounded(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

/// The violations an answer lists: the first ones, within [`MAX_VIOLATIONS`] and
/// [`MAX_VIOLATION_TEXT_BYTES`], each part within [`MAX_VIOLATION_PART_BYTES`]; when some are left
/// out, one more (on the first one left out) says how many.
pub fn listed_violations(all: &[FieldViolation]) -> Vec<(String, String)> {
    let mut listed = Vec::with_capacity(all.len().min(MAX_VIOLATIONS + 1));
    let mut text = 0usize;
    for v in all {
        let field = bounded(&v.field, MAX_VIOLATION_PART_BYTES);
        let description = bounded(&v.description, MAX_VIOLATION_PART_BYTES);
        let size = field.len() + description.len();
        if listed.len() == MAX_VIOLATIONS || text + size > MAX_VIOLATION_TEXT_BYTES {
            break;
        }
        text += size;
        listed.push((field.into_owned(), description.into_owned()));
    }
    if let Some(first_left_out) = all.get(listed.len()) {
        let more = all.len() - listed.len();
        let description = format!(
            "and {more} more violation(s) not listed: an answer lists at most {MAX_VIOLATIONS} violations and \
             {MAX_VIOLATION_TEXT_BYTES} bytes of their text"
        );
        listed.push((bounded(&first_left_out.field, MAX_VIOLATION_PART_BYTES).into_owned(), description));
    }
    listed
}

/// An error's message, bounded; a cut one says how many violations there are in all.
fn message(err: &ServiceError) -> String {
    let text = err.to_string();
    if text.len() <= MAX_MESSAGE_BYTES {
        return text;
    }
    let count = err.violations().len();
    let tail = if count > 1 { format!(" ({count} violations in all)") } else { String::new() };
    format!("{}{tail}", bounded(&text, MAX_MESSAGE_BYTES - tail.len()))
}

/// The gRPC code of a service error code.
pub fn grpc_code(code: ServiceErrorCode) -> Code {
    match code {
        ServiceErrorCode::InvalidArgument => Code::InvalidArgument,
        ServiceErrorCode::NotFound => Code::NotFound,
        ServiceErrorCode::AlreadyExists => Code::AlreadyExists,
        ServiceErrorCode::FailedPrecondition => Code::FailedPrecondition,
        ServiceErrorCode::ResourceExhausted => Code::ResourceExhausted,
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
        message: message(err),
        field_violations: listed_violations(err.violations())
            .into_iter()
            .map(|(field, description)| proto::FieldViolation { field, description })
            .collect(),
    }
}

/// An error as an RPC's status (logged here).
pub fn to_status(err: ServiceError) -> Status {
    log(&err);
    let code = grpc_code(err.code());
    if err.violations().is_empty() {
        return Status::new(code, message(&err));
    }
    let wire: Vec<WireViolation> = listed_violations(err.violations())
        .into_iter()
        .map(|(field, description)| WireViolation::new(field, description))
        .collect();
    Status::with_error_details(code, message(&err), ErrorDetails::with_bad_request(wire))
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

    #[test]
    fn thousands_of_violations_travel_as_a_bounded_answer() {
        let mut errors = ValidationErrors::default();
        for i in 0..50_000 {
            errors.push(format!("ticket.tags[{i}]"), "must not be blank ünïcödé ".repeat(40));
        }
        let status = to_status(ServiceError::Invalid(errors));
        let details = status.get_details_bad_request().expect("bad request details");
        let listed = details.field_violations.len();
        assert!(listed > 1 && listed <= MAX_VIOLATIONS + 1, "{listed}");
        let last = details.field_violations.last().expect("a summary");
        assert!(last.description.starts_with(&format!("and {} more violation(s)", 50_000 - (listed - 1))), "{last:?}");
        assert!(status.message().len() <= MAX_MESSAGE_BYTES);
        assert!(status.message().ends_with("(50000 violations in all)"), "{}", status.message());
        let mut headers = http::HeaderMap::new();
        status.add_header(&mut headers).expect("headers");
        let size: usize = headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
        assert!(size < 6 * 1024, "{size} bytes of headers");
    }

    #[test]
    fn a_long_text_is_cut_at_a_character_boundary() {
        assert_eq!(bounded("short", 10), "short");
        let long = "é".repeat(100);
        let cut = bounded(&long, 11);
        assert!(cut.len() <= 11 && cut.ends_with('…'), "{cut}");
    }
}
