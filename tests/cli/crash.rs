//! Durability through process crashes: rounds of `kill -9` at a random moment while clients triage
//! through TriageTicket and StreamTriage, each followed by a restart on the same SQLite file and a
//! check that every acknowledged ticket is stored exactly once with its one audit entry, the audit
//! chain verifies, unacknowledged calls retried with their request id are stored at most once, and the
//! file passes SQLite's own checks.
//!
//! `HELPDESK_CRASH_ROUNDS` (default 5) sets the number of rounds and `HELPDESK_CRASH_SEED` the seed
//! of the kill delays (printed by every run, so a failing run's delays can be replayed); the long
//! run's command and last figures are in docs/reliability.md.

mod check;
mod load;

use std::{
    collections::HashSet,
    path::Path,
    time::{Duration, Instant, SystemTime},
};

use rand::{Rng, SeedableRng};
use tokio::task::block_in_place;

use crate::support::server::start;
use check::Verdict;

/// Rounds when `HELPDESK_CRASH_ROUNDS` is not set: enough for CI, well under a minute in a debug build.
const DEFAULT_ROUNDS: usize = 5;
/// The server is killed this long after the clients started, at most (and at least 50 ms).
const MAX_KILL_DELAY_MS: u64 = 1500;

/// A number from the environment variable `name`, or `default` when it is not set.
fn from_env(name: &str, default: impl FnOnce() -> u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| panic!("{name} must be a whole number, got {text:?}")),
        Err(_) => default(),
    }
}

/// The whole second before `at`, less one: a bound for "written in this round" that a timestamp
/// stored at any precision still passes (earlier rounds' tickets it also lets in are told apart).
fn round_start(at: SystemTime) -> prost_types::Timestamp {
    let seconds = at.duration_since(SystemTime::UNIX_EPOCH).expect("after 1970").as_secs();
    prost_types::Timestamp { seconds: i64::try_from(seconds).expect("seconds") - 1, nanos: 0 }
}

/// The sums over the rounds run so far.
#[derive(Default)]
struct Totals {
    acknowledged: usize,
    committed_unacknowledged: usize,
    lost: usize,
    duplicates: usize,
    retried: usize,
    replayed: usize,
}

