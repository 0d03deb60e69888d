//! Validating and triaging on the blocking pool, in chunks that run in parallel, so CPU-bound work
//! never holds up the runtime threads serving other calls.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{error::ServiceError, intake::BatchItem};
use crate::{
    domain::{Ticket, TicketDraft, TicketLimits, validate_draft},
    triage::{TriageEngine, TriageResult},
};

/// Items validated and triaged per blocking task: large enough to be worth a hand-off, small enough
/// that a batch spreads over every core.
const DECIDE_CHUNK: usize = 16;

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
        tasks.push((
            chunk.len(),
            tokio::task::spawn_blocking(move || chunk.into_iter().map(&*work).collect::<Vec<_>>()),
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
    Ok(tokio::task::spawn_blocking(work).await?)
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
