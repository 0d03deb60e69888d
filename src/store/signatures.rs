//! The audit chain's signatures as rows: the signer and keyring a store is given, the signature
//! written with each write transaction, reading them back by sequence, and the export signature that
//! closes an archive (made only when the chain as stored verifies and ends the export where it says).

use std::sync::Arc;

use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use super::{
    connect::Store,
    entities::{audit_entry, audit_signature},
    error::StoreError,
    rows::{from_micros, micros},
};
use crate::domain::{ChainSignature, ChainSigner, Keyring, SignatureKind, SignedHead};

impl Store {
    /// The same store (and pool), signing the chain head in every write transaction with `signer`
    /// and verifying signatures with its keyring.
    pub fn signed_by(mut self, signer: Arc<ChainSigner>) -> Store {
        self.keyring = Some(Arc::new(signer.keyring().clone()));
        self.signer = Some(signer);
        self
    }

    /// The same store (and pool), verifying signatures with `keyring` (public keys only; nothing is
    /// signed).
    pub fn verified_with(mut self, keyring: Arc<Keyring>) -> Store {
        self.keyring = Some(keyring);
        self
    }

    /// The keys signatures are verified with, if the store was given any.
    pub fn keyring(&self) -> Option<&Keyring> {
        self.keyring.as_deref()
    }

    /// The signatures made at sequences `from..=to`, in order.
    pub async fn audit_signatures_between(&self, from: i64, to: i64) -> Result<Vec<ChainSignature>, StoreError> {
        signatures_where(&self.db, audit_signature::Column::Sequence.between(from, to)).await
    }

