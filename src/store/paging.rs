//! Keyset paging (AIP-158): page requests, pages, and opaque page tokens that carry the position of the
//! last item and a short hash of the filters they were issued for.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

use super::error::StoreError;

/// Which page to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page (already clamped by the caller; 0 is read as 1).
    pub page_size: u64,
    /// Token from the previous page, `None` (or empty) for the first page.
    pub page_token: Option<String>,
}

/// One page of items.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in the listing's order.
    pub items: Vec<T>,
    /// Token for the next page; `None` on the last page.
    pub next_page_token: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Token<C> {
    /// Hash of the filters.
    f: String,
    /// Position of the last item returned.
    k: C,
}

/// A short hash of a listing's kind and filters, so a token only works with the filters it came from.
pub(super) fn fingerprint(filters: &serde_json::Value) -> String {
    let digest = Sha256::digest(filters.to_string().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

impl PageRequest {
    /// Rows to fetch: one more than the page holds, to learn whether another page follows.
    pub(super) fn fetch_limit(&self) -> u64 {
        self.size().saturating_add(1)
    }

    fn size(&self) -> u64 {
        self.page_size.max(1)
    }

    /// The position after which this page starts, `None` for the first page. Public (like
    /// [`page`](Self::page)) for the fuzz targets (`fuzz/`), which decode arbitrary tokens.
    pub fn cursor<C: DeserializeOwned>(&self, fingerprint: &str) -> Result<Option<C>, StoreError> {
        let Some(token) = self.page_token.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let garbled = || StoreError::bad_page_token("is not a page token issued by this listing");
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| garbled())?;
        // No token this listing issues holds a NUL, and no store could compare one.
        if bytes.windows(6).any(|w| w == b"\\u0000") {
            return Err(garbled());
        }
        let token: Token<C> = serde_json::from_slice(&bytes).map_err(|_| garbled())?;
        if token.f != fingerprint {
            return Err(StoreError::bad_page_token(
                "does not belong to these filters; repeat the filters of the first page",
            ));
        }
        Ok(Some(token.k))
    }

    /// The page made of `rows` (fetched with [`fetch_limit`](Self::fetch_limit)), with a token after
    /// the last item when more rows follow.
    pub fn page<T, C: Serialize>(&self, mut rows: Vec<T>, fingerprint: &str, key: impl Fn(&T) -> C) -> Page<T> {
        let size = usize::try_from(self.size()).unwrap_or(usize::MAX);
        if rows.len() <= size {
            return Page { items: rows, next_page_token: None };
        }
        rows.truncate(size);
        let next_page_token = rows.last().and_then(|last| {
            let json = serde_json::to_vec(&Token { f: fingerprint.to_owned(), k: key(last) }).ok()?;
            Some(URL_SAFE_NO_PAD.encode(json))
        });
        Page { items: rows, next_page_token }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_their_filters() {
        let fp = fingerprint(&serde_json::json!(["tickets", "NEW"]));
        let first = PageRequest { page_size: 2, page_token: None };
        let page = first.page(vec![1i64, 2, 3], &fp, |n| *n);
        assert_eq!(page.items, [1, 2]);
        let next = PageRequest { page_size: 2, page_token: page.next_page_token };
        assert_eq!(next.cursor::<i64>(&fp).expect("valid"), Some(2));
        let other = fingerprint(&serde_json::json!(["tickets", "CLOSED"]));
        let Err(StoreError::Invalid(errors)) = next.cursor::<i64>(&other) else {
            panic!("other filters must be refused")
        };
        assert_eq!(errors.violations[0].field, "page_token");
        let garbled = PageRequest { page_size: 2, page_token: Some("%%%".into()) };
        assert!(matches!(garbled.cursor::<i64>(&fp), Err(StoreError::Invalid(_))));
        assert_eq!(first.page(vec![1i64, 2], &fp, |n| *n).next_page_token, None);
    }
}
