//! What a restarted server holds of a round, judged against the round's ledger: every acknowledged
//! ticket once, no request stored twice, one `ticket.triaged` entry per stored ticket; and the SQLite
//! file's own checks once the server has stopped.

use std::{
    collections::{BTreeMap, HashSet},
    path::Path,
};

use helpdesk_client::{
    HelpdeskClient,
    proto::{ListAuditEntriesRequest, ListTicketsRequest},
};

use super::load::{Ledger, Via, marker_of};

/// The tickets and audit entries of one round, as the restarted server lists them.
pub struct Holdings {
    /// Ticket ids by the marker of their title.
    pub by_marker: BTreeMap<String, Vec<String>>,
    /// How many `ticket.triaged` entries name each ticket id not stored in an earlier round.
    pub triaged: BTreeMap<String, usize>,
    /// Listed tickets that belong to no round.
    pub strangers: Vec<String>,
}

impl Holdings {
    /// Every ticket id stored in the round.
    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.by_marker.values().flatten()
    }

    /// How many tickets the round stored.
    pub fn count(&self) -> usize {
        self.by_marker.values().map(Vec::len).sum()
    }
}

/// Reads round `round`'s tickets and audit entries: those written at or after `since`, less the
/// tickets of the `earlier` rounds.
pub async fn read(
    client: &mut HelpdeskClient,
    round: usize,
    since: prost_types::Timestamp,
    earlier: &HashSet<String>,
) -> Holdings {
    let listing = ListTicketsRequest { page_size: 1000, created_after: Some(since), ..Default::default() };
    let tickets = client.list_tickets(listing).await.expect("ListTickets");
    let ours = format!("r{round}-");
    let mut holdings = Holdings { by_marker: BTreeMap::new(), triaged: BTreeMap::new(), strangers: Vec::new() };
    for ticket in tickets {
        match marker_of(&ticket.title) {
            Some(marker) if marker.starts_with(&ours) => {
                holdings.by_marker.entry(marker.to_owned()).or_default().push(ticket.ticket_id)
            }
            _ if earlier.contains(&ticket.ticket_id) => {}
            _ => holdings.strangers.push(format!("{} {:?}", ticket.ticket_id, ticket.title)),
        }
    }
    let audit = ListAuditEntriesRequest {
        page_size: 1000,
        action: "ticket.triaged".to_owned(),
        start_time: Some(since),
        ..Default::default()
    };
    for entry in client.list_audit(audit).await.expect("ListAuditEntries") {
        if !earlier.contains(&entry.ticket_id) {
            *holdings.triaged.entry(entry.ticket_id).or_default() += 1;
        }
    }
    holdings
}

/// What the store holds of a round against what its clients were told.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Acknowledged requests.
    pub acknowledged: usize,
    /// Requests stored without their answer having arrived (allowed).
    pub committed_unacknowledged: usize,
    /// Acknowledged requests whose ticket is not stored as answered.
    pub lost: Vec<String>,
    /// Requests stored more than once, and tickets with more than one `ticket.triaged` entry.
    pub duplicates: Vec<String>,
    /// Anything else that should not be: a ticket without its audit entry, an entry without its
    /// ticket, a ticket of no request.
    pub problems: Vec<String>,
}

/// Judges `holdings` against `ledger`.
pub fn judge(ledger: &Ledger, holdings: &Holdings) -> Verdict {
    let mut verdict = Verdict::default();
    for (marker, sent) in &ledger.sent {
        let stored = holdings.by_marker.get(marker).map(Vec::as_slice).unwrap_or_default();
        match (&sent.acked, stored) {
            (_, [_, _, ..]) => verdict.duplicates.push(format!("request {marker} stored as {stored:?}")),
            (Some(id), [one]) if one == id => verdict.acknowledged += 1,
            (Some(id), _) => {
                verdict.acknowledged += 1;
                verdict.lost.push(format!("request {marker} answered with {id}, stored as {stored:?}"));
            }
            (None, [_]) => verdict.committed_unacknowledged += 1,
            (None, []) => {}
        }
    }
    for marker in holdings.by_marker.keys().filter(|m| !ledger.sent.contains_key(*m)) {
        verdict.problems.push(format!("ticket of a request never sent: {marker}"));
    }
    let stored: HashSet<&String> = holdings.ids().collect();
    for id in &stored {
        match holdings.triaged.get(*id).copied().unwrap_or(0) {
            1 => {}
            0 => verdict.problems.push(format!("ticket {id} has no ticket.triaged audit entry")),
            n => verdict.duplicates.push(format!("ticket {id} has {n} ticket.triaged audit entries")),
        }
    }
    for id in holdings.triaged.keys().filter(|id| !stored.contains(id)) {
        verdict.problems.push(format!("a ticket.triaged entry names {id}, which is not stored"));
    }
    verdict.problems.extend(holdings.strangers.iter().map(|s| format!("a ticket of no round: {s}")));
    verdict
}

