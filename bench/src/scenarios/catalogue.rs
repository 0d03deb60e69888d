//! The scenarios of the report: key, name, what each does, and what its throughput counts.

use crate::report::Basis;

/// One scenario of the report.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Short key (JSON, chart).
    pub key: &'static str,
    /// Name in the tables.
    pub name: &'static str,
    /// What one call does.
    pub what: &'static str,
    /// Calls or tickets.
    pub basis: Basis,
}

const fn s(key: &'static str, name: &'static str, what: &'static str, basis: Basis) -> Scenario {
    Scenario { key, name, what, basis }
}

/// Health/Check, the baseline.
pub const HEALTH: Scenario =
    s("health", "Health/Check", "grpc.health.v1.Health/Check of the whole server: the baseline", Basis::Call);
/// TriageTicket, dry run.
pub const TRIAGE_DRY: Scenario =
    s("triage_dry", "TriageTicket dry run", "a fresh ticket triaged, nothing stored", Basis::Call);
/// TriageTicket, stored.
pub const TRIAGE_STORED: Scenario = s(
    "triage_stored",
    "TriageTicket stored",
    "a fresh ticket triaged and stored with its result and audit entry in one transaction",
    Basis::Call,
);
/// BatchTriage of 100, stored.
pub const BATCH: Scenario =
    s("batch_stored", "BatchTriage stored", "100 fresh tickets a call, triaged and stored", Basis::Ticket);
/// StreamTriage, stored.
pub const STREAM: Scenario = s(
    "stream_stored",
    "StreamTriage stored",
    "fresh tickets over long-lived streams, each acknowledged by its outcome once stored",
    Basis::Ticket,
);
/// GetTicket.
pub const GET: Scenario = s("get_ticket", "GetTicket", "a stored ticket and its latest result, by id", Basis::Call);
/// ListTickets' first page.
pub const LIST_FIRST: Scenario = s("list_first", "ListTickets first page", "the 50 newest tickets", Basis::Call);
/// ListTickets, a deep page.
pub const LIST_DEEP: Scenario =
    s("list_deep", "ListTickets deep page", "50 tickets far down the listing, reached by page tokens", Basis::Call);
/// ListTickets by status.
pub const LIST_STATUS: Scenario =
    s("list_status", "ListTickets by status", "the first page of the most common status", Basis::Call);
/// ListTickets by queue.
pub const LIST_QUEUE: Scenario =
    s("list_queue", "ListTickets by queue", "the first page of the most common queue", Basis::Call);
/// ListTickets by status and queue.
pub const LIST_BOTH: Scenario =
    s("list_status_queue", "ListTickets by status + queue", "the first page of both filters together", Basis::Call);
/// GetStats.
pub const STATS: Scenario = s("get_stats", "GetStats", "counts by status, category, priority and queue", Basis::Call);
