//! Near-duplicate lookups against a real SQLite store: window, threshold, order, floods of copies,
//! and thousands of unrelated tickets; an ignored measurement of lookup time by store size.

use chrono::Duration;

use super::*;
use crate::{
    domain::{Category, Ticket},
    store::{NewTriage, StoreSettings},
    testing::{at, numbered, result, write},
    triage::similarity::fingerprint,
};

const TITLE: &str = "VPN down in the Berlin office";
const TEXT: &str = "Since 9am nobody in the Berlin office can connect to the VPN. The client shows error 809 and \
                    times out after a minute. We have a customer demo at noon and need the staging servers.";

/// Ticket `n` created `minutes` after [`at`] with this text.
fn worded(n: u32, minutes: i64, title: &str, description: &str) -> Ticket {
    let mut t = numbered(n, at(minutes));
    (t.title, t.description) = (title.into(), description.into());
    t
}

/// The write of `t` triaged, with its fingerprint.
fn indexed(t: &Ticket, queue: &str) -> NewTriage {
    let f = fingerprint(&t.title, &t.description);
    write(t, &result(t, queue, Category::Technical), Some(f), &"tester".into())
}

/// Stores `t` triaged, with its fingerprint; returns its id.
async fn store_indexed(store: &Store, t: &Ticket) -> String {
    store.record_triage(&indexed(t, "network"), None).await.expect("stored");
    t.ticket_id.to_string()
}

/// A lookup for tickets created up to 72 hours before `minutes` after [`at`].
fn query(fingerprint: &Fingerprint, minutes: i64) -> SimilarQuery<'_> {
    SimilarQuery {
        fingerprint,
        created_after: at(minutes) - Duration::hours(72),
        created_before: at(minutes),
        exclude: None,
        min_similarity: 0.5,
        limit: 5,
    }
}