/// A round that went wrong: what was wrong, and what the servers wrote.
struct Failure {
    round: usize,
    problems: Vec<String>,
    killed_stderr: Vec<String>,
    restart_stderr: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_tickets_survive_kill_9_exactly_once() {
    let rounds = usize::try_from(from_env("HELPDESK_CRASH_ROUNDS", || DEFAULT_ROUNDS as u64)).expect("rounds");
    let seed = from_env("HELPDESK_CRASH_SEED", || {
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("after 1970").as_nanos() as u64
    });
    println!("crash: {rounds} round(s), seed {seed} (replay with HELPDESK_CRASH_SEED={seed})");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("data").join("helpdesk.db");
    let began = Instant::now();
    let mut totals = Totals::default();
    let mut earlier: HashSet<String> = HashSet::new();
    let mut failure = None;
    for round in 1..=rounds {
        let delay = Duration::from_millis(rng.random_range(50..=MAX_KILL_DELAY_MS));
        if let Err(f) = crash_round(dir.path(), &db, round, delay, &mut earlier, &mut totals).await {
            failure = Some(f);
            break;
        }
    }
    println!(
        "crash: {rounds} rounds, {} acknowledged, {} committed but unacknowledged, {} lost, {} duplicates, \
         {} retried ({} replayed), seed {seed}, {:.1} s",
        totals.acknowledged,
        totals.committed_unacknowledged,
        totals.lost,
        totals.duplicates,
        totals.retried,
        totals.replayed,
        began.elapsed().as_secs_f64()
    );
    if let Some(f) = failure {
        panic!(
            "round {} (seed {seed}) failed:\n  {}\nstderr of the killed server (last 40 lines):\n  {}\n\
             stderr of the restarted server:\n  {}",
            f.round,
            f.problems.join("\n  "),
            f.killed_stderr[f.killed_stderr.len().saturating_sub(40)..].join("\n  "),
            f.restart_stderr.join("\n  "),
        );
    }
}

/// One round: a server on the store in `dir`, clients until it is killed after `delay`, a restart
/// and the checks through it, a clean stop, and SQLite's checks of `db`.
async fn crash_round(
    dir: &Path,
    db: &Path,
    round: usize,
    delay: Duration,
    earlier: &mut HashSet<String>,
    totals: &mut Totals,
) -> Result<(), Failure> {
    let since = round_start(SystemTime::now());
    let server = block_in_place(|| start(dir));
    let running = load::start(&server.addr, round).await;
    tokio::time::sleep(delay).await;
    let pid = server.pid();
    let (signal, mut killed_stderr) = block_in_place(|| server.kill());
    let ledger = running.finish().await;
    killed_stderr.insert(0, format!("(pid {pid}, ended by signal {signal:?})"));
    let failure = |problems: Vec<String>, restart_stderr: Vec<String>| Failure {
        round,
        problems,
        killed_stderr: killed_stderr.clone(),
        restart_stderr,
    };

    let restarted = block_in_place(|| start(dir));
    let checked = check_restarted(&restarted.addr, round, since, ledger, earlier).await;
    record(round, delay, &checked, totals);
    let mut problems = checked.problems;
    if signal != Some(9) {
        problems.push(format!("the server was not ended by SIGKILL but by {signal:?}"));
    }
    if !problems.is_empty() {
        return Err(failure(problems, restarted.startup.iter().cloned().chain(restarted.lines_so_far()).collect()));
    }
    let (code, rest) = block_in_place(|| restarted.terminate());
    if code != 0 {
        return Err(failure(vec![format!("exit status {code} after SIGTERM")], rest));
    }
    let sqlite = check::sqlite_checks(db).await;
    if !sqlite.is_empty() {
        return Err(failure(sqlite, rest));
    }
    earlier.extend(checked.stored);
    Ok(())
}

/// What the checks through the restarted server found.
struct Checked {
    ledger: load::Ledger,
    /// Before the retries: the acknowledgements as the clients had them when the server died.
    first: Verdict,
    /// After the retries: what was lost or duplicated, all told.
    second: Verdict,
    retried: usize,
    replayed: usize,
    /// The ids of the round's stored tickets.
    stored: Vec<String>,
    problems: Vec<String>,
}

/// Checks round `round` through the server at `addr`: the round's tickets and audit entries against
/// `ledger`, GetTicket on each acknowledged one, the unacknowledged calls retried, the tickets and
/// entries again, the store's count and the audit chain.
async fn check_restarted(
    addr: &str,
    round: usize,
    since: prost_types::Timestamp,
    mut ledger: load::Ledger,
    earlier: &HashSet<String>,
) -> Checked {
    let mut client = load::connect(addr).await;
    let holdings = check::read(&mut client, round, since, earlier).await;
    let first = check::judge(&ledger, &holdings);
    let mut problems = check::get_each(&mut client, &ledger).await;
    let (retried, replayed) = check::retry_unacknowledged(&mut client, &mut ledger, &holdings, &mut problems).await;
    let after = check::read(&mut client, round, since, earlier).await;
    let second = check::judge(&ledger, &after);
    // What is wrong before the retries is still wrong after them: the final state says it all.
    problems.extend(second.lost.iter().chain(&second.duplicates).chain(&second.problems).cloned());
    let stored = earlier.len() + after.count();
    let stats = client.stats().await.expect("GetStats");
    if stats.total != stored as u64 {
        problems.push(format!("GetStats counts {} tickets, the rounds stored {stored}", stats.total));
    }
    // One entry per stored ticket, and the `audit.verified` entry each earlier round's
    // VerifyAuditChain wrote after checking.
    let chain = client.verify_audit_with(false).await.expect("VerifyAuditChain");
    let entries = stored + round - 1;
    if !chain.valid || chain.entries_checked != entries as u64 {
        problems.push(format!("audit chain after round {round} (expected {entries} entries): {chain:?}"));
    }
    let stored = after.ids().cloned().collect();
    Checked { ledger, first, second, retried, replayed, stored, problems }
}

/// Adds a round to `totals` and prints its line.
fn record(round: usize, delay: Duration, checked: &Checked, totals: &mut Totals) {
    let Checked { ledger, first, second, retried, replayed, .. } = checked;
    totals.acknowledged += first.acknowledged;
    totals.committed_unacknowledged += first.committed_unacknowledged;
    totals.lost += second.lost.len();
    totals.duplicates += second.duplicates.len();
    totals.retried += retried;
    totals.replayed += replayed;
    println!(
        "round {round}: killed after {} ms; {} sent, {} acknowledged, {} committed but unacknowledged, \
         {retried} retried ({replayed} replayed), {} lost, {} duplicates; failed calls {:?}",
        delay.as_millis(),
        ledger.sent.len(),
        first.acknowledged,
        first.committed_unacknowledged,
        second.lost.len(),
        second.duplicates.len(),
        ledger.failures,
    );
}
