//! Verifying the audit chain: every entry's own hash, every link to the entry before it, no gaps, and
//! the chain head, starting from the anchor a purge left (the genesis hash for a fresh log).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};

use super::{
    connect::Store,
    entities::{audit_chain, audit_entry},
    error::StoreError,
    rows::audit_from_row,
};

/// Entries read at a time.
const PAGE: u64 = 1000;

/// The outcome of a chain verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// True when every entry's hash and link hold.
    pub valid: bool,
    /// How many entries were checked.
    pub entries_checked: u64,
    /// Sequence of the first broken entry.
    pub first_broken_sequence: Option<i64>,
    /// Why that entry is broken.
    pub reason: Option<String>,
}

impl ChainReport {
    fn broken(entries_checked: u64, sequence: i64, reason: String) -> Self {
        ChainReport { valid: false, entries_checked, first_broken_sequence: Some(sequence), reason: Some(reason) }
    }
}

impl Store {
    /// Checks the whole chain in one read transaction, oldest entry first, and names the first broken entry.
    pub async fn verify_audit(&self) -> Result<ChainReport, StoreError> {
        let txn = self.db.begin().await?;
        let head = audit_chain::Entity::find_by_id(audit_chain::HEAD_ID)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::internal("the audit chain head row is missing"))?;
        let (mut expected_sequence, mut expected_prev) = (head.anchor_sequence + 1, head.anchor_hash.clone());
        let mut checked = 0u64;
        loop {
            let rows = audit_entry::Entity::find()
                .filter(audit_entry::Column::Sequence.gte(expected_sequence))
                .filter(audit_entry::Column::Sequence.lte(head.last_sequence))
                .order_by_asc(audit_entry::Column::Sequence)
                .limit(PAGE)
                .all(&txn)
                .await?;
            let last_page = (rows.len() as u64) < PAGE;
            for row in rows {
                let entry = audit_from_row(row)?;
                if entry.sequence != expected_sequence {
                    let reason = format!("entries {expected_sequence} to {} are missing", entry.sequence - 1);
                    return Ok(ChainReport::broken(checked, expected_sequence, reason));
                }
                checked += 1;
                if entry.prev_hash != expected_prev {
                    let reason = format!("entry {} does not link to the entry before it", entry.sequence);
                    return Ok(ChainReport::broken(checked, entry.sequence, reason));
                }
                if let Some(reason) = entry.hash_mismatch() {
                    return Ok(ChainReport::broken(checked, entry.sequence, reason));
                }
                expected_sequence = entry.sequence + 1;
                expected_prev = entry.hash;
            }
            if last_page {
                break;
            }
        }
        if expected_sequence <= head.last_sequence {
            let reason = format!("entries {expected_sequence} to {} are missing", head.last_sequence);
            return Ok(ChainReport::broken(checked, expected_sequence, reason));
        }
        if expected_prev != head.last_hash {
            let reason = format!("entry {} does not match the hash recorded for the newest entry", head.last_sequence);
            return Ok(ChainReport::broken(checked, head.last_sequence, reason));
        }
        Ok(ChainReport { valid: true, entries_checked: checked, first_broken_sequence: None, reason: None })
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use super::*;
    use crate::{domain::Category, testing::triaged};

    #[tokio::test]
    async fn an_intact_chain_verifies_and_a_tampered_row_is_named() {
        let store = Store::open_memory().await.expect("store");
        let fresh = store.verify_audit().await.expect("verify");
        assert_eq!(fresh, ChainReport { valid: true, entries_checked: 0, first_broken_sequence: None, reason: None });
        for n in 0..5u32 {
            triaged(&store, n, i64::from(n), "network", Category::Technical).await;
        }
        let report = store.verify_audit().await.expect("verify");
        assert!(report.valid, "{report:?}");
        assert_eq!(report.entries_checked, 5);

        store
            .db
            .execute_unprepared("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 3")
            .await
            .expect("tamper");
        let report = store.verify_audit().await.expect("verify");
        assert!(!report.valid);
        assert_eq!(report.first_broken_sequence, Some(3));
        assert!(report.reason.as_deref().is_some_and(|r| r.contains("altered")), "{report:?}");
    }

    #[tokio::test]
    async fn a_missing_entry_or_a_cut_tail_is_reported() {
        let store = Store::open_memory().await.expect("store");
        for n in 0..4u32 {
            triaged(&store, n, i64::from(n), "network", Category::Technical).await;
        }
        store.db.execute_unprepared("DELETE FROM audit_entries WHERE sequence = 4").await.expect("cut");
        let report = store.verify_audit().await.expect("verify");
        assert_eq!((report.valid, report.first_broken_sequence), (false, Some(4)));
        store.db.execute_unprepared("DELETE FROM audit_entries WHERE sequence = 2").await.expect("cut");
        let report = store.verify_audit().await.expect("verify");
        assert_eq!((report.valid, report.first_broken_sequence, report.entries_checked), (false, Some(2), 1));
    }
}
