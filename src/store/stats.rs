//! Ticket counts by status, category, priority and queue, read from the counters that triggers keep
//! in every write transaction (migration m0006).

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, Statement};

use super::{connect::Store, error::StoreError};

/// How many tickets there are, in total and by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketStats {
    /// Every stored ticket.
    pub total: u64,
    /// By status name (NEW, TRIAGED, ...).
    pub by_status: BTreeMap<String, u64>,
    /// By category name; tickets without one count as UNSPECIFIED.
    pub by_category: BTreeMap<String, u64>,
    /// By priority name.
    pub by_priority: BTreeMap<String, u64>,
    /// By queue; tickets not routed yet are not listed.
    pub by_queue: BTreeMap<String, u64>,
}

/// The one read of GetStats: the counters, never the tickets.
const STATS_READ: &str = "SELECT field, value, n FROM ticket_counts WHERE n > 0";

impl Store {
    /// Ticket counts, from the counters the write transactions keep (`ticket_counts`, a few dozen
    /// rows), so they cost the same at a million tickets as at ten and agree with each other.
    pub async fn stats(&self) -> Result<TicketStats, StoreError> {
        self.timed("stats", async {
            let read = Statement::from_string(self.db.get_database_backend(), STATS_READ);
            let mut stats = TicketStats::default();
            for row in self.db.query_all_raw(read).await? {
                let (field, value, n): (String, String, i64) =
                    (row.try_get_by_index(0)?, row.try_get_by_index(1)?, row.try_get_by_index(2)?);
                let n = u64::try_from(n).unwrap_or(0);
                let counts = match field.as_str() {
                    "total" => {
                        stats.total = n;
                        continue;
                    }
                    "status" => &mut stats.by_status,
                    "priority" => &mut stats.by_priority,
                    "queue" => &mut stats.by_queue,
                    "category" => &mut stats.by_category,
                    _ => continue,
                };
                // An empty value counts the NULLs: tickets without a category are UNSPECIFIED, those
                // without a queue (not routed yet) are not listed.
                let name = match (field.as_str(), value.is_empty()) {
                    ("category", true) => "UNSPECIFIED".to_owned(),
                    (_, true) => continue,
                    (_, false) => value,
                };
                *counts.entry(name).or_insert(0) += n;
            }
            Ok(stats)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::Category,
        testing::{at, numbered, triaged},
    };

    #[tokio::test]
    async fn counts_by_field() {
        let store = Store::open_memory().await.expect("store");
        assert_eq!(store.stats().await.expect("stats"), TicketStats::default());
        triaged(&store, 1, 0, "network", Category::Technical).await;
        triaged(&store, 2, 1, "network", Category::Technical).await;
        triaged(&store, 3, 2, "billing", Category::Billing).await;
        store.create_ticket(&numbered(4, at(3)), &"agent".into()).await.expect("created");

        let stats = store.stats().await.expect("stats");
        let map = |pairs: &[(&str, u64)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>();
        assert_eq!(stats.total, 4);
        assert_eq!(stats.by_status, map(&[("NEW", 1), ("TRIAGED", 3)]));
        assert_eq!(stats.by_category, map(&[("BILLING", 1), ("TECHNICAL", 2), ("UNSPECIFIED", 1)]));
        assert_eq!(stats.by_priority, map(&[("HIGH", 3), ("MEDIUM", 1)]));
        assert_eq!(stats.by_queue, map(&[("billing", 1), ("network", 2)]));
    }

    /// The counts as a scan of the table gives them (what the counters must always agree with).
    async fn scanned(store: &Store) -> TicketStats {
        let mut stats = TicketStats::default();
        let all = crate::store::PageRequest { page_size: 10_000, page_token: None };
        for ticket in store.list_tickets(&Default::default(), &all).await.expect("list").items {
            stats.total += 1;
            *stats.by_status.entry(ticket.status.as_str().to_owned()).or_insert(0) += 1;
            let category = ticket.category.map_or("UNSPECIFIED", |c| c.as_str()).to_owned();
            *stats.by_category.entry(category).or_insert(0) += 1;
            *stats.by_priority.entry(ticket.priority.as_str().to_owned()).or_insert(0) += 1;
            if let Some(queue) = ticket.assigned_queue {
                *stats.by_queue.entry(queue).or_insert(0) += 1;
            }
        }
        stats
    }

    #[tokio::test]
    async fn the_counters_follow_every_write_path() {
        let store = Store::open_memory().await.expect("store");
        for n in 1..=30 {
            let (queue, category) =
                if n % 3 == 0 { ("billing", Category::Billing) } else { ("network", Category::Technical) };
            triaged(&store, n, i64::from(n), queue, category).await;
        }
        store.create_ticket(&numbered(40, at(40)), &"agent".into()).await.expect("created");
        for n in [3u32, 4, 5] {
            let id = numbered(n, at(i64::from(n))).ticket_id.to_string();
            store
                .update_ticket(&id, |current| {
                    let mut next = current.clone();
                    next.status = crate::domain::Status::Resolved;
                    next.assigned_queue = Some("desk".into());
                    next.category = None;
                    let record = crate::service::records::updated(current, &next, &["status"], &"agent".into());
                    Ok::<_, StoreError>(Some(crate::store::TicketChange {
                        ticket: next,
                        record,
                        new_fingerprint: None,
                    }))
                })
                .await
                .expect("updated");
        }
        let deleted = numbered(6, at(6)).ticket_id.to_string();
        store.delete_ticket(&deleted, &"agent".into(), at(100)).await.expect("deleted");
        assert_eq!(store.purge_tickets(at(10), false, &"ops".into(), at(100)).await.expect("purged"), 8);
        let stats = store.stats().await.expect("stats");
        assert_eq!(stats, scanned(&store).await);
        assert_eq!(stats.total, 22);
        assert_eq!(stats.by_status.get("RESOLVED"), None, "the resolved ones were purged");
        assert_eq!(stats.by_queue.get("billing"), Some(&7));
    }

    #[tokio::test]
    async fn the_counts_are_read_without_touching_the_tickets() {
        let store = Store::open_memory().await.expect("store");
        let steps = store.sqlite_plan(Statement::from_string(sea_orm::DbBackend::Sqlite, STATS_READ)).await;
        assert_eq!(steps, ["SCAN ticket_counts"]);
    }
}
