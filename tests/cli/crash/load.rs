//! The load of one round: clients triaging through unary calls and streams until the server dies,
//! and the ledger of every request they sent and of the answers that arrived.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use helpdesk_client::{
    HelpdeskClient, new_ticket,
    proto::{self, StreamTriageRequest, TriageTicketRequest, triage_outcome::Outcome},
};
use tokio::{sync::mpsc, task::JoinSet};
use tokio_stream::{StreamExt, wrappers::ReceiverStream};

/// Clients calling TriageTicket, each over a connection of its own.
const UNARY_CLIENTS: usize = 3;
/// Calls each unary client keeps in flight.
const IN_FLIGHT: usize = 4;
/// Clients calling StreamTriage, each over a connection of its own.
const STREAM_CLIENTS: usize = 2;
/// Items of one stream; a client opens the next stream when every item of the last was answered.
const STREAM_ITEMS: usize = 250;

/// How a request was sent.
#[derive(Clone, Debug)]
pub enum Via {
    /// A TriageTicket call, kept so that it can be retried with the same request id.
    Unary(Box<TriageTicketRequest>),
    /// An item of a StreamTriage stream (which has no request id).
    Stream,
}

/// One request and what came back for it.
#[derive(Clone, Debug)]
pub struct Sent {
    pub via: Via,
    /// The ticket id of a successful answer: the request is acknowledged.
    pub acked: Option<String>,
}

/// Every request of a round, by its marker (the `r3-u1-2-17` in `[r3-u1-2-17]` at the start of its
/// ticket's title), and how the calls that failed failed.
#[derive(Debug, Default)]
pub struct Ledger {
    pub sent: BTreeMap<String, Sent>,
    pub failures: BTreeMap<String, usize>,
}

type Shared = Arc<Mutex<Ledger>>;

impl Ledger {
    fn sent(ledger: &Shared, marker: &str, via: Via) {
        ledger.lock().expect("ledger").sent.insert(marker.to_owned(), Sent { via, acked: None });
    }

    fn acked(ledger: &Shared, marker: &str, ticket_id: String) {
        if let Some(sent) = ledger.lock().expect("ledger").sent.get_mut(marker) {
            sent.acked = Some(ticket_id);
        }
    }

    fn failed(ledger: &Shared, how: String) {
        *ledger.lock().expect("ledger").failures.entry(how).or_default() += 1;
    }
}

/// The marker at the start of a title written by [`ticket`], if any.
pub fn marker_of(title: &str) -> Option<&str> {
    title.strip_prefix('[')?.split_once(']').map(|(marker, _)| marker)
}

/// A valid ticket whose title starts with `[marker]`; the texts vary, so that not every triage is
/// answered from the cache.
fn ticket(marker: &str, n: usize) -> proto::Ticket {
    const TEXTS: [(&str, &str); 4] = [
        ("Printer jams", "The printer on the third floor jams on page two"),
        ("VPN drops", "The VPN connection drops every few minutes since this morning"),
        ("Charged twice", "My invoice was charged twice this month, please refund one payment"),
        ("Cannot log in", "The password reset e-mail never arrives and I cannot log in"),
    ];
    let (title, description) = TEXTS[n % TEXTS.len()];
    new_ticket(&format!("[{marker}] {title}"), &format!("{description} (report {n})"), "ana@example.com")
}

/// The running clients of a round.
pub struct Load {
    tasks: JoinSet<()>,
    pub ledger: Shared,
}

/// Connects every client to `addr` and starts them; they triage until a call fails.
pub async fn start(addr: &str, round: usize) -> Load {
    let ledger = Shared::default();
    let mut tasks = JoinSet::new();
    for c in 0..UNARY_CLIENTS {
        let client = connect(addr).await;
        for slot in 0..IN_FLIGHT {
            tasks.spawn(unary(client.clone(), format!("r{round}-u{c}-{slot}"), ledger.clone()));
        }
    }
    for c in 0..STREAM_CLIENTS {
        tasks.spawn(streams(connect(addr).await, format!("r{round}-s{c}"), ledger.clone()));
    }
    Load { tasks, ledger }
}

impl Load {
    /// Waits for every client to stop (they do once the server is gone).
    pub async fn finish(mut self) -> Ledger {
        let all = async { while self.tasks.join_next().await.is_some() {} };
        tokio::time::timeout(Duration::from_secs(30), all).await.expect("every client stops within 30 s of the kill");
        std::mem::take(&mut *self.ledger.lock().expect("ledger"))
    }
}

/// A client connection to `addr`.
pub async fn connect(addr: &str) -> HelpdeskClient {
    HelpdeskClient::connect_within(addr, Duration::from_secs(5)).await.expect("connects to the server")
}

/// One in-flight slot of a unary client: TriageTicket calls one after another, each stored with a
/// request id of its own, until one fails.
async fn unary(mut client: HelpdeskClient, name: String, ledger: Shared) {
    for n in 0.. {
        let marker = format!("{name}-{n}");
        let request = TriageTicketRequest {
            ticket: Some(ticket(&marker, n)),
            dry_run: false,
            request_id: format!("crash-{marker}"),
        };
        Ledger::sent(&ledger, &marker, Via::Unary(Box::new(request.clone())));
        match client.triage_service.triage_ticket(request).await {
            Ok(answer) => match answer.into_inner().result {
                Some(result) => Ledger::acked(&ledger, &marker, result.ticket_id),
                None => Ledger::failed(&ledger, "TriageTicket: an answer without a result".to_owned()),
            },
            Err(status) => return Ledger::failed(&ledger, format!("TriageTicket: {:?}", status.code())),
        }
    }
}

/// A stream client: streams of [`STREAM_ITEMS`] items one after another, until one fails.
async fn streams(mut client: HelpdeskClient, name: String, ledger: Shared) {
    for s in 0.. {
        let (tx, rx) = mpsc::channel(16);
        let prefix = format!("{name}-{s}");
        let producer = tokio::spawn({
            let ledger = ledger.clone();
            async move {
                for i in 0..STREAM_ITEMS {
                    let marker = format!("{prefix}-{i}");
                    Ledger::sent(&ledger, &marker, Via::Stream);
                    let item =
                        StreamTriageRequest { ticket: Some(ticket(&marker, i)), client_id: marker, dry_run: false };
                    if tx.send(item).await.is_err() {
                        return;
                    }
                }
            }
        });
        let mut answers = match client.stream_triage(ReceiverStream::new(rx)).await {
            Ok(answers) => answers,
            Err(e) => {
                producer.abort();
                return Ledger::failed(&ledger, format!("StreamTriage call: {e}"));
            }
        };
        while let Some(answer) = answers.next().await {
            match answer.map(|a| a.outcome) {
                Ok(Some(proto::TriageOutcome { client_id, ticket_id, outcome: Some(Outcome::Result(_)), .. })) => {
                    Ledger::acked(&ledger, &client_id, ticket_id)
                }
                Ok(other) => Ledger::failed(&ledger, format!("StreamTriage item: {other:?}")),
                Err(status) => {
                    producer.abort();
                    return Ledger::failed(&ledger, format!("StreamTriage: {:?}", status.code()));
                }
            }
        }
        let _ = producer.await;
    }
}
