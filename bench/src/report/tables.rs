//! The report's tables, shared by the terminal text and the Markdown.

use super::model::{Basis, Report, ScenarioResult};
use crate::{format, load::Measurement, table::Table};

fn unit(basis: Basis) -> &'static str {
    match basis {
        Basis::Call => "calls/s",
        Basis::Ticket => "tickets/s",
    }
}

fn load_label(s: &ScenarioResult, m: &Measurement) -> String {
    let shape = m.shape.label();
    if s.key == "stream_stored" {
        format!("{} stream(s) x {} in flight", m.shape.connections, m.shape.streams)
    } else {
        shape
    }
}

/// Throughput and latency of every scenario at both loads, with ratios to Health/Check.
pub fn throughput(report: &Report) -> Table {
    let mut table = Table::new(&[
        "scenario",
        "load",
        "throughput",
        "x health",
        "mean",
        "p50",
        "p99",
        "p999",
        "mean x health",
        "p99 x health",
    ]);
    for s in &report.scenarios {
        for (m, r) in [(&s.one, &s.ratio_one), (&s.saturated, &s.ratio_saturated)] {
            let rate = match s.basis {
                Basis::Call => m.calls_per_sec,
                Basis::Ticket => m.items_per_sec,
            };
            table.row(vec![
                s.name.clone(),
                load_label(s, m),
                format!("{} {}", format::rate(rate), unit(s.basis)),
                format::ratio(r.throughput),
                format::latency(m.latency.mean_us),
                format::latency(m.latency.p50_us),
                format::latency(m.latency.p99_us),
                format::latency(m.latency.p999_us),
                format::ratio(r.mean),
                format::ratio(r.p99),
            ]);
        }
    }
    table
}

/// Server CPU and memory of every scenario at both loads.
pub fn resources(report: &Report) -> Table {
    let mut table = Table::new(&[
        "scenario",
        "load",
        "server cores",
        "server CPU",
        "x health",
        "RSS start",
        "RSS peak",
        "RSS end",
        "load gen. cores",
    ]);
    for s in &report.scenarios {
        for (m, r) in [(&s.one, &s.ratio_one), (&s.saturated, &s.ratio_saturated)] {
            let (cores, cpu, start, peak, end) = match m.server {
                Some(u) => {
                    let per = match s.basis {
                        Basis::Call => format!("{} µs/call", format::thousands(u.cpu_us_per_call)),
                        Basis::Ticket => format!("{} µs/ticket", format::thousands(u.cpu_us_per_item)),
                    };
                    (
                        format!("{:.2}", u.cpu_cores),
                        per,
                        format::mib(u.rss_start_mib),
                        format::mib(u.rss_peak_mib),
                        format::mib(u.rss_end_mib),
                    )
                }
                None => Default::default(),
            };
            table.row(vec![
                s.name.clone(),
                load_label(s, m),
                cores,
                cpu,
                format::ratio(r.cpu_per_unit),
                start,
                peak,
                end,
                format!("{:.2}", m.client_cpu_cores),
            ]);
        }
    }
    table
}

/// The latency-vs-load sweep.
pub fn sweep(report: &Report) -> Table {
    let mut table = Table::new(&["scenario", "concurrency", "calls/s", "p50", "p99"]);
    for p in &report.sweep {
        table.row(vec![
            p.name.clone(),
            p.concurrency.to_string(),
            format::rate(p.calls_per_sec),
            format::latency(p.p50_us),
            format::latency(p.p99_us),
        ]);
    }
    table
}

/// The near-duplicate levels: off and on side by side.
pub fn duplicates(report: &Report) -> Table {
    let mut table = Table::new(&[
        "copies stored",
        "off: calls/s",
        "off: CPU/call",
        "off: p99",
        "on: calls/s",
        "on: CPU/call",
        "on: p99",
        "on / off rate",
    ]);
    let off: Vec<_> = report.duplicates.iter().filter(|p| !p.duplicates).collect();
    for p in off {
        let on = report.duplicates.iter().find(|q| q.duplicates && q.level == p.level);
        let cpu = |m: &Measurement| {
            m.server.map(|s| format!("{} µs", format::thousands(s.cpu_us_per_call))).unwrap_or_default()
        };
        let mut row = vec![
            format::thousands(p.stored_copies as f64),
            format::rate(p.measurement.calls_per_sec),
            cpu(&p.measurement),
            format::latency(p.measurement.latency.p99_us),
        ];
        match on {
            Some(q) => row.extend([
                format::rate(q.measurement.calls_per_sec),
                cpu(&q.measurement),
                format::latency(q.measurement.latency.p99_us),
                format::ratio(format::divide(q.measurement.calls_per_sec, p.measurement.calls_per_sec)),
            ]),
            None => row.extend(["-".to_owned(), "-".to_owned(), "-".to_owned(), "-".to_owned()]),
        }
        table.row(row);
    }
    table
}

/// The targets and how this run did.
pub fn targets(report: &Report) -> Table {
    let mut table = Table::new(&["target", "measured", "verdict"]);
    for t in &report.targets {
        table.row(vec![t.target.clone(), t.measured_text.clone(), t.verdict()]);
    }
    table
}

/// One-line findings: the anchor, the fill, the CLI, the soak.
pub fn findings(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(a) = &report.anchor {
        let tables: Vec<String> =
            a.tables.iter().map(|(t, n)| format!("{t} {}", format::thousands(*n as f64))).collect();
        lines.push(format!(
            "Physical anchor: {} tickets ({} rows: {}) inserted again through sea-orm, {} a transaction: {} tickets/s, {} µs CPU a ticket in the bench; StreamTriage stored at saturation is {} of it.",
            format::thousands(a.tickets as f64),
            format::thousands(a.rows as f64),
            tables.join(", "),
            a.per_transaction,
            format::rate(a.tickets_per_sec),
            format::thousands(a.cpu_us_per_ticket),
            report.stream_to_anchor.map(format::ratio).unwrap_or_else(|| "-".to_owned()),
        ));
    }
    if let Some(f) = &report.fill {
        lines.push(format!(
            "Fill: {} tickets stored by StreamTriage (4 streams x 64 in flight) at {} tickets/s before the reads; the store then held {} tickets.",
            format::thousands(f.items as f64),
            format::rate(f.items_per_sec),
            format::thousands(report.stored_before_reads as f64)
        ));
    } else if report.stored_before_reads > 0 {
        lines.push(format!(
            "The store held {} tickets during the reads.",
            format::thousands(report.stored_before_reads as f64)
        ));
    }
    if let Some(c) = &report.cli {
        lines.push(format!(
            "CLI: `helpdesk triage` (no store) on {} tickets: {:.2} s wall for the whole process, {} tickets/s ({}).",
            format::thousands(c.tickets as f64),
            c.seconds,
            format::rate(c.tickets_per_sec),
            c.summary
        ));
    }
    match &report.soak {
        Some(s) => lines.push(format!(
            "Soak: {:.0} s of mixed saturation load ({} calls/s); server RSS {} in the first window, {} in the last: {}.",
            s.measurement.seconds,
            format::rate(s.measurement.calls_per_sec),
            format::mib(s.first_mib),
            format::mib(s.last_mib),
            if s.flat { "flat" } else { "growing" }
        )),
        None => lines.push("Soak: not run (--soak-secs 0; the target is stated for --soak-secs 600).".to_owned()),
    }
    lines
}
