//! Page tokens: the first byte gives the requested page size (its value as a signed byte, times 16)
//! and how the rest is the token: as text (odd byte) or as the bytes inside the base64 (even byte,
//! so the fuzzer works on the JSON the token carries). The token is decoded as both listings do:
//! tickets by `(created_at, ticket_id)`, audit entries by sequence.
//!
//! Checks: negative sizes are refused and others clamped; a blank token is the first page; a token
//! that decodes re-encodes to a token that decodes to the same position; a token never works with
//! other filters.

#![no_main]

use std::fmt::Debug;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use helpdesk_ai::{
    grpc::request::{MAX_PAGE_SIZE, page},
    store::{PageRequest, StoreError},
};
use helpdesk_ai_fuzz::check_status;
use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};

/// The filters' fingerprint the tokens are checked against (any 16 hex digits do).
const FILTERS: &str = "5f1c0e4b9a2d7e63";
/// Another listing's.
const OTHER_FILTERS: &str = "0000000000000000";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let token = if mode & 1 == 1 { String::from_utf8_lossy(rest).into_owned() } else { URL_SAFE_NO_PAD.encode(rest) };
    let size = i32::from(mode as i8) * 16;
    let blank = token.trim().is_empty();
    let request = match page(size, token) {
        Ok(request) => request,
        Err(status) => {
            assert!(size < 0);
            return check_status(&status);
        }
    };
    assert!(size >= 0 && (1..=MAX_PAGE_SIZE).contains(&request.page_size));
    assert_eq!(request.page_token.is_none(), blank);
    position::<(i64, String)>(&request);
    position::<i64>(&request);
});

/// Decodes the request's token as a position of type `C` and checks the re-encoding.
fn position<C: Serialize + DeserializeOwned + Clone + PartialEq + Debug>(request: &PageRequest) {
    let at = match request.cursor::<C>(FILTERS) {
        Ok(None) => return assert!(request.page_token.is_none()),
        Ok(Some(at)) => at,
        Err(StoreError::Invalid(errors)) => return assert_eq!(errors.violations[0].field, "page_token"),
        Err(other) => panic!("a page token is refused with something other than a violation: {other}"),
    };
    let next = reencode(&at);
    let again = PageRequest { page_size: 1, page_token: Some(next.clone()) };
    assert_eq!(again.cursor::<C>(FILTERS).ok().flatten().as_ref(), Some(&at), "a re-encoded token decodes the same");
    assert!(again.cursor::<C>(OTHER_FILTERS).is_err(), "a token only works with its own filters");
}

/// The token a listing issues after an item at `at` when another page follows.
fn reencode<C: Serialize + Clone>(at: &C) -> String {
    let first = PageRequest { page_size: 1, page_token: None };
    first.page(vec![at.clone(), at.clone()], FILTERS, C::clone).next_page_token.expect("a next page")
}
