//! Ticket counts by status, category, priority and queue, counted by the database (GROUP BY).

use std::collections::BTreeMap;

use sea_orm::{
    ConnectionTrait, EntityTrait, PaginatorTrait, QuerySelect, TransactionTrait,
    sea_query::{Asterisk, Expr, ExprTrait},
};

use super::{connect::Store, entities::ticket, error::StoreError};

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

/// `SELECT column, COUNT(*) FROM tickets GROUP BY column`, with NULL named `null_as` (or left out).
async fn counts(
    conn: &impl ConnectionTrait,
    column: ticket::Column,
    null_as: Option<&str>,
) -> Result<BTreeMap<String, u64>, StoreError> {
    let rows: Vec<(Option<String>, i64)> = ticket::Entity::find()
        .select_only()
        .column(column)
        .column_as(Expr::col(Asterisk).count(), "n")
        .group_by(column)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = BTreeMap::new();
    for (name, n) in rows {
        if let Some(name) = name.or_else(|| null_as.map(str::to_owned)) {
            *out.entry(name).or_insert(0) += u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(out)
}

impl Store {
    /// Ticket counts, read in one transaction so they agree with each other.
    pub async fn stats(&self) -> Result<TicketStats, StoreError> {
        self.timed("stats", async {
            let txn = self.db.begin().await?;
            Ok(TicketStats {
                total: ticket::Entity::find().count(&txn).await?,
                by_status: counts(&txn, ticket::Column::Status, None).await?,
                by_category: counts(&txn, ticket::Column::Category, Some("UNSPECIFIED")).await?,
                by_priority: counts(&txn, ticket::Column::Priority, None).await?,
                by_queue: counts(&txn, ticket::Column::AssignedQueue, None).await?,
            })
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
}
