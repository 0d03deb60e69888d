//! The one store layer: sea-orm entities, migrations and the repository the services call.

mod archive;
mod audit;
mod backup;
mod batch;
mod chain;
mod connect;
mod duplicates;
mod entities;
mod error;
mod lease;
mod listing;
mod lock;
pub mod migrations;
mod paging;
mod pool;
mod postgres;
mod replay;
mod rows;
mod settings;
mod stats;
mod sweep;
#[cfg(test)]
mod testing;
mod tickets;
mod triage;
mod verify;

pub use audit::AuditFilter;
pub use backup::{SnapshotReport, StoredCounts};
pub use connect::Store;
pub use duplicates::{MAX_CANDIDATES, SimilarQuery};
pub use error::StoreError;
pub use listing::TicketFilter;
pub use lock::{LOCK_FILE, LockMode, StoreLock};
pub use paging::{Page, PageRequest};
pub use pool::PoolStatus;
pub use postgres::mask_password;
pub use settings::PoolSettings;
pub use stats::TicketStats;
pub use sweep::SweptTicket;
pub use triage::StoredTriage;
pub use verify::ChainReport;
