//! The helpdesk's own vocabulary: tickets, their identifiers, validation and the audit log's entries.
//! Nothing here knows about gRPC or the database.

pub mod audit;
pub mod ids;
pub mod patch;
pub mod ticket;
pub mod validation;

pub use audit::{Actor, AuditAction, AuditEntry, AuditRecord};
pub use ids::TicketId;
pub use patch::{PatchError, TicketPatch};
pub use ticket::{Category, Priority, Status, Ticket, TicketDraft};
pub use validation::{FieldViolation, Limits, ValidationErrors, is_valid_email, validate_draft};
