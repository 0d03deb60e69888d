//! sea-orm entities: one module per table, columns as stored (times in microseconds since the epoch, UTC).

pub mod audit_chain;
pub mod audit_entry;
pub mod audit_export;
pub mod audit_signature;
pub mod lease;
pub mod request_key;
pub mod ticket;
pub mod ticket_band;
pub mod ticket_fingerprint;
pub mod triage_result;