/// Each acknowledged ticket through GetTicket: stored, with its triage result.
pub async fn get_each(client: &mut HelpdeskClient, ledger: &Ledger) -> Vec<String> {
    let mut problems = Vec::new();
    for id in ledger.sent.values().filter_map(|s| s.acked.as_ref()) {
        match client.get_ticket(id).await {
            Ok(got) if got.latest_result.as_ref().is_some_and(|r| &r.ticket_id == id) => {}
            Ok(got) => problems.push(format!("GetTicket {id}: no triage result ({:?})", got.latest_result)),
            Err(e) => problems.push(format!("GetTicket {id}: {e}")),
        }
    }
    problems
}

/// Retries every unacknowledged TriageTicket call with its own request id and records the answer
/// as its acknowledgement: a call that had committed must be answered with its first answer
/// (`replayed`, the same ticket), one that had not must store its ticket now. Returns how many were
/// retried and how many of those were replayed.
pub async fn retry_unacknowledged(
    client: &mut HelpdeskClient,
    ledger: &mut Ledger,
    holdings: &Holdings,
    problems: &mut Vec<String>,
) -> (usize, usize) {
    let (mut retried, mut replayed) = (0, 0);
    for (marker, sent) in ledger.sent.iter_mut() {
        let (Via::Unary(request), None) = (&sent.via, &sent.acked) else { continue };
        retried += 1;
        let stored = holdings.by_marker.get(marker).map(Vec::as_slice).unwrap_or_default();
        let answer = match client.triage_service.triage_ticket((**request).clone()).await {
            Ok(answer) => answer.into_inner(),
            Err(status) => {
                problems.push(format!("retry of {marker}: {status}"));
                continue;
            }
        };
        let id = answer.result.map(|r| r.ticket_id).unwrap_or_default();
        match stored {
            [first] if answer.replayed && &id == first => replayed += 1,
            [] if !answer.replayed => {}
            _ => problems.push(format!(
                "retry of {marker} answered {id} (replayed: {}) while {stored:?} was stored",
                answer.replayed
            )),
        }
        sent.acked = Some(id);
    }
    (retried, replayed)
}

/// `PRAGMA integrity_check` and `PRAGMA foreign_key_check` on the SQLite file `db`, which no server
/// has open: the lines that are not `ok`, and the foreign keys that point nowhere.
pub async fn sqlite_checks(db: &Path) -> Vec<String> {
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _, Row as _, sqlite::SqliteConnectOptions};
    let mut connection = SqliteConnectOptions::new().filename(db).connect().await.expect("the store's file opens");
    let integrity: Vec<String> = sea_orm::sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut connection)
        .await
        .expect("PRAGMA integrity_check");
    let mut problems: Vec<String> =
        integrity.into_iter().filter(|line| line != "ok").map(|line| format!("integrity_check: {line}")).collect();
    let dangling =
        sea_orm::sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut connection).await.expect("foreign_key_check");
    for row in dangling {
        let table: String = row.try_get(0).unwrap_or_default();
        let rowid: Option<i64> = row.try_get(1).unwrap_or_default();
        problems.push(format!("foreign_key_check: table {table}, row {rowid:?}"));
    }
    connection.close().await.expect("closed");
    problems
}
