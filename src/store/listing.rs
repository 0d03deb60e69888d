//! Listing tickets: filters over indexed columns and keyset paging, newest first.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Statement,
};
use serde_json::json;

use super::{
    connect::Store,
    entities::ticket,
    error::StoreError,
    paging::{Page, PageRequest, fingerprint},
    rows::{micros, ticket_from_row},
    sealing::Sealing,
};
use crate::{
    domain::{Category, Priority, Status, Ticket},
    privacy::normalize_email,
};

/// Which tickets to list; every given filter must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this queue.
    pub queue: Option<String>,
    /// Only tickets created at or after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Only tickets created before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// Only tickets of this requester: the address as [`normalize_email`] normalises it, matched
    /// exactly (through the blind index in a sealed store, under every key of its ring).
    pub requester_email: Option<String>,
}

impl TicketFilter {
    fn fingerprint(&self) -> String {
        fingerprint(&json!([
            "tickets",
            self.status.map(Status::as_str),
            self.category.map(Category::as_str),
            self.priority.map(Priority::as_str),
            self.queue,
            self.created_after.map(micros),
            self.created_before.map(micros),
            self.requester_email.as_deref().map(normalize_email),
        ]))
    }

    fn condition(&self, sealing: &Sealing) -> Condition {
        let mut c = Condition::all();
        if let Some(status) = self.status {
            c = c.add(ticket::Column::Status.eq(status.as_str()));
        }
        if let Some(category) = self.category {
            c = c.add(ticket::Column::Category.eq(category.as_str()));
        }
        if let Some(priority) = self.priority {
            c = c.add(ticket::Column::Priority.eq(priority.as_str()));
        }
        if let Some(queue) = &self.queue {
            c = c.add(ticket::Column::AssignedQueue.eq(queue.as_str()));
        }
        if let Some(after) = self.created_after {
            c = c.add(ticket::Column::CreatedAt.gte(micros(after)));
        }
        if let Some(before) = self.created_before {
            c = c.add(ticket::Column::CreatedAt.lt(micros(before)));
        }
        if let Some(address) = &self.requester_email {
            c = c.add(ticket::Column::RequesterIndex.is_in(sealing.requester_lookup(address)));
        }
        c
    }
}

/// The tickets matching `filter` after the keyset position `after`, newest first: each filter and
/// each pair of the equality filters has an index in this order, so the walk reads only matching rows.
fn list_query(filter: &TicketFilter, sealing: &Sealing, after: Option<(i64, String)>) -> Select<ticket::Entity> {
    let mut query = ticket::Entity::find().filter(filter.condition(sealing));
    if let Some((at, id)) = after {
        query = query
            .filter(ticket::Column::CreatedAt.lte(at))
            .filter(Condition::any().add(ticket::Column::CreatedAt.lt(at)).add(ticket::Column::TicketId.lt(id)));
    }
    query.order_by_desc(ticket::Column::CreatedAt).order_by_desc(ticket::Column::TicketId)
}

/// The index a listing of `filter` walks: the requester's (the most selective), else the one of the
/// first two equality filters given (in the order status, category, priority, queue), else the one of
/// the single filter, else creation order. Each holds (its columns, created_at, ticket_id), the
/// page's order, so the walk stops after one page of matching rows.
fn index_for(filter: &TicketFilter) -> String {
    if filter.requester_email.is_some() {
        return "idx_tickets_requester_created".to_owned();
    }
    let given: Vec<&str> = [
        filter.status.map(|_| "status"),
        filter.category.map(|_| "category"),
        filter.priority.map(|_| "priority"),
        filter.queue.as_ref().map(|_| "assigned_queue"),
    ]
    .into_iter()
    .flatten()
    .collect();
    match given.as_slice() {
        [] => "idx_tickets_created".to_owned(),
        ["assigned_queue"] => "idx_tickets_queue_created".to_owned(),
        [one] => format!("idx_tickets_{one}_created"),
        [first, second, ..] => format!("idx_tickets_{first}_{second}_created"),
    }
}

/// The statement reading up to `limit` rows of [`list_query`]. On SQLite it names its index
/// ([`index_for`], `INDEXED BY`): without statistics the planner may take a one-column index for a
/// pair of filters and walk every row of one of them; PostgreSQL plans from its own statistics.
fn list_statement(
    backend: DbBackend,
    filter: &TicketFilter,
    sealing: &Sealing,
    after: Option<(i64, String)>,
    limit: u64,
) -> Statement {
    let mut statement = list_query(filter, sealing, after).limit(limit).build(backend);
    if backend == DbBackend::Sqlite {
        let from = "FROM \"tickets\"";
        statement.sql = statement.sql.replacen(from, &format!("{from} INDEXED BY {}", index_for(filter)), 1);
    }
    statement
}

