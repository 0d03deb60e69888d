//! Verifying the audit chain as stored: every entry's own hash, every link to the entry before it, no
//! gaps, and the chain head, starting from the anchor a purge left (the genesis hash for a fresh log);
//! with a keyring, the signatures too (see [`ChainVerifier`]). One read transaction, a page at a time.

use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};

use super::{
    connect::Store,
    entities::{audit_chain, audit_entry, audit_signature},
    error::StoreError,
    rows::audit_from_row,
    signatures::signatures_where,
};
use crate::domain::{ChainEnd, ChainReport, ChainSignature, ChainVerifier};

/// Entries read at a time.
const PAGE: u64 = 1000;

impl Store {
    /// Checks the whole chain in one read transaction, oldest entry first, and names the first broken
    /// entry; with a keyring, entries written before signing was turned on are counted, not broken.
    pub async fn verify_audit(&self) -> Result<ChainReport, StoreError> {
        self.verify_audit_with(false).await
    }

    /// [`verify_audit`](Self::verify_audit); when `strict`, entries no signature of their own covers
    /// (written before signing was turned on) are broken too.
    pub async fn verify_audit_with(&self, strict: bool) -> Result<ChainReport, StoreError> {
        let txn = self.db.begin().await?;
        let (report, _) = self.verify_in(&txn, strict).await?;
        txn.commit().await?;
        Ok(report)
    }

    /// The check, inside `txn`; also the head it checked against.
    pub(super) async fn verify_in(
        &self,
        txn: &DatabaseTransaction,
        strict: bool,
    ) -> Result<(ChainReport, audit_chain::Model), StoreError> {
        let head = audit_chain::Entity::find_by_id(audit_chain::HEAD_ID)
            .one(txn)
            .await?
            .ok_or_else(|| StoreError::internal("the audit chain head row is missing"))?;
        let keyring = self.keyring.clone();
        let signed = keyring.is_some();
        let mut check = ChainVerifier::new(Some((head.anchor_sequence, head.anchor_hash.clone())), keyring, strict);
        if signed {
            for signature in signatures_where(txn, audit_signature::Column::Sequence.lte(head.anchor_sequence)).await? {
                check.signature(&signature);
            }
        }
        let mut next = head.anchor_sequence + 1;
        while !check.chain_broken() {
            let rows = audit_entry::Entity::find()
                .filter(audit_entry::Column::Sequence.gte(next))
                .filter(audit_entry::Column::Sequence.lte(head.last_sequence))
                .order_by_asc(audit_entry::Column::Sequence)
                .limit(PAGE)
                .all(txn)
                .await?;
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else { break };
            let (first, last) = (first.sequence, last.sequence);
            let last_page = (rows.len() as u64) < PAGE;
            let signatures = match signed {
                true => signatures_where(txn, audit_signature::Column::Sequence.between(first, last)).await?,
                false => Vec::new(),
            };
            // Hashing a page and verifying its signatures is CPU work: on the blocking pool, off the
            // runtime threads that serve other calls.
            check = tokio::task::spawn_blocking(move || check_page(check, rows, signatures))
                .await
                .map_err(|e| StoreError::internal(format!("the chain check task failed: {e}")))??;
            next = last + 1;
            if last_page {
                break;
            }
        }
        if signed && !check.chain_broken() {
            let after = (next - 1).max(head.anchor_sequence);
            for signature in signatures_where(txn, audit_signature::Column::Sequence.gt(after)).await? {
                check.signature(&signature);
            }
        }
        let report = check.finish(ChainEnd::Head { last_sequence: head.last_sequence, last_hash: &head.last_hash });
        Ok((report, head))
    }
}

/// Feeds one page of entries, each followed by the signatures made at it, to the check.
fn check_page(
    mut check: ChainVerifier,
    rows: Vec<audit_entry::Model>,
    signatures: Vec<ChainSignature>,
) -> Result<ChainVerifier, StoreError> {
    let mut signatures = signatures.into_iter().peekable();
    for row in rows {
        let entry = audit_from_row(row)?;
        check.entry(&entry);
        while let Some(signature) = signatures.next_if(|s| s.head.sequence <= entry.sequence) {
            check.signature(&signature);
        }
    }
    Ok(check)
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
        assert_eq!(fresh, ChainReport { valid: true, ..Default::default() });
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
