//! The helpdesk's own vocabulary: tickets, their identifiers, validation, the audit log's entries,
//! the signatures over its chain and how the chain is checked. Nothing here knows about gRPC or the
//! database.

pub mod audit;
pub mod chain_check;
pub mod ids;
pub mod limits;
pub mod patch;
pub mod signing;
pub mod ticket;
pub mod validation;

pub use audit::{Actor, AuditAction, AuditEntry, AuditRecord};
pub use chain_check::{ArchiveLine, ChainEnd, ChainReport, ChainVerifier};
pub use ids::TicketId;
pub use limits::{FieldLimits, TicketLimits, over_limit};
pub use patch::{PatchError, TicketPatch};
pub use signing::{ChainSignature, ChainSigner, KeyError, Keyring, SignatureKind, SignedHead};
pub use ticket::{Category, Priority, Status, Ticket, TicketDraft};
pub use validation::{FieldViolation, Limits, ValidationErrors, is_valid_email, validate_draft};
