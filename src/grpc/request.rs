//! What the services read off every request besides its message: the caller, page sizes, the clock.

use tonic::Request;

use super::status::ApiError;

/// Metadata key naming the person or service on whose behalf a call is made (for the audit log).
pub const ACTOR_HEADER: &str = "x-helpdesk-actor";
/// Actor recorded when a call names none.
pub const DEFAULT_ACTOR: &str = "grpc";
/// Page size when a list request gives none.
pub const DEFAULT_PAGE_SIZE: u64 = 50;
/// Largest page size; larger requests are served this many.
pub const MAX_PAGE_SIZE: u64 = 1_000;

/// The actor of a call: the `x-helpdesk-actor` header when it is printable and short, else `grpc`.
pub fn actor<T>(request: &Request<T>) -> String {
    request
        .metadata()
        .get(ACTOR_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|a| !a.is_empty() && a.len() <= 200)
        .unwrap_or(DEFAULT_ACTOR)
        .to_owned()
}

/// Names the ticket a call is about in the call's span (never the requester's address or the text).
pub fn record_ticket(ticket_id: &str) {
    tracing::Span::current().record("ticket_id", ticket_id);
}

/// The page size to serve for a requested one (AIP-158: 0 means the default, larger means the maximum).
pub fn page_size(requested: i32) -> Result<u64, ApiError> {
    match requested {
        n if n < 0 => Err(ApiError::field("page_size", "must not be negative")),
        0 => Ok(DEFAULT_PAGE_SIZE),
        n => Ok((n as u64).min(MAX_PAGE_SIZE)),
    }
}

/// A proto3 string field as an option: empty or blank means "not given".
pub fn non_empty(value: String) -> Option<String> {
    (!value.trim().is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_follow_aip_158() {
        assert_eq!(page_size(0).ok(), Some(DEFAULT_PAGE_SIZE));
        assert_eq!(page_size(10).ok(), Some(10));
        assert_eq!(page_size(5_000).ok(), Some(MAX_PAGE_SIZE));
        assert!(page_size(-1).is_err());
    }

    #[test]
    fn the_actor_comes_from_the_header() {
        let mut request = Request::new(());
        assert_eq!(actor(&request), "grpc");
        request.metadata_mut().insert(ACTOR_HEADER, "billing-bot".parse().expect("ascii"));
        assert_eq!(actor(&request), "billing-bot");
    }
}