impl Store {
    /// One page of tickets, newest first (created_at, then ticket_id, descending).
    pub async fn list_tickets(&self, filter: &TicketFilter, page: &PageRequest) -> Result<Page<Ticket>, StoreError> {
        let fp = filter.fingerprint();
        let after = page.cursor::<(i64, String)>(&fp)?;
        let read = list_statement(self.db.get_database_backend(), filter, &self.sealing, after, page.fetch_limit());
        let rows = ticket::Entity::find().from_raw_sql(read).all(&self.db);
        let rows = self.timed("list_tickets", rows).await?;
        let page = page.page(rows, &fp, |r| (r.created_at, r.ticket_id.clone()));
        let items = page.items.into_iter().map(|row| ticket_from_row(row, &self.sealing)).collect::<Result<_, _>>()?;
        Ok(Page { items, next_page_token: page.next_page_token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Category, Priority, Status};
    use crate::testing::{at, triaged};

    fn page(size: u64, token: Option<String>) -> PageRequest {
        PageRequest { page_size: size, page_token: token }
    }

    async fn walk(store: &Store, filter: &TicketFilter, size: u64) -> Vec<String> {
        let (mut seen, mut token) = (Vec::new(), None);
        loop {
            let p = store.list_tickets(filter, &page(size, token)).await.expect("page");
            assert!(p.items.len() as u64 <= size);
            seen.extend(p.items.iter().map(|t| t.ticket_id.to_string()));
            match p.next_page_token {
                Some(next) => token = Some(next),
                None => return seen,
            }
        }
    }

    #[tokio::test]
    async fn paging_walks_every_ticket_once_newest_first_with_filters() {
        let store = Store::open_memory().await.expect("store");
        let mut expected = Vec::new();
        for n in 0..23u32 {
            // Pairs of tickets share a creation time, so the ticket id must break ties.
            let queue = if n % 3 == 0 { "billing" } else { "network" };
            let category = if n % 3 == 0 { Category::Billing } else { Category::Technical };
            let stored = triaged(&store, n, i64::from(n / 2), queue, category).await;
            expected.push((stored.ticket.created_at, stored.ticket.ticket_id.to_string(), queue));
        }
        expected.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        let all: Vec<String> = expected.iter().map(|e| e.1.clone()).collect();
        assert_eq!(walk(&store, &TicketFilter::default(), 5).await, all);
        assert_eq!(walk(&store, &TicketFilter::default(), 23).await, all);

        let billing = TicketFilter { queue: Some("billing".into()), created_after: Some(at(2)), ..Default::default() };
        let want: Vec<String> =
            expected.iter().filter(|e| e.2 == "billing" && e.0 >= at(2)).map(|e| e.1.clone()).collect();
        assert_eq!(want.len(), 6);
        assert_eq!(walk(&store, &billing, 4).await, want);
        let by_category =
            TicketFilter { category: Some(Category::Billing), created_before: Some(at(5)), ..Default::default() };
        let want: Vec<String> =
            expected.iter().filter(|e| e.2 == "billing" && e.0 < at(5)).map(|e| e.1.clone()).collect();
        assert_eq!(walk(&store, &by_category, 2).await, want);

        let first = store.list_tickets(&billing, &page(2, None)).await.expect("page");
        let token = first.next_page_token.expect("more pages");
        let other = TicketFilter { queue: Some("network".into()), ..Default::default() };
        let Err(StoreError::Invalid(errors)) = store.list_tickets(&other, &page(2, Some(token))).await else {
            panic!("a token must not work with other filters");
        };
        assert_eq!(errors.violations[0].field, "page_token");
        assert!(errors.violations[0].description.contains("does not belong to these filters"));
        let garbled = store.list_tickets(&billing, &page(2, Some("bm90IGEgdG9rZW4".into()))).await;
        assert!(matches!(garbled, Err(StoreError::Invalid(_))));
    }

    /// The steps of SQLite's plan for listing a page of `filter` (after a position).
    async fn plan(store: &Store, filter: &TicketFilter) -> Vec<String> {
        let read = list_statement(DbBackend::Sqlite, filter, &store.sealing, Some((1, "TKT".into())), 51);
        store.sqlite_plan(read).await
    }

    #[tokio::test]
    async fn every_filter_and_pair_of_filters_walks_an_index_in_page_order() {
        let store = Store::open_memory().await.expect("store");
        let one = |f: &str| {
            let mut filter = TicketFilter::default();
            match f {
                "status" => filter.status = Some(Status::Triaged),
                "category" => filter.category = Some(Category::Billing),
                "priority" => filter.priority = Some(Priority::High),
                "assigned_queue" => filter.queue = Some("network".into()),
                _ => filter.requester_email = Some("ana@example.com".into()),
            }
            filter
        };
        let both = |a: &str, b: &str| {
            let (x, y) = (one(a), one(b));
            TicketFilter {
                status: x.status.or(y.status),
                category: x.category.or(y.category),
                priority: x.priority.or(y.priority),
                queue: x.queue.or(y.queue),
                requester_email: x.requester_email.or(y.requester_email),
                ..TicketFilter::default()
            }
        };
        let fields = ["status", "category", "priority", "assigned_queue"];
        let mut cases = vec![(TicketFilter::default(), "idx_tickets_created".to_owned())];
        for (i, a) in fields.iter().enumerate() {
            cases.push((one(a), format!("idx_tickets_{}_created", if *a == "assigned_queue" { "queue" } else { a })));
            for b in &fields[i + 1..] {
                cases.push((both(a, b), format!("idx_tickets_{a}_{b}_created")));
            }
        }
        cases.push((one("requester"), "idx_tickets_requester_created".to_owned()));
        let three = TicketFilter { priority: Some(Priority::High), ..both("status", "assigned_queue") };
        cases.push((three, "idx_tickets_status_priority_created".to_owned()));
        let ranged = TicketFilter { created_after: Some(at(0)), ..both("status", "assigned_queue") };
        cases.push((ranged, "idx_tickets_status_assigned_queue_created".to_owned()));
        for (filter, index) in cases {
            let steps = plan(&store, &filter).await;
            assert!(steps.iter().any(|s| s.contains(&format!("USING INDEX {index} "))), "{filter:?}: {steps:?}");
            assert!(!steps.iter().any(|s| s.contains("TEMP B-TREE")), "no sort: {filter:?}: {steps:?}");
        }
    }
}
