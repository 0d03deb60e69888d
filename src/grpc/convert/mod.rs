//! Conversions between the generated proto messages and the domain and triage types.

mod enums;
mod result;
mod rules;
mod ticket;
mod time;

pub use enums::{
    category_from_proto, category_to_proto, priority_from_proto, priority_to_proto, status_from_proto, status_to_proto,
};
pub use result::{audit_to_proto, result_to_proto, signature_to_proto};
pub use rules::{backtest_to_proto, candidate_from_proto, check_to_proto, rules_to_proto, trial_to_proto};
pub use ticket::{draft_to_proto, ticket_from_proto, ticket_to_proto};
pub use time::{from_timestamp, timestamp};
