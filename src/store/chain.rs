//! Write transactions that append to the audit chain: the chain head row is updated first (the write lock),
//! entries get consecutive sequences and linked hashes, the new head is signed (when the store has a
//! signer) in the same transaction, and subscribers hear about each commit. The wait for the lock
//! (`begin_write`) and the whole transaction (`write_transaction`) are timed.

use std::time::Instant;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait, sea_query::Expr,
};

use super::{
    connect::Store,
    entities::audit_chain::{self, Column as Head, HEAD_ID},
    error::StoreError,
    rows::{audit_row, to_stored_precision},
    signatures::insert_signature,
};
use crate::domain::{AuditEntry, AuditRecord, SignatureKind, SignedHead};

/// An open write transaction holding the audit chain's lock.
pub(super) struct WriteTxn {
    txn: DatabaseTransaction,
    head: audit_chain::Model,
    /// The newest sequence when the transaction began: what it appends starts after it.
    began_at: i64,
    changed: bool,
    appended: bool,
    started: Instant,
}

impl WriteTxn {
    /// The transaction, to run statements in.
    pub(super) fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The chain head as of now (including entries appended in this transaction).
    pub(super) fn head(&self) -> &audit_chain::Model {
        &self.head
    }

    /// Appends `record` as the next entry of the chain.
    pub(super) async fn append(&mut self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        let entry = self.stage(record);
        audit_chain_insert(&self.txn, std::slice::from_ref(&entry)).await?;
        Ok(entry)
    }

    /// Gives `record` the next place in the chain without writing it yet; the caller writes the staged
    /// entries with [`insert_staged`](Self::insert_staged) before committing.
    pub(super) fn stage(&mut self, mut record: AuditRecord) -> AuditEntry {
        record.created_at = to_stored_precision(record.created_at);
        let sequence = self.head.last_sequence + 1;
        let hash = record.chain_hash(sequence, &self.head.last_hash);
        let entry = AuditEntry { sequence, record, prev_hash: self.head.last_hash.clone(), hash };
        self.head.last_sequence = sequence;
        self.head.last_hash = entry.hash.clone();
        self.changed = true;
        self.appended = true;
        entry
    }

    /// Writes staged entries in one statement.
    pub(super) async fn insert_staged(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        audit_chain_insert(&self.txn, entries).await
    }

    /// Moves the point verification starts from (after a purge).
    pub(super) fn set_anchor(&mut self, sequence: i64, hash: String) {
        self.head.anchor_sequence = sequence;
        self.head.anchor_hash = hash;
        self.changed = true;
    }
}

async fn audit_chain_insert(txn: &DatabaseTransaction, entries: &[AuditEntry]) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    super::rows::insert_chunked(txn, entries.iter().map(audit_row).collect()).await
}

impl Store {
    /// Starts a write transaction: BEGIN IMMEDIATE on SQLite, then the chain head row is updated before
    /// anything else, which takes the write lock at once (a row lock on PostgreSQL) and serialises writers.
    pub(super) async fn begin_write(&self) -> Result<WriteTxn, StoreError> {
        let began = self.begin_write_unnoted().await;
        self.note_write(began)
    }

    async fn begin_write_unnoted(&self) -> Result<WriteTxn, StoreError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let started = Instant::now();
        let txn = self.db.begin_with_options(options).await?;
        audit_chain::Entity::update_many()
            .col_expr(Head::LastSequence, Expr::col(Head::LastSequence))
            .filter(Head::Id.eq(HEAD_ID))
            .exec(&txn)
            .await?;
        let head = audit_chain::Entity::find_by_id(HEAD_ID)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::internal("the audit chain head row is missing"))?;
        self.finished("begin_write", started);
        let began_at = head.last_sequence;
        Ok(WriteTxn { txn, head, began_at, changed: false, appended: false, started })
    }

    /// Remembers the storage fault a write failed with (health reads it); passes `outcome` on. A
    /// failed write of a file store whose path no longer names the file it opened fails for that,
    /// whatever the database said (a fresh connection finds no file, or a file without tables).
    pub(super) fn note_write<T>(&self, outcome: Result<T, StoreError>) -> Result<T, StoreError> {
        let err = match outcome {
            Ok(done) => return Ok(done),
            Err(err) => err,
        };
        let err = match self.file.as_ref().map(|file| file.check()) {
            Some(Err(fault)) if err.fault() != Some(fault) => StoreError::Fault(fault, Box::new(err)),
            _ => err,
        };
        if let Some(fault) = err.fault() {
            self.faults.raise(fault);
        }
        Err(err)
    }

    /// Saves the chain head and, with a signer, its signature (covering what this transaction
    /// appended and the anchor), commits, and wakes audit subscribers when entries were appended.
    /// A commit is acknowledged only once the database file it went to is still the store's (not
    /// deleted or replaced under the server); a successful one ends any storage fault.
    pub(super) async fn commit(&self, write: WriteTxn) -> Result<(), StoreError> {
        let committed = self.commit_unnoted(write).await.and_then(|()| match &self.file {
            Some(file) => file.check().map_err(StoreError::found),
            None => Ok(()),
        });
        if committed.is_ok() {
            self.faults.clear();
        }
        self.note_write(committed)
    }

    async fn commit_unnoted(&self, write: WriteTxn) -> Result<(), StoreError> {
        let WriteTxn { txn, head, began_at, changed, appended, started } = write;
        if changed && let Some(signer) = &self.signer {
            let signed = SignedHead {
                kind: SignatureKind::Commit,
                sequence: head.last_sequence,
                head_hash: head.last_hash.clone(),
                first_sequence: began_at + 1,
                anchor_sequence: head.anchor_sequence,
                anchor_hash: head.anchor_hash.clone(),
            };
            insert_signature(&txn, &signer.sign(signed, chrono::Utc::now())).await?;
        }
        if changed {
            audit_chain::Entity::update_many()
                .col_expr(Head::LastSequence, Expr::value(head.last_sequence))
                .col_expr(Head::LastHash, Expr::value(head.last_hash.clone()))
                .col_expr(Head::AnchorSequence, Expr::value(head.anchor_sequence))
                .col_expr(Head::AnchorHash, Expr::value(head.anchor_hash.clone()))
                .filter(Head::Id.eq(HEAD_ID))
                .exec(&txn)
                .await?;
        }
        if appended && txn.get_database_backend() == DbBackend::Postgres {
            // Delivered to every listening instance when (and only if) the transaction commits.
            let notify = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [super::postgres::AUDIT_CHANNEL.into(), head.last_sequence.to_string().into()],
            );
            txn.execute_raw(notify).await?;
        }
        txn.commit().await?;
        self.finished("write_transaction", started);
        if appended {
            let last = head.last_sequence;
            self.audit_committed.send_if_modified(|seen| {
                let newer = last > *seen;
                if newer {
                    *seen = last;
                }
                newer
            });
        }
        Ok(())
    }
}
