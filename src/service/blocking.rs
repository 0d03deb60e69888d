//! Validating and triaging on the blocking pool, in chunks that run in parallel, so CPU-bound work
//! never holds up the runtime threads serving other calls; at most one such task a core runs at once,
//! so however many calls are admitted the runtime threads (and Health/Check) keep their share of the CPU.

use std::sync::{Arc, LazyLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use chrono::{DateTime, Utc};

use super::{error::ServiceError, intake::BatchItem};
use crate::{
    domain::{Ticket, TicketDraft, TicketLimits, validate_draft},
    triage::{TriageEngine, TriageResult},
};

/// Items validated and triaged per blocking task: large enough to be worth a hand-off, small enough
/// that a batch spreads over every core.
const DECIDE_CHUNK: usize = 16;

/// One permit per core this process may run on: the CPU-bound tasks that may run at once. Without it,
/// 1,024 admitted calls put up to the blocking pool's 16 threads on one core, and the runtime thread
/// that answers Health/Check got a seventeenth of it: its p99 at four times capacity was 60 ms, and
/// with the slots and the lowered priority below it is 6 ms (docs/reliability.md).
static CPU_SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    Arc::new(Semaphore::new(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)))
});

/// The niceness of a blocking-pool thread once it has run CPU-bound work: the runtime threads, which
/// read the sockets and answer Health/Check, sheds and metrics, come first whenever they have work.
const CPU_WORK_NICENESS: i32 = 10;

thread_local! {
    static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Lowers this thread's priority to [`CPU_WORK_NICENESS`], once a thread. Failing to (a sandbox that
/// forbids it) leaves the thread as it was.
fn lower_priority() {
    if !LOWERED.get() {
        LOWERED.set(true);
        if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), CPU_WORK_NICENESS) {
            tracing::debug!(error = %e, "cannot lower a blocking thread's priority");
        }
    }
}

/// Waits for a core to be free for CPU-bound work; the permit is held until the work is done (the
/// semaphore is never closed, so there always is one).
async fn cpu_slot() -> Option<OwnedSemaphorePermit> {
    CPU_SLOTS.clone().acquire_owned().await.ok()
}

/// A validated, triaged and settled ticket, or why it was refused; with the item's dry-run flag.
pub type Decision = (Result<(Ticket, TriageResult), ServiceError>, bool);

/// Validates and triages `items` on the blocking pool, in chunks that run in parallel, so that
/// CPU-bound triage never holds up the runtime threads serving other calls. Order is kept.
pub async fn decide_off_runtime(
    engine: &Arc<TriageEngine>,
    limits: TicketLimits,
    items: Vec<BatchItem>,
    now: DateTime<Utc>,
) -> Vec<Decision> {
    let engine = engine.clone();
    off_runtime(items, move |item: BatchItem| (decide(&engine, &limits, item.draft, now), item.dry_run)).await
}

/// Runs `work` on every item on the blocking pool, in chunks of [`DECIDE_CHUNK`] that run in parallel.
/// Order is kept; the items of a chunk whose task failed are refused as internal errors.
pub(super) async fn off_runtime<T, U>(
    items: Vec<T>,
    work: impl Fn(T) -> (Result<U, ServiceError>, bool) + Send + Sync + 'static,
) -> Vec<(Result<U, ServiceError>, bool)>
where
    T: Send + 'static,
    U: Send + 'static,
{
    let work = Arc::new(work);
    let mut tasks = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<T> = items.by_ref().take(DECIDE_CHUNK).collect();
        let work = work.clone();
        let slot = cpu_slot().await;
        tasks.push((
            chunk.len(),
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                lower_priority();
                chunk.into_iter().map(&*work).collect::<Vec<_>>()
            }),
        ));
    }
    let mut done = Vec::new();
    for (len, task) in tasks {
        match task.await {
            Ok(chunk) => done.extend(chunk),
            Err(e) => {
                let failed = ServiceError::from(e);
                tracing::error!(error = %failed.cause_chain(), items = len, "a triage task failed");
                for _ in 0..len {
                    done.push((Err(ServiceError::internal("the triage task failed")), true));
                }
            }
        }
    }
    done
}

/// Runs `work` on the blocking pool: the CPU-bound part of one call (a ticket's triage, a chain
/// check), off the runtime threads that serve the others.
pub(super) async fn on_blocking_pool<R: Send + 'static>(
    work: impl FnOnce() -> R + Send + 'static,
) -> Result<R, ServiceError> {
    let slot = cpu_slot().await;
    Ok(tokio::task::spawn_blocking(move || {
        let _slot = slot;
        lower_priority();
        work()
    })
    .await?)
}

/// Validates, triages and settles one draft.
fn decide(
    engine: &TriageEngine,
    limits: &TicketLimits,
    draft: TicketDraft,
    now: DateTime<Utc>,
) -> Result<(Ticket, TriageResult), ServiceError> {
    let ticket = validate_draft(draft, limits, now, &mut rand::rng())?;
    let result = engine.triage(&ticket, now);
    Ok((result.settle(ticket), result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cpu_bound_work_runs_below_the_runtime_threads_one_task_a_core() {
        let niceness = on_blocking_pool(|| rustix::process::getpriority_process(Some(rustix::thread::gettid())))
            .await
            .expect("ran")
            .expect("read");
        assert_eq!(niceness, CPU_WORK_NICENESS);
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        // While one task holds every slot, no other CPU-bound task starts.
        let mut held = Vec::new();
        for _ in 0..cores {
            held.push(cpu_slot().await);
        }
        let waiting = tokio::spawn(on_blocking_pool(|| 7));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "a CPU-bound task ran with every core's slot taken");
        held.clear();
        assert_eq!(waiting.await.expect("joined").expect("ran"), 7);
    }
}
