//! What the calls docs/limits.md lists as attacks cost a running server: each one is sent once, and
//! for each the answer's code and message, its time, the server's resident memory at its peak during
//! the call (read from /proc) above what it was before, and the slowest Health/Check answered
//! meanwhile (asked every 20 ms on a connection of its own) are printed. The server should run on a
//! memory store (the backtest attack stores 18,000 tickets first).
//!
//! ```sh
//! # not run: needs a release server running on a memory store
//! cargo build --release --bin helpdesk --example limits_attacks
//! HELPDESK_STORE_TYPE=memory target/release/helpdesk serve --listen 127.0.0.1:50070 &
//! target/release/examples/limits_attacks http://127.0.0.1:50070 $!
//! ```

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::{Buf, BufMut};
use helpdesk_ai::proto;
use helpdesk_client::{HelpdeskClient, new_ticket};
use tonic::{
    Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    transport::Channel,
};

/// Resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Runs `call` while sampling the server's memory and Health latency; prints one line.
async fn measure<F, T>(name: &str, url: &str, pid: u32, call: F) -> T
where
    F: Future<Output = (T, String)>,
{
    let before = rss_kib(pid);
    let (peak, slowest, done) =
        (Arc::new(AtomicU64::new(before)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
    let mut health = HelpdeskClient::connect(url).await.expect("a health connection");
    let watcher = {
        let (peak, slowest, done) = (peak.clone(), slowest.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let asked = Instant::now();
                let _ = tokio::time::timeout(Duration::from_secs(60), health.health("")).await;
                slowest.fetch_max(asked.elapsed().as_micros() as u64, Ordering::Relaxed);
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let started = Instant::now();
    let (value, answer) = call.await;
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = watcher.await;
    let grown = peak.load(Ordering::Relaxed).max(rss_kib(pid)).saturating_sub(before);
    println!(
        "{name}\n    answer: {answer}\n    {:.1} ms, RSS +{:.1} MB at peak, slowest Health/Check {:.1} ms\n",
        took.as_secs_f64() * 1e3,
        grown as f64 / 1024.0,
        slowest.load(Ordering::Relaxed) as f64 / 1e3
    );
    value
}

/// `OK` or the code and (cut) message of a status.
fn answer<T>(result: &Result<T, Status>) -> String {
    match result {
        Ok(_) => "OK".to_owned(),
        Err(status) => {
            let message: String = status.message().chars().take(160).collect();
            let headers = status.message().len() + status.details().len();
            format!("{:?}: {message} ({headers} bytes of message and details)", status.code())
        }
    }
}

fn rules(text: String) -> Option<proto::CandidateRules> {
    Some(proto::CandidateRules { text, format: proto::RulesFormat::Yaml as i32 })
}

fn regex_rules(count: usize) -> String {
    let rule = |n: usize| {
        format!(
            "  - {{ id: r{n}, priority: {n}, when: {{ field: title, op: matches, value: '\\w{{20}}' }}, then: {{ queue: q }} }}\n"
        )
    };
    format!("name: many\ndefault_queue: q\nrules:\n{}", (0..count).map(rule).collect::<String>())
}

/// A codec that sends bytes as they are.
#[derive(Clone, Copy, Default)]
struct RawBytes;

impl Encoder for RawBytes {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawBytes {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

impl Codec for RawBytes {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawBytes;
    type Decoder = RawBytes;

    fn encoder(&mut self) -> RawBytes {
        RawBytes
    }

    fn decoder(&mut self) -> RawBytes {
        RawBytes
    }
}

/// Streams `count` tickets (every `nul_every`-th with a NUL in its title, if any); items per second.
async fn stream(client: &mut HelpdeskClient, count: usize, nul_every: Option<usize>) -> f64 {
    let items: Vec<proto::StreamTriageRequest> = (0..count)
        .map(|n| {
            let bad = nul_every.is_some_and(|every| n % every == every - 1);
            let title = if bad { format!("Printer {n}\0") } else { format!("Printer {n} on floor {}", n % 7) };
            let description = format!("The printer {n} prints blank pages since the update {}.", n * 7919);
            proto::StreamTriageRequest {
                ticket: Some(new_ticket(&title, &description, "ana@example.com")),
                client_id: n.to_string(),
                dry_run: false,
            }
        })
        .collect();
    let started = Instant::now();
    let mut answers = client.batch_service.stream_triage(tokio_stream::iter(items)).await.expect("stream").into_inner();
    let mut answered = 0;
    while let Some(Ok(_)) = answers.message().await.transpose() {
        answered += 1;
    }
    answered as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: limits_attacks URL SERVER_PID")?;
    let pid: u32 = args.next().ok_or("usage: limits_attacks URL SERVER_PID")?.parse()?;
    let channel = Channel::from_shared(url.clone())?.connect().await?;
    let mut client = HelpdeskClient::over(channel.clone());

    for count in [2_500, 4_000, 900] {
        let text = regex_rules(count);
        let name = format!("CheckRules: {count} rules each matching \\w{{20}} ({} KB)", text.len() / 1000);
        let mut c = client.clone();
        measure(&name, &url, pid, async move {
            let got = c.triage_service.check_rules(proto::CheckRulesRequest { rules: rules(text) }).await;
            ((), answer(&got))
        })
        .await;
    }
    let deep = format!("name: n\ndefault_queue: q\nrules: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let mut c = client.clone();
    measure("CheckRules: YAML nested 100,000 deep (200 KB)", &url, pid, async move {
        let got = c.triage_service.check_rules(proto::CheckRulesRequest { rules: rules(deep) }).await;
        ((), answer(&got))
    })
    .await;
    for (name, tags) in [
        ("TriageTicket: 80,000 tags (629 KB)", (0..80_000).map(|n| format!("tag-{n}")).collect::<Vec<_>>()),
        ("TriageTicket: 50,000 blank tags", vec![" ".to_owned(); 50_000]),
    ] {
        let mut ticket = new_ticket("VPN down", "Nobody can connect.", "ana@example.com");
        ticket.tags = tags;
        let mut c = client.clone();
        measure(name, &url, pid, async move {
            let request = proto::TriageTicketRequest { ticket: Some(ticket), ..Default::default() };
            let got = c.triage_service.triage_ticket(request).await;
            ((), answer(&got))
        })
        .await;
    }
    let mut c = client.clone();
    measure("TriageTicket: a 3.9 MB request_id", &url, pid, async move {
        let request = proto::TriageTicketRequest {
            ticket: Some(new_ticket("VPN down", "Nobody can connect.", "ana@example.com")),
            request_id: "r".repeat(3_900_000),
            ..Default::default()
        };
        let got = c.triage_service.triage_ticket(request).await;
        ((), answer(&got))
    })
    .await;
    let mut c = client.clone();
    measure("TriageTicket: a 10 MiB message", &url, pid, async move {
        let ticket = new_ticket("Printer", &"x".repeat(10 << 20), "ana@example.com");
        let got = c
            .triage_service
            .triage_ticket(proto::TriageTicketRequest { ticket: Some(ticket), ..Default::default() })
            .await;
        ((), answer(&got))
    })
    .await;
    let raw = channel.clone();
    measure("TriageTicket: undecodable bytes", &url, pid, async move {
        let mut grpc = tonic::client::Grpc::new(raw);
        let _ = grpc.ready().await;
        let path = http::uri::PathAndQuery::from_static("/helpdesk.v1.TriageService/TriageTicket");
        let got = grpc.unary(tonic::Request::new(vec![0xff, 0xff, 0xff, 0xff, 0x0f]), path, RawBytes).await;
        ((), answer(&got))
    })
    .await;
    let mut c = client.clone();
    measure("TriageTicket: a request_id reused with another ticket", &url, pid, async move {
        let request = |title: &str| proto::TriageTicketRequest {
            ticket: Some(new_ticket(title, "It prints blank pages.", "ana@example.com")),
            request_id: "reused-id".into(),
            ..Default::default()
        };
        let _ = c.triage_service.triage_ticket(request("Printer A")).await;
        let got = c.triage_service.triage_ticket(request("Printer B")).await;
        ((), answer(&got))
    })
    .await;

    // Clean, with NUL items, clean again: the store grows between the runs.
    let clean = stream(&mut client, 5_000, None).await;
    let with_nul = stream(&mut client, 5_000, Some(50)).await;
    let again = stream(&mut client, 5_000, None).await;
    println!(
        "StreamTriage: 5,000 items {clean:.0} items/s; with a NUL in one item in 50 {with_nul:.0} items/s; \
         clean again {again:.0} items/s\n"
    );

    // 18,000 stored tickets, then four backtests over all of them at once.
    for _ in 0..3 {
        stream(&mut client, 4_000, None).await;
    }
    let stored = client.stats().await?.total;
    let name = format!("BacktestRules: 4 at once over {stored} stored tickets (limit 18,000)");
    let c = client.clone();
    measure(&name, &url, pid, async move {
        let calls = (0..4).map(|_| {
            let mut c = c.clone();
            async move {
                let request =
                    proto::BacktestRulesRequest { rules: rules(regex_rules(3)), limit: 18_000, ..Default::default() };
                c.triage_service.backtest_rules(request).await.map(|r| r.into_inner().replayed)
            }
        });
        let answers = futures_join(calls.collect()).await;
        let shown: Vec<String> = answers
            .iter()
            .map(|a| a.as_ref().map_or_else(|e| answer::<()>(&Err(e.clone())), |n| format!("{n} replayed")))
            .collect();
        ((), shown.join(", "))
    })
    .await;
    Ok(())
}

/// Waits for every future, in order.
async fn futures_join<T: Send + 'static>(calls: Vec<impl Future<Output = T> + Send + 'static>) -> Vec<T> {
    let tasks: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
    let mut done = Vec::with_capacity(tasks.len());
    for task in tasks {
        done.push(task.await.expect("a backtest task"));
    }
    done
}