    /// The export signature over the entries after the anchor `(anchor_sequence, anchor_hash)` up to
    /// `last_sequence`, whose hash is `last_hash`, as the export read them; `None` without a signer.
    /// Refused unless the chain as stored verifies (signatures too), still starts at that anchor and
    /// holds that hash at `last_sequence`: an export signature never vouches for what the store's own
    /// signatures do not.
    pub async fn seal_audit_export(
        &self,
        (anchor_sequence, anchor_hash): (i64, &str),
        (last_sequence, last_hash): (i64, &str),
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<ChainSignature>, StoreError> {
        let Some(signer) = &self.signer else { return Ok(None) };
        let txn = self.db.begin().await?;
        let (report, head) = self.verify_in(&txn, false).await?;
        let at_last = audit_entry::Entity::find_by_id(last_sequence).one(&txn).await?;
        txn.commit().await?;
        if !report.valid {
            return Err(StoreError::FailedPrecondition(format!(
                "the audit chain does not verify (entry {}: {}); the export is not signed",
                report.first_broken_sequence.unwrap_or_default(),
                report.reason.unwrap_or_default()
            )));
        }
        if (head.anchor_sequence, head.anchor_hash.as_str()) != (anchor_sequence, anchor_hash)
            || at_last.is_none_or(|row| row.hash != last_hash)
        {
            return Err(StoreError::FailedPrecondition(
                "the audit log changed during the export (a purge?); the export is not signed: export again".into(),
            ));
        }
        let head = SignedHead {
            kind: SignatureKind::Export,
            sequence: last_sequence,
            head_hash: last_hash.to_owned(),
            first_sequence: anchor_sequence + 1,
            anchor_sequence,
            anchor_hash: anchor_hash.to_owned(),
        };
        Ok(Some(signer.sign(head, now)))
    }
}

/// The signatures that `condition` selects, in order of sequence.
pub(super) async fn signatures_where(
    conn: &impl ConnectionTrait,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> Result<Vec<ChainSignature>, StoreError> {
    let rows = audit_signature::Entity::find()
        .filter(condition)
        .order_by_asc(audit_signature::Column::Sequence)
        .order_by_asc(audit_signature::Column::Id)
        .all(conn)
        .await?;
    rows.into_iter().map(signature_from_row).collect()
}

/// Writes `signature` (a commit signature) in the transaction `conn`.
pub(super) async fn insert_signature(
    conn: &impl ConnectionTrait,
    signature: &ChainSignature,
) -> Result<(), StoreError> {
    let row = audit_signature::ActiveModel {
        sequence: Set(signature.head.sequence),
        head_hash: Set(signature.head.head_hash.clone()),
        first_sequence: Set(signature.head.first_sequence),
        anchor_sequence: Set(signature.head.anchor_sequence),
        anchor_hash: Set(signature.head.anchor_hash.clone()),
        key_id: Set(signature.key_id.clone()),
        signature: Set(signature.signature.clone()),
        signed_at: Set(micros(signature.signed_at)),
        ..Default::default()
    };
    audit_signature::Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// Removes the signatures of purged entries (those at or before `sequence`).
pub(super) async fn delete_signatures_through(conn: &impl ConnectionTrait, sequence: i64) -> Result<(), StoreError> {
    audit_signature::Entity::delete_many().filter(audit_signature::Column::Sequence.lte(sequence)).exec(conn).await?;
    Ok(())
}

fn signature_from_row(row: audit_signature::Model) -> Result<ChainSignature, StoreError> {
    Ok(ChainSignature {
        head: SignedHead {
            kind: SignatureKind::Commit,
            sequence: row.sequence,
            head_hash: row.head_hash,
            first_sequence: row.first_sequence,
            anchor_sequence: row.anchor_sequence,
            anchor_hash: row.anchor_hash,
        },
        key_id: row.key_id,
        signature: row.signature,
        signed_at: from_micros(row.signed_at)?,
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use super::*;
    use crate::{
        domain::Category,
        testing::{at, triaged},
    };

    async fn signed_store() -> Store {
        Store::open_memory().await.expect("store").signed_by(Arc::new(ChainSigner::from_seed(&[1; 32])))
    }

    #[tokio::test]
    async fn every_commit_is_signed_and_a_purge_leaves_a_signed_anchor() {
        let store = signed_store().await;
        for n in 0..4u32 {
            triaged(&store, n, i64::from(n) * 10, "network", Category::Technical).await;
        }
        let signed = store.audit_signatures_between(0, 100).await.expect("read");
        let covered: Vec<(i64, i64)> = signed.iter().map(|s| (s.head.first_sequence, s.head.sequence)).collect();
        assert_eq!(covered, [(1, 1), (2, 2), (3, 3), (4, 4)]);
        let report = store.verify_audit().await.expect("verify");
        assert_eq!((report.valid, report.signatures_checked, report.unsigned_entries), (true, 4, 0), "{report:?}");

        assert_eq!(store.purge_audit(at(15), true, &"ops".into(), at(100)).await.expect("purged"), 2);
        let signed = store.audit_signatures_between(0, 100).await.expect("read");
        let purge = signed.last().expect("the purge's signature");
        assert_eq!((purge.head.sequence, purge.head.anchor_sequence), (5, 2));
        assert!(signed.iter().all(|s| s.head.sequence > 2), "the purged entries' signatures went: {signed:?}");
        let report = store.verify_audit_with(true).await.expect("verify");
        assert!(report.valid, "{report:?}");

        let entries = store.audit_after(0, 10).await.expect("entries");
        let (first, last) = (entries.first().expect("first"), entries.last().expect("last"));
        let seal = store
            .seal_audit_export((2, &first.prev_hash), (last.sequence, &last.hash), at(101))
            .await
            .expect("sealed")
            .expect("a signer");
        assert_eq!(
            (seal.head.kind, seal.head.sequence, seal.head.first_sequence, seal.head.anchor_sequence),
            (SignatureKind::Export, 5, 3, 2)
        );
        assert_eq!(store.keyring().expect("keys").verify(&seal), Ok(()));

        store
            .db
            .execute_unprepared("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 4")
            .await
            .expect("tamper");
        let refused = store.seal_audit_export((2, &first.prev_hash), (5, &last.hash), at(102)).await;
        assert!(matches!(refused, Err(StoreError::FailedPrecondition(ref m)) if m.contains("entry 4")), "{refused:?}");
    }

    #[tokio::test]
    async fn a_store_without_a_signer_signs_nothing_and_seals_nothing() {
        let store = Store::open_memory().await.expect("store");
        triaged(&store, 1, 0, "network", Category::Technical).await;
        assert!(store.audit_signatures_between(0, 10).await.expect("read").is_empty());
        let entry = store.audit_after(0, 1).await.expect("entries").remove(0);
        let sealed = store.seal_audit_export((0, &entry.prev_hash), (1, &entry.hash), at(1)).await.expect("no error");
        assert_eq!(sealed, None);
        let keyring = Arc::new(ChainSigner::from_seed(&[1; 32]).keyring().clone());
        let report = store.verified_with(keyring).verify_audit().await.expect("verify");
        assert_eq!((report.valid, report.signatures_required, report.unsigned_entries), (true, true, 1));
    }
}
