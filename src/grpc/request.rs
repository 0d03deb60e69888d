//! What the services read off every request besides its message: the caller, page sizes, optional
//! strings and times, the ticket a call is about.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tonic::{Request, Status};

use super::{convert::from_timestamp, status::bad_field};
use crate::{
    auth::{ANONYMOUS, Principal},
    domain::{
        Actor,
        limits::{NUL_REFUSED, has_nul},
    },
    store::PageRequest,
};

/// Metadata key naming the person or service on whose behalf a call is made; the audit log keeps it
/// as `on_behalf_of` in an entry's details, never as the actor.
pub const ACTOR_HEADER: &str = "x-helpdesk-actor";

/// Page size when a list request gives none.
pub const DEFAULT_PAGE_SIZE: u64 = 50;
/// Largest page size; larger requests are served this many.
pub const MAX_PAGE_SIZE: u64 = 1_000;

/// The actor of a call: the authenticated principal (`anonymous` without authentication), acting
/// for whoever the `x-helpdesk-actor` header names when it is printable and short.
pub fn actor<T>(request: &Request<T>) -> Actor {
    let principal = request.extensions().get::<Principal>().map_or(ANONYMOUS, |p| p.name.as_str());
    let on_behalf_of = request
        .metadata()
        .get(ACTOR_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|a| !a.is_empty() && a.len() <= 200)
        .map(str::to_owned);
    Actor::named(principal).on_behalf_of(on_behalf_of)
}

/// The time the caller gives the call, from its `grpc-timeout` header, if it sends one that reads
/// (see [`super::shed::grpc_timeout`] for the units).
pub fn caller_timeout<T>(request: &Request<T>) -> Option<Duration> {
    super::shed::grpc_timeout(request.metadata().get("grpc-timeout")?.to_str().ok()?)
}

/// Names the ticket a call is about in the call's span (never the requester's address or the text).
pub fn record_ticket(ticket_id: &str) {
    tracing::Span::current().record("ticket_id", ticket_id);
}

/// The page to serve for a requested size and token (AIP-158: size 0 means the default, larger
/// than the maximum means the maximum).
pub fn page(requested: i32, token: String) -> Result<PageRequest, Status> {
    let page_size = match requested {
        n if n < 0 => return Err(bad_field("page_size", "must not be negative")),
        0 => DEFAULT_PAGE_SIZE,
        n => (n as u64).min(MAX_PAGE_SIZE),
    };
    Ok(PageRequest { page_size, page_token: non_empty(token) })
}

/// A proto3 string field as an option: empty or blank means "not given".
pub fn non_empty(value: String) -> Option<String> {
    (!value.trim().is_empty()).then_some(value)
}

/// A text filter of a listing as an option (empty or blank: not given); a NUL character is refused
/// naming `field`, as it is in every stored text.
pub fn filter_text(field: &str, value: String) -> Result<Option<String>, Status> {
    if has_nul(&value) {
        return Err(bad_field(field, NUL_REFUSED));
    }
    Ok(non_empty(value))
}

/// An optional timestamp field as a time, refused naming `field`.
pub fn time(field: &str, ts: Option<prost_types::Timestamp>) -> Result<Option<DateTime<Utc>>, Status> {
    ts.map(|ts| from_timestamp(&ts).map_err(|e| bad_field(field, e))).transpose()
}

/// A required timestamp field as a time.
pub fn required_time(field: &str, ts: Option<prost_types::Timestamp>) -> Result<DateTime<Utc>, Status> {
    time(field, ts)?.ok_or_else(|| bad_field(field, "is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_follow_aip_158() {
        assert_eq!(page(0, String::new()).map(|p| p.page_size).ok(), Some(DEFAULT_PAGE_SIZE));
        assert_eq!(page(10, String::new()).map(|p| p.page_size).ok(), Some(10));
        assert_eq!(page(5_000, " ".into()).map(|p| (p.page_size, p.page_token)).ok(), Some((MAX_PAGE_SIZE, None)));
        assert!(page(-1, String::new()).is_err());
        assert_eq!(filter_text("queue", " ".into()).ok(), Some(None));
        assert_eq!(filter_text("queue", "a\0".into()).map_err(|s| s.code()), Err(tonic::Code::InvalidArgument));
    }

    #[test]
    fn the_callers_timeout_is_read_from_grpc_timeout() {
        let mut request = Request::new(());
        assert_eq!(caller_timeout(&request), None);
        for (value, expected) in
            [("5S", Duration::from_secs(5)), ("250m", Duration::from_millis(250)), ("2M", Duration::from_secs(120))]
        {
            request.metadata_mut().insert("grpc-timeout", value.parse().expect("ascii"));
            assert_eq!(caller_timeout(&request), Some(expected), "{value}");
        }
        request.metadata_mut().insert("grpc-timeout", "soon".parse().expect("ascii"));
        assert_eq!(caller_timeout(&request), None);
    }

    #[test]
    fn the_header_names_whom_the_caller_acts_for_never_the_actor() {
        let mut request = Request::new(());
        assert_eq!(actor(&request), Actor::named("anonymous"));
        request.metadata_mut().insert(ACTOR_HEADER, "billing-bot".parse().expect("ascii"));
        assert_eq!(actor(&request), Actor::named("anonymous").on_behalf_of(Some("billing-bot".into())));
    }
}
