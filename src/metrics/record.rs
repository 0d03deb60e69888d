//! Recording what the service decides and waits for: triage outcomes, escalations, cache use,
//! database latency and stream items in flight. Each is a no-op until a recorder is installed.

use std::time::Duration;

use metrics::{counter, gauge, histogram};

use super::names::{
    CACHE_HITS, CACHE_MISSES, DB_DURATION, DB_POOL_CONNECTIONS, DB_POOL_MAX, DB_WRITE_GROUP_CALLS,
    DB_WRITE_GROUP_ITEMS, DB_WRITE_GROUPS_SPLIT, ESCALATIONS, STREAM_ITEMS_IN_FLIGHT, TRIAGE_OUTCOMES,
};
use crate::{
    store::{PoolStatus, StoreError, StoreObserver},
    triage::{
        TriageResult,
        result::{Escalation, EscalationCause},
    },
};

/// Counts one triage decision: its queue and final priority, its escalation, and (when `cached`
/// results are kept) whether the cache answered it.
pub fn triage_decided(result: &TriageResult, cached: bool) {
    counter!(TRIAGE_OUTCOMES, "queue" => result.queue.clone(), "priority" => result.priority.as_str()).increment(1);
    if result.escalation.escalated {
        let level = result.escalation.level.as_str();
        counter!(ESCALATIONS, "level" => level, "reason" => reason_label(&result.escalation)).increment(1);
    }
    if cached {
        counter!(if result.from_cache { CACHE_HITS } else { CACHE_MISSES }).increment(1);
    }
}

/// Counts one escalation by the periodic sweep.
pub fn swept(escalation: &Escalation) {
    counter!(ESCALATIONS, "level" => escalation.level.as_str(), "reason" => reason_label(escalation)).increment(1);
}

/// The causes of an escalation as a bounded label: `critical_priority`, `age` and `rule`, joined by
/// `+` in that order (`other` for a result stored before causes were recorded).
pub fn reason_label(escalation: &Escalation) -> &'static str {
    let has = |wanted: fn(&EscalationCause) -> bool| escalation.causes.iter().any(wanted);
    let critical = has(|c| matches!(c, EscalationCause::CriticalPriority));
    let age = has(|c| matches!(c, EscalationCause::Age { .. }));
    let rule = has(|c| matches!(c, EscalationCause::Rule { .. }));
    match (critical, age, rule) {
        (true, false, false) => "critical_priority",
        (false, true, false) => "age",
        (false, false, true) => "rule",
        (true, true, false) => "critical_priority+age",
        (true, false, true) => "critical_priority+rule",
        (false, true, true) => "age+rule",
        (true, true, true) => "critical_priority+age+rule",
        (false, false, false) => "other",
    }
}

/// Records how long each database operation took, as the store reports it.
#[derive(Debug, Clone, Copy, Default)]
pub struct DatabaseMetrics;

impl StoreObserver for DatabaseMetrics {
    fn operation_finished(&self, operation: &'static str, elapsed: Duration) {
        histogram!(DB_DURATION, "operation" => operation).record(elapsed.as_secs_f64());
    }

    fn group_written(&self, calls: usize, items: usize) {
        histogram!(DB_WRITE_GROUP_CALLS).record(calls as f64);
        histogram!(DB_WRITE_GROUP_ITEMS).record(items as f64);
    }

    fn group_split(&self, calls: usize, error: &StoreError) {
        counter!(DB_WRITE_GROUPS_SPLIT).increment(1);
        tracing::warn!(error = %crate::service::cause_chain(error), calls, "a shared write transaction failed; writing each call's triages on its own");
    }
}

/// Sets the pool gauges from a sample.
pub fn pool_sampled(status: PoolStatus) {
    gauge!(DB_POOL_CONNECTIONS, "state" => "in_use").set(f64::from(status.in_use));
    gauge!(DB_POOL_CONNECTIONS, "state" => "idle").set(f64::from(status.idle));
    gauge!(DB_POOL_MAX).set(f64::from(status.max));
}

/// StreamTriage items received and not yet answered; whatever is still counted when this is
/// dropped (the client left, the server stopped) is taken off the gauge then.
#[derive(Debug, Default)]
pub struct StreamItems {
    pending: usize,
}

impl StreamItems {
    /// Counts `n` more received items.
    pub fn received(&mut self, n: usize) {
        self.pending += n;
        gauge!(STREAM_ITEMS_IN_FLIGHT).increment(n as f64);
    }

    /// Takes one answered item off.
    pub fn answered(&mut self) {
        if self.pending > 0 {
            self.pending -= 1;
            gauge!(STREAM_ITEMS_IN_FLIGHT).decrement(1.0);
        }
    }
}

impl Drop for StreamItems {
    fn drop(&mut self) {
        if self.pending > 0 {
            gauge!(STREAM_ITEMS_IN_FLIGHT).decrement(self.pending as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::{Priority, Status},
        triage::{
            TriageSettings,
            escalate::{EscalationInput, decide},
        },
    };

    fn escalation(priority: Priority, age_hours: i64, rule: Option<&str>) -> Escalation {
        let input = EscalationInput { priority, status: Status::New, age_hours, rule };
        decide(&input, &TriageSettings::default())
    }

    #[test]
    fn reason_labels_name_each_cause_of_a_real_escalation() {
        assert_eq!(reason_label(&escalation(Priority::Critical, 0, None)), "critical_priority");
        assert_eq!(reason_label(&escalation(Priority::Low, 30, None)), "age");
        assert_eq!(reason_label(&escalation(Priority::Low, 0, Some("vip"))), "rule");
        assert_eq!(reason_label(&escalation(Priority::Critical, 48, Some("vip"))), "critical_priority+age+rule");
    }

    #[test]
    fn stream_items_leave_the_gauge_when_answered_or_dropped() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            let mut items = StreamItems::default();
            items.received(3);
            items.answered();
            assert!(handle.render().contains(&format!("{STREAM_ITEMS_IN_FLIGHT} 2")), "{}", handle.render());
            drop(items);
            assert!(handle.render().contains(&format!("{STREAM_ITEMS_IN_FLIGHT} 0")), "{}", handle.render());
        });
    }
}
