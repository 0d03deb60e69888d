//! The name, kind, labels and help text of every metric the service exports, registered once.

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

/// Counter: finished gRPC calls, by `method` and `code`.
pub const RPC_REQUESTS: &str = "helpdesk_rpc_requests_total";
/// Histogram (seconds): time from request to the call's final status, by `method` and `code`.
pub const RPC_DURATION: &str = "helpdesk_rpc_duration_seconds";
/// Counter: triage decisions, by `queue` and `priority` (the final ones).
pub const TRIAGE_OUTCOMES: &str = "helpdesk_triage_outcomes_total";
/// Counter: tickets the triage escalated, by `level` and `reason`.
pub const ESCALATIONS: &str = "helpdesk_escalations_total";
/// Counter: triage results served from the result cache.
pub const CACHE_HITS: &str = "helpdesk_triage_cache_hits_total";
/// Counter: triages the result cache could not answer.
pub const CACHE_MISSES: &str = "helpdesk_triage_cache_misses_total";
/// Histogram (seconds): database operations, by `operation`.
pub const DB_DURATION: &str = "helpdesk_db_operation_duration_seconds";
/// Histogram: callers whose triages one write transaction stored (group commit).
pub const DB_WRITE_GROUP_CALLS: &str = "helpdesk_db_write_group_calls";
/// Histogram: triages one write transaction stored (group commit).
pub const DB_WRITE_GROUP_ITEMS: &str = "helpdesk_db_write_group_items";
/// Counter: shared write transactions that failed, whose callers were then written one by one.
pub const DB_WRITE_GROUPS_SPLIT: &str = "helpdesk_db_write_groups_split_total";
/// Gauge: pooled database connections, by `state` (`in_use`, `idle`).
pub const DB_POOL_CONNECTIONS: &str = "helpdesk_db_pool_connections";
/// Gauge: the most connections the pool opens.
pub const DB_POOL_MAX: &str = "helpdesk_db_pool_max_connections";
/// Gauge: StreamTriage items received whose outcome has not been sent yet.
pub const STREAM_ITEMS_IN_FLIGHT: &str = "helpdesk_stream_items_in_flight";

/// Histogram buckets in seconds, from half a millisecond to 30 s: triage and SQLite writes take
/// milliseconds; the long tail covers busy-lock waits, large batches and streams.
pub const SECONDS_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Buckets of the group-commit sizes: from a lone call to the largest group.
pub const GROUP_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0];

/// Gives every metric its help text and unit (shown as `# HELP` in the scrape).
pub fn describe() {
    describe_counter!(RPC_REQUESTS, Unit::Count, "gRPC calls finished, by method and status code.");
    describe_histogram!(
        RPC_DURATION,
        Unit::Seconds,
        "Time from a gRPC request to its final status (for streams: the whole stream), by method and status code."
    );
    describe_counter!(TRIAGE_OUTCOMES, Unit::Count, "Tickets triaged, by the queue and final priority decided.");
    describe_counter!(ESCALATIONS, Unit::Count, "Tickets the triage escalated, by level and reason.");
    describe_counter!(CACHE_HITS, Unit::Count, "Triage results served from the result cache.");
    describe_counter!(CACHE_MISSES, Unit::Count, "Triages the result cache could not answer.");
    describe_histogram!(DB_DURATION, Unit::Seconds, "Time a database operation took, by operation.");
    describe_histogram!(DB_WRITE_GROUP_CALLS, Unit::Count, "Callers whose triages one write transaction stored.");
    describe_histogram!(DB_WRITE_GROUP_ITEMS, Unit::Count, "Triages one write transaction stored.");
    describe_counter!(
        DB_WRITE_GROUPS_SPLIT,
        Unit::Count,
        "Shared write transactions that failed; each of their callers was then written on its own."
    );
    describe_gauge!(DB_POOL_CONNECTIONS, Unit::Count, "Pooled database connections, by state (in_use, idle).");
    describe_gauge!(DB_POOL_MAX, Unit::Count, "The most connections the database pool opens.");
    describe_gauge!(
        STREAM_ITEMS_IN_FLIGHT,
        Unit::Count,
        "StreamTriage items received whose outcome has not been sent yet."
    );
}
