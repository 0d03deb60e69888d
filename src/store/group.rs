//! Group commit: triages stored at the same moment (unary calls, batches and stream items alike)
//! share one write transaction. One writer task takes every write waiting when its last transaction
//! ended, stores them together (multi-row inserts, one audit-chain head update, one signature), and
//! answers each caller only after that transaction committed. Nobody waits for a timer: a lone call
//! is written at once, and under load the calls that arrive during one commit form the next group.
//! The queue is bounded (a full queue holds callers back); should a shared transaction fail, each
//! caller's writes are tried again in a transaction of their own, so one bad row fails one call.

use tokio::sync::{mpsc, oneshot};

use super::{
    batch::{Outcomes, Pending, write_triages},
    connect::Store,
    error::StoreError,
    triage::NewTriage,
};

/// Writes waiting for the writer, at most; a caller beyond it waits for room.
const QUEUE: usize = 1024;
/// Items one shared transaction takes at most (a caller's own batch is never split, so one of up to
/// 1,000 tickets may exceed it alone).
const MAX_GROUP_ITEMS: usize = 1000;

/// One caller's writes and where its answer goes.
struct Job {
    items: Vec<(NewTriage, Option<String>)>,
    answer: oneshot::Sender<Result<Outcomes, StoreError>>,
}

impl Job {
    /// The job's items as the writer takes them.
    fn pending(&self) -> impl Iterator<Item = Pending<'_>> {
        self.items.iter().map(|(new, request)| (new, request.as_deref()))
    }
}

/// The handle callers submit to. Cheap to clone; the writer ends when the last handle is dropped.
#[derive(Clone)]
pub(super) struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Hands `items` to the writer and waits until the transaction that stored them committed.
    pub(super) async fn submit(&self, items: Vec<(NewTriage, Option<String>)>) -> Result<Outcomes, StoreError> {
        let (answer, answered) = oneshot::channel();
        let stopped = || StoreError::internal("the store's writer has stopped");
        self.jobs.send(Job { items, answer }).await.map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

impl Store {
    /// The same store with group commit: [`record_triage`](Store::record_triage) and
    /// [`record_triage_batch`](Store::record_triage_batch) go through one writer task (started here,
    /// on the current runtime). Call it once the store has its keys and observer: the writer writes
    /// with the store as it is now.
    pub fn grouping_writes(mut self) -> Store {
        self.group = None;
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(self.clone(), queue));
        self.group = Some(GroupCommit { jobs });
        self
    }

    pub(super) fn group(&self) -> Option<&GroupCommit> {
        self.group.as_ref()
    }
}

/// The writer: a group of every job waiting, written, answered; until every handle is gone.
async fn run(store: Store, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut items = first.items.len();
        let mut group = vec![first];
        while items < MAX_GROUP_ITEMS {
            let Ok(job) = queue.try_recv() else { break };
            items += job.items.len();
            group.push(job);
        }
        write_group(&store, group, items).await;
    }
}

