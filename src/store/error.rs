//! The store's one error type: what went wrong in words a caller may see, the cause kept for the logs.

use std::error::Error as StdError;

use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};

use super::fault::StorageFault;
use crate::domain::ValidationErrors;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What was not found, such as `ticket TKT-20261127-7K3QX9AB`.
    #[error("{0} not found")]
    NotFound(String),
    /// What exists already, such as `ticket TKT-20261127-7K3QX9AB`.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The operation is refused in the current state; the message says what to do first.
    #[error("{0}")]
    FailedPrecondition(String),
    /// A value is invalid (a patched field, a page token), with every violation.
    #[error(transparent)]
    Invalid(ValidationErrors),
    /// The database cannot be reached (connection, pool timeout, I/O, lock wait timeout).
    #[error("the database is unavailable")]
    Unavailable(#[source] DbErr),
    /// The store cannot write (disk full, read-only, its file deleted or replaced, the database gone);
    /// the fault's words may be shown, the cause is logged.
    #[error("{0}")]
    Fault(StorageFault, #[source] Box<dyn StdError + Send + Sync>),
    /// Anything else: a failed query, a corrupt row. Details are logged, not shown.
    #[error("internal storage error")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl StoreError {
    /// An internal error with a description for the logs (whoever reports the error logs it).
    pub fn internal(what: impl Into<String>) -> Self {
        let what: String = what.into();
        StoreError::Internal(what.into())
    }

    /// A refused page token (a single violation on `page_token`).
    pub fn bad_page_token(reason: &str) -> Self {
        StoreError::Invalid(ValidationErrors::single("page_token", reason))
    }

    /// True when the database could not be reached: health checks should say NOT_SERVING.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Fault(..))
    }

    /// The storage fault behind this error, if it is one.
    pub fn fault(&self) -> Option<StorageFault> {
        match self {
            StoreError::Fault(fault, _) => Some(*fault),
            _ => None,
        }
    }

    /// A fault found by the store itself rather than reported by the database.
    pub(super) fn found(fault: StorageFault) -> Self {
        StoreError::Fault(fault, fault.to_string().into())
    }
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if let Some(fault) = StorageFault::of(&err) {
            return StoreError::Fault(fault, Box::new(err));
        }
        if is_unavailable(&err) { StoreError::Unavailable(err) } else { StoreError::Internal(Box::new(err)) }
    }
}

/// Whether `err` is a unique-key violation (a duplicate primary key).
pub(crate) fn is_duplicate(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Connection, pool and I/O problems, and a lock that was not granted within the busy timeout.
fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::BeginFailed => true,
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // SQLITE_BUSY (5), SQLITE_LOCKED (6), by primary result code; I/O, full and read-only
                    // errors are storage faults (`StorageFault::of`, asked first).
                    matches!(code.parse::<i64>().map(|c| c & 0xff), Ok(5 | 6))
                } else {
                    // PostgreSQL: connection exceptions, too many connections, shutting down.
                    code.starts_with("08") || code == "53300" || code.starts_with("57P0")
                }
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_do_not_leak_database_details() {
        let err = StoreError::from(DbErr::Conn(RuntimeErr::Internal("socket /var/db: refused".into())));
        assert!(err.is_unavailable());
        assert_eq!(err.to_string(), "the database is unavailable");
        let err = StoreError::from(DbErr::Custom("SELECT secret FROM t".into()));
        assert_eq!(err.to_string(), "internal storage error");
        assert!(err.source().is_some());
    }
}