/// A ticket text unlike the others: a stock phrase (tickets share these) and random words from a
/// small helpdesk-sized vocabulary, drawn by a fixed generator.
fn filler(seed: u64) -> (String, String) {
    const PHRASES: [&str; 6] = [
        "cannot log in to the portal",
        "the application shows an error message",
        "invoice amount looks wrong this month",
        "printer on the second floor",
        "laptop is very slow since the update",
        "need access to the shared drive",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let words: Vec<String> = (0..24).map(|_| format!("w{}", next() % 800)).collect();
    let title = format!("{} {}", words[0], words[1]);
    let phrase = PHRASES[(next() % PHRASES.len() as u64) as usize];
    (title, format!("{phrase} {}", words[2..].join(" ")))
}

#[tokio::test]
async fn similar_tickets_are_listed_within_the_window_most_similar_first() {
    let store = Store::open_memory().await.expect("store");
    let same = store_indexed(&store, &worded(1, 0, TITLE, TEXT)).await;
    let reworded = TEXT.replace("customer demo", "board meeting").replace("a minute", "one minute");
    let close = store_indexed(&store, &worded(2, 10, "VPN down in Berlin office", &reworded)).await;
    store_indexed(&store, &worded(3, 20, "Printer jam", "The printer on floor 3 jams on every page.")).await;
    store_indexed(&store, &worded(4, -73 * 60, TITLE, TEXT)).await; // older than the window
    store_indexed(&store, &worded(5, 40, TITLE, TEXT)).await; // newer than the new ticket

    let new = fingerprint(TITLE, TEXT);
    let found = find_similar(&store, &query(&new, 30)).await.expect("lookup");
    let listed: Vec<&str> = found.iter().map(|s| s.ticket_id.as_str()).collect();
    assert_eq!(listed, [same.as_str(), close.as_str()]);
    assert_eq!(found[0].similarity, 1.0);
    assert!(found[1].similarity >= 0.6 && found[1].similarity < 1.0, "{found:?}");

    let strict = SimilarQuery { min_similarity: 0.99, ..query(&new, 30) };
    assert_eq!(find_similar(&store, &strict).await.expect("lookup"), found[..1]);
    let one = SimilarQuery { limit: 1, ..query(&new, 30) };
    assert_eq!(find_similar(&store, &one).await.expect("lookup"), found[..1]);
    let without = SimilarQuery { exclude: Some(&same), ..query(&new, 30) };
    assert_eq!(find_similar(&store, &without).await.expect("lookup"), found[1..]);
    let wide = SimilarQuery { created_after: at(-80 * 60), ..query(&new, 30) };
    assert_eq!(find_similar(&store, &wide).await.expect("lookup").len(), 3);
    assert!(find_similar(&store, &query(&fingerprint("", "?"), 30)).await.expect("lookup").is_empty());
}

#[tokio::test]
async fn many_lookups_answer_in_order_with_one_read() {
    let store = Store::open_memory().await.expect("store");
    let vpn = store_indexed(&store, &worded(1, 0, TITLE, TEXT)).await;
    let printer_text = "The printer on floor 3 jams on every page and shows paper error 42.";
    let printer = store_indexed(&store, &worded(2, 0, "Printer jam", printer_text)).await;
    let (a, b, none) = (fingerprint(TITLE, TEXT), fingerprint("Printer jam", printer_text), fingerprint("x y", "z"));
    let answers = find_similar_many(&store, &[query(&b, 5), query(&none, 5), query(&a, 5)]).await.expect("lookup");
    let ids: Vec<Vec<&str>> = answers.iter().map(|a| a.iter().map(|s| s.ticket_id.as_str()).collect()).collect();
    assert_eq!(ids, [vec![printer.as_str()], vec![], vec![vpn.as_str()]]);
    assert!(find_similar_many(&store, &[]).await.expect("lookup").is_empty());
}

#[tokio::test]
async fn a_flood_of_copies_lists_the_newest_copies() {
    let store = Store::open_memory().await.expect("store");
    let items: Vec<NewTriage> =
        (0..400u32).map(|n| indexed(&worded(10 + n, i64::from(n) / 10, TITLE, TEXT), "network")).collect();
    store.record_triage_batch(&items).await.expect("stored");
    let new = fingerprint(TITLE, TEXT);
    let found = find_similar(&store, &SimilarQuery { limit: 3, ..query(&new, 60) }).await.expect("lookup");
    assert!(found.iter().all(|s| s.similarity == 1.0));
    // The newest rows_per_key(3) = 10 copies are read: those of minute 39.
    let mut newest: Vec<&str> = items[390..].iter().map(|i| i.ticket.ticket_id.as_str()).collect();
    newest.sort_unstable();
    let listed: Vec<&str> = found.iter().map(|s| s.ticket_id.as_str()).collect();
    assert_eq!(listed, newest[..3], "the lowest ids among the newest copies");
}

#[tokio::test]
async fn lookups_stay_right_among_thousands_of_unrelated_tickets() {
    let store = Store::open_memory().await.expect("store");
    let items: Vec<NewTriage> = (0..3_000u32)
        .map(|n| {
            let (title, description) = filler(u64::from(n));
            indexed(&worded(10 + n, i64::from(n % 600), &title, &description), "general")
        })
        .collect();
    for chunk in items.chunks(500) {
        store.record_triage_batch(chunk).await.expect("stored");
    }
    let target = store_indexed(&store, &worded(1, 300, TITLE, TEXT)).await;

    let copy = fingerprint(TITLE, &TEXT.replace("9am", "9 am"));
    let found = find_similar(&store, &SimilarQuery { min_similarity: 0.7, ..query(&copy, 600) }).await.expect("lookup");
    assert_eq!(found.iter().map(|s| s.ticket_id.as_str()).collect::<Vec<_>>(), [target.as_str()]);

    let (title, description) = filler(1234);
    let again = fingerprint(&title, &description);
    let found =
        find_similar(&store, &SimilarQuery { min_similarity: 0.8, ..query(&again, 600) }).await.expect("lookup");
    assert_eq!(found.len(), 1, "the stored twin and nothing else: {found:?}");
    assert_eq!((found[0].ticket_id.as_str(), found[0].similarity), (items[1234].ticket.ticket_id.as_str(), 1.0));
}

#[tokio::test]
async fn deleted_and_purged_tickets_are_no_longer_found() {
    let store = Store::open_memory().await.expect("store");
    let first = store_indexed(&store, &worded(1, 0, TITLE, TEXT)).await;
    let second = store_indexed(&store, &worded(2, 60, TITLE, TEXT)).await;
    let new = fingerprint(TITLE, TEXT);
    assert_eq!(find_similar(&store, &query(&new, 120)).await.expect("lookup").len(), 2);
    store.delete_ticket(&first, &"agent".into(), at(100)).await.expect("deleted");
    let found = find_similar(&store, &query(&new, 120)).await.expect("lookup");
    assert_eq!(found.iter().map(|s| s.ticket_id.as_str()).collect::<Vec<_>>(), [second.as_str()]);
    assert_eq!(store.purge_tickets(at(90), false, &"ops".into(), at(100)).await.expect("purged"), 1);
    assert!(find_similar(&store, &query(&new, 120)).await.expect("lookup").is_empty());
}

/// Lookup time by store size (not a timed test):
/// `cargo test --release --lib service::similar::tests::lookup_time -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement; run it in a release build"]
async fn lookup_time_by_store_size() {
    for size in [1_000u32, 20_000] {
        for file in [false, true] {
            let (plain, _) = measure(size, file, false).await;
            let (indexed, lookup) = measure(size, file, true).await;
            let kind = if file { "file  " } else { "memory" };
            println!(
                "{size:>6} tickets, {kind}: stored in {plain:.2?} without fingerprints, {indexed:.2?} with; \
                 lookups (fingerprint included) {lookup}"
            );
        }
    }
}

/// Stores `size` unrelated tickets spread over the window (with fingerprints when `with_prints`),
/// then times 500 lookups (after 500 to warm up), half of them for a stored ticket's text: the store
/// time and a lookup summary.
async fn measure(size: u32, file: bool, with_prints: bool) -> (std::time::Duration, String) {
    use std::time::{Duration as Elapsed, Instant};
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = if file { StoreSettings::file(dir.path()) } else { StoreSettings::Memory };
    let store = Store::connect(&settings).await.expect("store");
    let items: Vec<NewTriage> = (0..size)
        .map(|n| {
            let (title, description) = filler(u64::from(n));
            let t = worded(10 + n, -i64::from(n % 4_300), &title, &description);
            let f = with_prints.then(|| fingerprint(&t.title, &t.description));
            write(&t, &result(&t, "general", Category::General), f, &"bench".into())
        })
        .collect();
    let started = Instant::now();
    for chunk in items.chunks(100) {
        store.record_triage_batch(chunk).await.expect("stored");
    }
    let stored = started.elapsed();
    if !with_prints {
        return (stored, String::new());
    }
    let (mut times, mut found) = (Vec::new(), 0);
    for n in (0..500u32).chain(0..500) {
        let (title, description) = filler(u64::from(if n % 2 == 0 { n * 7 % size } else { 1_000_000 + n }));
        let started = Instant::now();
        let f = fingerprint(&title, &description);
        found += find_similar(&store, &SimilarQuery { min_similarity: 0.8, ..query(&f, 0) }).await.expect("ok").len();
        times.push(started.elapsed());
    }
    let mut times = times.split_off(500); // the second pass, warmed up
    times.sort();
    found /= 2;
    let mean = times.iter().sum::<Elapsed>() / 500;
    (stored, format!("mean {mean:.2?}, median {:.2?}, max {:.2?}; {found} found", times[250], times[499]))
}
