//! The reliability tables: durability's cost, health at four times the in-flight capacity, and
//! thousands of idle streams; shared by the terminal text and the Markdown.

use super::model::Reliability;
use crate::{durability::DurabilityPoint, format, latency::LatencySummary, load::Measurement, table::Table};

/// Which of a durability point's measurements a row shows.
type Pick = fn(&DurabilityPoint) -> &Measurement;

/// Stored TriageTicket and StreamTriage under each durability setting, and NORMAL against FULL.
pub fn durability(r: &Reliability) -> Table {
    let mut table = Table::new(&["measurement", "durability", "synchronous", "throughput", "p50", "p99", "server CPU"]);
    let rows: [(&str, Pick); 3] = [
        ("TriageTicket stored, 1 at a time", |p| &p.one),
        ("TriageTicket stored, saturation", |p| &p.saturated),
        ("StreamTriage stored, 4 streams", |p| &p.stream),
    ];
    for (name, pick) in rows {
        for p in &r.durability {
            let m = pick(p);
            table.row(vec![
                name.to_owned(),
                p.durability.clone(),
                p.synchronous.clone(),
                format!("{} tickets/s", format::rate(m.items_per_sec)),
                format::latency(m.latency.p50_us),
                format::latency(m.latency.p99_us),
                m.server.map(|s| format!("{} µs/ticket", format::thousands(s.cpu_us_per_item))).unwrap_or_default(),
            ]);
        }
        if let [full, normal] = r.durability.as_slice() {
            let (f, n) = (pick(full), pick(normal));
            table.row(vec![
                name.to_owned(),
                "FULL / NORMAL".to_owned(),
                String::new(),
                format::ratio(format::divide(f.items_per_sec, n.items_per_sec)),
                format::ratio(format::divide(f.latency.p50_us, n.latency.p50_us)),
                format::ratio(format::divide(f.latency.p99_us, n.latency.p99_us)),
                String::new(),
            ]);
        }
    }
    table
}

fn latencies(l: &LatencySummary) -> [String; 3] {
    [format::latency(l.p50_us), format::latency(l.p99_us), format::latency(l.max_us)]
}

/// Health/Check and the metrics endpoint idle and under the load; the calls admitted and shed.
pub fn overload(r: &Reliability) -> Table {
    let o = &r.overload;
    let mut table = Table::new(&["what", "idle server", "under 4x capacity"]);
    let both = |table: &mut Table, what: &str, idle: String, loaded: String| {
        table.row(vec![what.to_owned(), idle, loaded]);
    };
    let (hi, hl) = (latencies(&o.idle.health), latencies(&o.loaded.health));
    let (mi, ml) = (latencies(&o.idle.metrics), latencies(&o.loaded.metrics));
    for (i, label) in ["p50", "p99", "max"].iter().enumerate() {
        both(&mut table, &format!("Health/Check {label}"), hi[i].clone(), hl[i].clone());
    }
    both(
        &mut table,
        "Health/Check not SERVING or failed",
        format!("{} of {}", o.idle.health_not_serving, o.idle.health_calls),
        format!("{} of {}", o.loaded.health_not_serving, o.loaded.health_calls),
    );
    for (i, label) in ["p50", "p99", "max"].iter().enumerate() {
        both(&mut table, &format!("GET /metrics {label}"), mi[i].clone(), ml[i].clone());
    }
    both(
        &mut table,
        "GET /metrics failed",
        format!("{} of {}", o.idle.metrics_failed, o.idle.metrics_scrapes),
        format!("{} of {}", o.loaded.metrics_failed, o.loaded.metrics_scrapes),
    );
    let per_sec = |n: u64| format!("{} ({}/s)", format::thousands(n as f64), format::rate(n as f64 / o.seconds));
    both(&mut table, "TriageTicket stored, admitted", String::new(), per_sec(o.admitted));
    let [p50, p99, _] = latencies(&o.admitted_latency);
    both(&mut table, "admitted p50 / p99", String::new(), format!("{p50} / {p99}"));
    both(
        &mut table,
        "shed (RESOURCE_EXHAUSTED)",
        String::new(),
        format!("{}, {} with a RetryInfo", per_sec(o.shed), format::thousands(o.shed_with_details as f64)),
    );
    let [p50, p99, _] = latencies(&o.shed_latency);
    both(&mut table, "shed p50 / p99", String::new(), format!("{p50} / {p99}"));
    both(&mut table, "failed otherwise", String::new(), format::thousands(o.other_failures as f64));
    if let Some(u) = o.server {
        both(
            &mut table,
            "server cores, RSS start / peak / end",
            String::new(),
            format!(
                "{:.2}, {} / {} / {}",
                u.cpu_cores,
                format::mib(u.rss_start_mib),
                format::mib(u.rss_peak_mib),
                format::mib(u.rss_end_mib)
            ),
        );
    }
    table
}

/// The server's memory and CPU with the idle streams open, and the fan-out of one commit.
pub fn idle(r: &Reliability) -> Table {
    let i = &r.idle;
    let mut table = Table::new(&["what", "measured"]);
    let mut row = |what: &str, value: String| table.row(vec![what.to_owned(), value]);
    row(
        "audit watches open",
        format!("{} over {} connections, opened in {:.2} s", i.streams, i.connections, i.open_secs),
    );
    row("server RSS before", format::mib(i.rss_before_mib));
    row("server RSS with them open", format::mib(i.rss_open_mib));
    row(&format!("server RSS after {:.0} s idle", i.idle_secs), format::mib(i.rss_idle_end_mib));
    row("server RSS once closed", format::mib(i.rss_closed_mib));
    row(
        "memory a stream",
        format!("{:.1} KiB", format::divide((i.rss_open_mib - i.rss_before_mib) * 1024.0, i.streams as f64)),
    );
    row("server cores while idle", format!("{:.3}", i.idle_cpu_cores));
    row(
        "Health/Check p50 / p99 meanwhile",
        format!("{} / {}", format::latency(i.health.p50_us), format::latency(i.health.p99_us)),
    );
    row(
        "one stored ticket reaches every watcher",
        if i.woken == 0 {
            format!("none of {} woken", i.streams)
        } else {
            format!("{:.1} ms ({} of {} woken)", i.fan_out_ms, i.woken, i.streams)
        },
    );
    table
}