/// Writes the jobs of one group in one transaction; should it fail, each job in its own.
async fn write_group(store: &Store, group: Vec<Job>, items: usize) {
    if group.len() > 1 {
        let pending: Vec<Pending<'_>> = group.iter().flat_map(Job::pending).collect();
        match store.note_write(write_triages(store, &pending).await) {
            Ok(outcomes) => {
                store.observer.group_written(group.len(), items);
                let mut outcomes = outcomes.into_iter();
                for job in group {
                    let answer: Outcomes = outcomes.by_ref().take(job.items.len()).collect();
                    let _ = job.answer.send(Ok(answer));
                }
                return;
            }
            Err(err) => store.observer.group_split(group.len(), &err),
        }
    }
    for job in group {
        let pending: Vec<Pending<'_>> = job.pending().collect();
        let outcome = store.note_write(write_triages(store, &pending).await);
        if outcome.is_ok() {
            store.observer.group_written(1, job.items.len());
        }
        // A caller that went away (a cancelled call) is not waiting: what was stored stays stored.
        let _ = job.answer.send(outcome);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use sea_orm::ConnectionTrait;

    use super::*;
    use crate::{
        domain::Category,
        store::StoreObserver,
        store::StoredTriage,
        testing::{at, numbered, result, write},
    };

    /// Counts the shared transactions and the splits.
    #[derive(Default)]
    struct Groups {
        written: AtomicUsize,
        items: AtomicUsize,
        split: AtomicUsize,
    }

    impl StoreObserver for Groups {
        fn operation_finished(&self, _: &'static str, _: std::time::Duration) {}
        fn group_written(&self, _: usize, items: usize) {
            self.written.fetch_add(1, Ordering::SeqCst);
            self.items.fetch_add(items, Ordering::SeqCst);
        }
        fn group_split(&self, _: usize, _: &StoreError) {
            self.split.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Stores every item from a task of its own, all at once; the answers in order.
    async fn all_at_once(store: &Store, news: &[NewTriage]) -> Vec<Result<StoredTriage, StoreError>> {
        let tasks: Vec<_> = news
            .iter()
            .map(|new| {
                let (store, new) = (store.clone(), new.clone());
                tokio::spawn(async move { store.record_triage(&new, None).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("the task ends"));
        }
        answers
    }

    fn new_triage(n: u32) -> NewTriage {
        let t = numbered(n, at(i64::from(n)));
        write(&t, &result(&t, "network", Category::Technical), None, &"svc".into())
    }

    async fn grouped() -> (Store, Arc<Groups>) {
        let groups = Arc::new(Groups::default());
        let store = Store::open_memory().await.expect("store").observed_by(groups.clone()).grouping_writes();
        (store, groups)
    }

    #[tokio::test]
    async fn concurrent_triages_share_transactions_and_each_is_answered() {
        let (store, groups) = grouped().await;
        let news: Vec<NewTriage> = (1..=100).map(new_triage).collect();
        let stored = all_at_once(&store, &news).await;
        let ids: Vec<String> = stored.into_iter().map(|s| s.expect("stored").ticket.ticket_id.to_string()).collect();
        assert_eq!(ids, news.iter().map(|n| n.ticket.ticket_id.to_string()).collect::<Vec<_>>(), "each its own answer");
        assert_eq!(groups.items.load(Ordering::SeqCst), 100);
        let transactions = groups.written.load(Ordering::SeqCst);
        assert!(transactions < 100, "100 concurrent calls took {transactions} transactions");
        assert_eq!(store.stats().await.expect("stats").total, 100);
        let chain = store.verify_audit().await.expect("verify");
        assert!(chain.valid && chain.entries_checked == 100, "{chain:?}");
    }

    #[tokio::test]
    async fn a_failing_row_fails_only_its_own_call() {
        let (store, groups) = grouped().await;
        let news: Vec<NewTriage> = (1..=10).map(new_triage).collect();
        let refused = news[4].ticket.ticket_id.to_string();
        let trigger = format!(
            "CREATE TRIGGER refuse BEFORE INSERT ON tickets WHEN NEW.ticket_id = '{refused}' \
             BEGIN SELECT RAISE(ABORT, 'refused'); END"
        );
        store.db.execute_unprepared(&trigger).await.expect("trigger");
        let outcomes = all_at_once(&store, &news).await;
        let failed: Vec<bool> = outcomes.iter().map(Result::is_err).collect();
        assert_eq!(failed, (0..10).map(|i| i == 4).collect::<Vec<_>>());
        assert!(groups.split.load(Ordering::SeqCst) >= 1, "the shared transaction failed and was split");
        assert_eq!(store.stats().await.expect("stats").total, 9);
        assert_eq!(store.get_ticket(&refused).await.expect("read"), None);
        let chain = store.verify_audit().await.expect("verify");
        assert!(chain.valid && chain.entries_checked == 9, "{chain:?}");
    }

    #[tokio::test]
    async fn a_batch_joins_the_group_unsplit() {
        let (store, _) = grouped().await;
        let batch: Vec<NewTriage> = (1..=5).map(new_triage).collect();
        let lone = new_triage(6);
        let (batch_outcomes, lone_outcome) =
            tokio::join!(store.record_triage_batch(&batch), store.record_triage(&lone, Some("req-6")));
        assert!(batch_outcomes.expect("batch").iter().all(Result::is_ok));
        assert!(!lone_outcome.expect("lone").replayed);
        let again = store.record_triage(&new_triage(7), Some("req-6")).await.expect("replayed");
        assert_eq!((again.replayed, again.ticket.ticket_id), (true, lone.ticket.ticket_id.clone()));
        assert_eq!(store.stats().await.expect("stats").total, 6);
    }
}
