//! Archiving the audit log: export pages, recorded exports, and purging the oldest entries after an
//! export (the chain's anchor moves so the rest still verifies).

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::{
    connect::Store,
    entities::{audit_entry, audit_export},
    error::StoreError,
    rows::{audit_from_row, micros},
    signatures::delete_signatures_through,
};
use crate::domain::{Actor, AuditAction, AuditEntry, AuditRecord};

fn rfc3339(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// The last sequence of the run of entries after `after` that were all written before `before`: entries
/// are exported and purged as a prefix of the chain, so the chain stays verifiable.
async fn run_end(conn: &impl ConnectionTrait, after: i64, before: DateTime<Utc>) -> Result<Option<i64>, StoreError> {
    let first_newer: Option<i64> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::Sequence)
        .filter(audit_entry::Column::Sequence.gt(after))
        .filter(audit_entry::Column::CreatedAt.gte(micros(before)))
        .order_by_asc(audit_entry::Column::Sequence)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(first_newer.map(|s| s - 1))
}

impl Store {
    /// Up to `limit` entries after `after_sequence`, oldest first, from the run of entries written before
    /// `before` (all entries when `None`).
    pub async fn export_audit_page(
        &self,
        before: Option<DateTime<Utc>>,
        after_sequence: i64,
        limit: u64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut query = audit_entry::Entity::find().filter(audit_entry::Column::Sequence.gt(after_sequence));
        let end = match before {
            Some(before) => run_end(&self.db, after_sequence, before).await?,
            None => None,
        };
        if let Some(end) = end {
            query = query.filter(audit_entry::Column::Sequence.lte(end));
        }
        let rows = query.order_by_asc(audit_entry::Column::Sequence).limit(limit).all(&self.db).await?;
        rows.into_iter().map(audit_from_row).collect()
    }

    /// Records a completed export of the entries up to `up_to_sequence`; audit `audit.exported`.
    pub async fn record_audit_export(
        &self,
        before: Option<DateTime<Utc>>,
        up_to_sequence: i64,
        count: u64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut write = self.begin_write().await?;
        let row = audit_export::ActiveModel {
            before: Set(before.map(micros)),
            up_to_sequence: Set(up_to_sequence),
            entry_count: Set(i64::try_from(count).unwrap_or(i64::MAX)),
            exported_at: Set(micros(now)),
            ..Default::default()
        };
        audit_export::Entity::insert(row).exec_without_returning(write.conn()).await?;
        let details = json!({ "before": rfc3339(before), "up_to_sequence": up_to_sequence, "count": count });
        write.append(AuditRecord::new(AuditAction::AuditExported, actor, now, details)).await?;
        self.commit(write).await
    }

    /// Removes the entries written before `before` (the run of them at the start of the log), and the
    /// signatures made at them. Unless `force`, refuses when no recorded export reached the last entry
    /// to be removed. The chain's anchor moves to that entry, and `audit.purged` is appended; with a
    /// signer, the commit signs the new head with the new anchor.
    pub async fn purge_audit(
        &self,
        before: DateTime<Utc>,
        force: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut write = self.begin_write().await?;
        let head = write.head().clone();
        let mut end = run_end(write.conn(), head.anchor_sequence, before).await?.unwrap_or(head.last_sequence);
        if end <= head.anchor_sequence {
            return Ok(0);
        }
        if !force {
            // Without force, only what an export with this cutoff (or a later one) covered goes.
            let covered: Option<i64> = audit_export::Entity::find()
                .select_only()
                .column_as(audit_export::Column::UpToSequence.max(), "up_to")
                .filter(
                    Condition::any()
                        .add(audit_export::Column::Before.is_null())
                        .add(audit_export::Column::Before.gte(micros(before))),
                )
                .into_tuple::<Option<i64>>()
                .one(write.conn())
                .await?
                .flatten();
            match covered {
                Some(up_to) if up_to > head.anchor_sequence => end = end.min(up_to),
                _ => {
                    return Err(StoreError::FailedPrecondition(format!(
                        "audit entries up to sequence {end} have not been exported with this cutoff or a later one; \
                         export them first, or purge with force"
                    )));
                }
            }
        }
        let last_removed = audit_entry::Entity::find_by_id(end)
            .one(write.conn())
            .await?
            .ok_or_else(|| StoreError::internal(format!("audit entry {end} is missing from the chain")))?;
        let removed = audit_entry::Entity::delete_many()
            .filter(audit_entry::Column::Sequence.lte(end))
            .exec(write.conn())
            .await?
            .rows_affected;
        delete_signatures_through(write.conn(), end).await?;
        write.set_anchor(end, last_removed.hash);
        let details =
            json!({ "before": rfc3339(Some(before)), "up_to_sequence": end, "count": removed, "forced": force });
        write.append(AuditRecord::new(AuditAction::AuditPurged, actor, now, details)).await?;
        self.commit(write).await?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::Category,
        testing::{at, triaged},
    };

    async fn export_all(store: &Store, before: Option<DateTime<Utc>>) -> Vec<AuditEntry> {
        let (mut out, mut last) = (Vec::new(), 0);
        loop {
            let page = store.export_audit_page(before, last, 2).await.expect("export");
            let Some(tail) = page.last() else { return out };
            last = tail.sequence;
            out.extend(page);
        }
    }
    #[tokio::test]
    async fn purge_needs_an_export_unless_forced_and_the_chain_still_verifies() {
        let store = Store::open_memory().await.expect("store");
        for n in 0..6u32 {
            triaged(&store, n, i64::from(n) * 10, "network", Category::Technical).await;
        }
        // Entries 1 to 3 were written before minute 25.
        let refused = store.purge_audit(at(25), false, &"ops".into(), at(100)).await.expect_err("not exported");
        assert!(
            matches!(refused, StoreError::FailedPrecondition(ref m) if m.contains("export them first")),
            "{refused:?}"
        );

        let exported = export_all(&store, Some(at(25))).await;
        assert_eq!(exported.iter().map(|e| e.sequence).collect::<Vec<_>>(), [1, 2, 3]);
        store.record_audit_export(Some(at(25)), 3, 3, &"ops".into(), at(100)).await.expect("recorded");
        assert_eq!(store.purge_audit(at(25), false, &"ops".into(), at(101)).await.expect("purged"), 3);
        assert_eq!(store.purge_audit(at(25), false, &"ops".into(), at(102)).await.expect("nothing left"), 0);

        let report = store.verify_audit().await.expect("verify");
        assert!(report.valid, "{report:?}");
        assert_eq!(report.entries_checked, 5); // 4, 5, 6, audit.exported, audit.purged
        let remaining: Vec<i64> = export_all(&store, None).await.iter().map(|e| e.sequence).collect();
        assert_eq!(remaining, [4, 5, 6, 7, 8]);

        assert!(matches!(
            store.purge_audit(at(45), false, &"ops".into(), at(103)).await,
            Err(StoreError::FailedPrecondition(_))
        ));
        assert_eq!(store.purge_audit(at(45), true, &"ops".into(), at(103)).await.expect("forced"), 2);
        let report = store.verify_audit().await.expect("verify");
        assert!(report.valid, "{report:?}");
        let last = store.audit_after(0, 100).await.expect("after");
        assert_eq!(last.first().map(|e| e.sequence), Some(6));
        assert_eq!(last.last().map(|e| e.record.action.as_str()), Some("audit.purged"));
    }
}
