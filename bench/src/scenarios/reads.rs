//! What the read scenarios need from the store: ids of stored tickets for GetTicket, the most
//! common status and queue for the filtered listings, and the page token of a deep page.

use helpdesk_client::{HelpdeskClient, proto};

/// Page size of every listing.
pub const PAGE_SIZE: i32 = 50;

/// Up to `n` ids of stored tickets, newest first.
pub async fn stored_ids(client: &mut HelpdeskClient, n: usize) -> Result<Vec<String>, String> {
    let mut ids = Vec::with_capacity(n);
    let mut request = proto::ListTicketsRequest { page_size: 500, ..Default::default() };
    while ids.len() < n {
        let page = client.ticket_service.list_tickets(request.clone()).await.map_err(|e| e.to_string())?.into_inner();
        ids.extend(page.tickets.into_iter().map(|t| t.ticket_id));
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    ids.truncate(n);
    Ok(ids)
}

/// The key with the highest count.
fn most_common(counts: &std::collections::HashMap<String, u64>) -> Option<String> {
    counts.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))).map(|(k, _)| k.clone())
}

/// The total stored, and the most common status (as the enum) and queue.
pub async fn common_filters(client: &mut HelpdeskClient) -> Result<(u64, i32, String), String> {
    let stats = client.stats().await.map_err(|e| e.to_string())?;
    let status = most_common(&stats.by_status).ok_or("GetStats counted no status")?;
    let queue = most_common(&stats.by_queue).ok_or("GetStats counted no queue")?;
    Ok((stats.total, status_value(&status).ok_or(format!("unknown status {status:?} in GetStats"))?, queue))
}

/// The enum value of a status as GetStats names it (`TRIAGED`, `triaged` or `STATUS_TRIAGED`).
pub fn status_value(name: &str) -> Option<i32> {
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("STATUS_") { upper } else { format!("STATUS_{upper}") };
    proto::Status::from_str_name(&full).map(|s| s as i32)
}

/// The page token of page `pages + 1` of the unfiltered listing, walked from the first page.
pub async fn deep_token(client: &mut HelpdeskClient, pages: usize) -> Result<String, String> {
    let mut request = proto::ListTicketsRequest { page_size: PAGE_SIZE, ..Default::default() };
    for page in 0..pages {
        let answer = client.ticket_service.list_tickets(request.clone()).await.map_err(|e| e.to_string())?.into_inner();
        if answer.next_page_token.is_empty() {
            return Err(format!("the listing ended after {} pages; store more tickets (--fill)", page + 1));
        }
        request.page_token = answer.next_page_token;
    }
    Ok(request.page_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_read_in_any_spelling() {
        let triaged = proto::Status::Triaged as i32;
        assert_eq!(status_value("TRIAGED"), Some(triaged));
        assert_eq!(status_value("triaged"), Some(triaged));
        assert_eq!(status_value("STATUS_TRIAGED"), Some(triaged));
        assert_eq!(status_value("melted"), None);
    }
}
