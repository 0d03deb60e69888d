//! The audit log: filtered listings newest first, following it oldest first, commit signals, and
//! entries about events that are not ticket writes.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use tokio::sync::watch;

use super::{
    connect::Store,
    entities::{audit_chain, audit_entry},
    error::StoreError,
    paging::{Page, PageRequest, fingerprint},
    rows::{audit_from_row, micros},
};
use crate::domain::{AuditEntry, AuditRecord};

/// Which audit entries to list; every given filter must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    /// Only entries about this ticket.
    pub ticket_id: Option<String>,
    /// Only this action, such as `ticket.triaged`.
    pub action: Option<String>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only entries written at or after this time.
    pub start_time: Option<DateTime<Utc>>,
    /// Only entries written before this time.
    pub end_time: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn fingerprint(&self) -> String {
        fingerprint(&json!([
            "audit",
            self.ticket_id,
            self.action,
            self.actor,
            self.start_time.map(micros),
            self.end_time.map(micros)
        ]))
    }

    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(ticket_id) = &self.ticket_id {
            c = c.add(audit_entry::Column::TicketId.eq(ticket_id.as_str()));
        }
        if let Some(action) = &self.action {
            c = c.add(audit_entry::Column::Action.eq(action.as_str()));
        }
        if let Some(actor) = &self.actor {
            c = c.add(audit_entry::Column::Actor.eq(actor.as_str()));
        }
        if let Some(start) = self.start_time {
            c = c.add(audit_entry::Column::CreatedAt.gte(micros(start)));
        }
        if let Some(end) = self.end_time {
            c = c.add(audit_entry::Column::CreatedAt.lt(micros(end)));
        }
        c
    }
}
impl Store {
    /// One page of audit entries, newest first.
    pub async fn list_audit(&self, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEntry>, StoreError> {
        let fp = filter.fingerprint();
        let mut query = audit_entry::Entity::find().filter(filter.condition());
        if let Some(sequence) = page.cursor::<i64>(&fp)? {
            query = query.filter(audit_entry::Column::Sequence.lt(sequence));
        }
        let rows = query.order_by_desc(audit_entry::Column::Sequence).limit(page.fetch_limit()).all(&self.db);
        let rows = self.timed("list_audit", rows).await?;
        let page = page.page(rows, &fp, |r| r.sequence);
        let items = page.items.into_iter().map(audit_from_row).collect::<Result<_, _>>()?;
        Ok(Page { items, next_page_token: page.next_page_token })
    }

    /// Appends an entry that concerns no single ticket write (a rules reload, for example).
    pub async fn record_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        let mut write = self.begin_write().await?;
        let entry = write.append(record).await?;
        self.commit(write).await?;
        Ok(entry)
    }

    /// Up to `limit` entries after `after_sequence`, oldest first (for following the log).
    pub async fn audit_after(&self, after_sequence: i64, limit: u64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = audit_entry::Entity::find()
            .filter(audit_entry::Column::Sequence.gt(after_sequence))
            .order_by_asc(audit_entry::Column::Sequence)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter().map(audit_from_row).collect()
    }

    /// Sequence of the newest committed entry (0 for an empty log).
    pub async fn last_audit_sequence(&self) -> Result<i64, StoreError> {
        let head = audit_chain::Entity::find_by_id(audit_chain::HEAD_ID).one(&self.db).await?;
        Ok(head.map_or(0, |h| h.last_sequence))
    }

    /// A receiver that changes to the newest sequence after every commit that appended entries here.
    pub fn subscribe_audit(&self) -> watch::Receiver<i64> {
        self.audit_committed.subscribe()
    }

    /// Tells subscribers that entries up to `sequence` are committed (found by looking, when another
    /// process wrote them); nothing when they knew already.
    pub fn audit_committed_at_least(&self, sequence: i64) {
        self.audit_committed.send_if_modified(|seen| {
            let newer = sequence > *seen;
            if newer {
                *seen = sequence;
            }
            newer
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::Category,
        testing::{at, triaged},
    };

    #[tokio::test]
    async fn listing_pages_newest_first_with_filters() {
        let store = Store::open_memory().await.expect("store");
        let mut ids = Vec::new();
        for n in 0..7u32 {
            ids.push(
                triaged(&store, n, i64::from(n), "network", Category::Technical).await.ticket.ticket_id.to_string(),
            );
        }
        let (mut seen, mut token) = (Vec::new(), None);
        loop {
            let page = store
                .list_audit(&AuditFilter::default(), &PageRequest { page_size: 3, page_token: token })
                .await
                .expect("page");
            seen.extend(page.items.iter().map(|e| e.sequence));
            match page.next_page_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, [7, 6, 5, 4, 3, 2, 1]);
        let one = AuditFilter { ticket_id: Some(ids[2].clone()), ..Default::default() };
        let page = store.list_audit(&one, &PageRequest { page_size: 3, page_token: None }).await.expect("page");
        assert_eq!(page.items.iter().map(|e| e.sequence).collect::<Vec<_>>(), [3]);
        let window = AuditFilter {
            start_time: Some(at(2)),
            end_time: Some(at(4)),
            actor: Some("tester".into()),
            ..Default::default()
        };
        let page = store.list_audit(&window, &PageRequest { page_size: 3, page_token: None }).await.expect("page");
        assert_eq!(page.items.iter().map(|e| e.sequence).collect::<Vec<_>>(), [4, 3]);
        assert_eq!(
            store.audit_after(5, 10).await.expect("after").iter().map(|e| e.sequence).collect::<Vec<_>>(),
            [6, 7]
        );
    }

    #[tokio::test]
    async fn subscribers_hear_about_commits() {
        let store = Store::open_memory().await.expect("store");
        let mut rx = store.subscribe_audit();
        assert_eq!(*rx.borrow_and_update(), 0);
        triaged(&store, 1, 0, "network", Category::Technical).await;
        assert!(rx.has_changed().expect("open"));
        assert_eq!(*rx.borrow_and_update(), 1);
    }
}
