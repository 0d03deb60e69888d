//! Reading stored tickets back with the first decision made about them, for backtests: a page at a
//! time, newest first, by keyset over (created_at, ticket_id), so a backtest holds one page in memory
//! whatever the store holds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Query};

use super::{
    connect::Store,
    entities::{ticket, triage_result},
    error::StoreError,
    rows::{micros, result_from_row, ticket_from_row},
};
use crate::{domain::Ticket, triage::TriageResult};

/// Where the next page of a backtest's read starts: after this ticket (created_at in microseconds,
/// ticket id), in newest-first order.
pub type ReplayCursor = (i64, String);

/// One page of triaged tickets, and where the next one starts (`None` after the last).
#[derive(Debug)]
pub struct ReplayPage {
    /// Each stored ticket with its first triage result, newest first.
    pub tickets: Vec<(Ticket, TriageResult)>,
    /// The position after this page, when more rows may follow.
    pub next: Option<ReplayCursor>,
}

impl Store {
    /// Up to `limit` triaged tickets created in `[after, before)`, newest first, each with its first
    /// triage result (tickets stored without triage are left out).
    pub async fn triaged_tickets(
        &self,
        after: Option<DateTime<Utc>>,
        before: Option<DateTime<Utc>>,
        limit: u64,
    ) -> Result<Vec<(Ticket, TriageResult)>, StoreError> {
        Ok(self.triaged_tickets_page(after, before, None, limit).await?.tickets)
    }

    /// One page of at most `size` triaged tickets created in `[after, before)`, newest first,
    /// starting after `from`; each with its first triage result.
    pub async fn triaged_tickets_page(
        &self,
        after: Option<DateTime<Utc>>,
        before: Option<DateTime<Utc>>,
        from: Option<ReplayCursor>,
        size: u64,
    ) -> Result<ReplayPage, StoreError> {
        let triaged = Query::select().column(triage_result::Column::TicketId).from(triage_result::Entity).to_owned();
        let mut query = ticket::Entity::find().filter(ticket::Column::TicketId.in_subquery(triaged));
        if let Some(after) = after {
            query = query.filter(ticket::Column::CreatedAt.gte(micros(after)));
        }
        if let Some(before) = before {
            query = query.filter(ticket::Column::CreatedAt.lt(micros(before)));
        }
        if let Some((at, id)) = from {
            query = query
                .filter(ticket::Column::CreatedAt.lte(at))
                .filter(Condition::any().add(ticket::Column::CreatedAt.lt(at)).add(ticket::Column::TicketId.lt(id)));
        }
        let rows = query
            .order_by_desc(ticket::Column::CreatedAt)
            .order_by_desc(ticket::Column::TicketId)
            .limit(size)
            .all(&self.db)
            .await?;
        let next = rows.last().filter(|_| rows.len() as u64 == size).map(|r| (r.created_at, r.ticket_id.clone()));
        let mut first: HashMap<String, triage_result::Model> = HashMap::new();
        for ids in rows.chunks(500) {
            let results = triage_result::Entity::find()
                .filter(triage_result::Column::TicketId.is_in(ids.iter().map(|r| r.ticket_id.clone())))
                .order_by_asc(triage_result::Column::Id)
                .all(&self.db)
                .await?;
            for r in results {
                first.entry(r.ticket_id.clone()).or_insert(r);
            }
        }
        let mut tickets = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(result) = first.get(&row.ticket_id) {
                let result = result_from_row(result)?;
                tickets.push((ticket_from_row(row, &self.sealing)?, result));
            }
        }
        Ok(ReplayPage { tickets, next })
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        domain::Category,
        store::Store,
        testing::{at, numbered, triaged},
    };

    #[tokio::test]
    async fn triaged_tickets_come_newest_first_with_their_first_result() {
        let store = Store::open_memory().await.expect("store");
        for n in 0..5 {
            triaged(&store, n, i64::from(n) * 10, "network", Category::Technical).await;
        }
        store.create_ticket(&numbered(9, at(100)), &"tester".into()).await.expect("created without triage");
        let all = store.triaged_tickets(None, None, 100).await.expect("read");
        let ids: Vec<String> = all.iter().map(|(t, _)| t.ticket_id.to_string()).collect();
        assert_eq!(ids.len(), 5, "the untriaged ticket is left out");
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
        assert!(all.iter().all(|(t, r)| r.ticket_id == t.ticket_id.as_str() && r.queue == "network"));
        let window = store.triaged_tickets(Some(at(10)), Some(at(30)), 100).await.expect("read");
        assert_eq!(window.len(), 2);
        assert_eq!(store.triaged_tickets(None, None, 2).await.expect("read").len(), 2);

        // Page by page, the same tickets in the same order.
        let (mut paged, mut from) = (Vec::new(), None);
        loop {
            let page = store.triaged_tickets_page(None, None, from, 2).await.expect("page");
            paged.extend(page.tickets.iter().map(|(t, _)| t.ticket_id.to_string()));
            match page.next {
                Some(next) => from = Some(next),
                None => break,
            }
        }
        assert_eq!(paged, ids);
    }
}
