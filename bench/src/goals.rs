//! The targets section of issue 12, checked against a report's figures.

use crate::{
    format,
    report::Report,
    scenarios::catalogue,
    targets::{Bound, TargetCheck},
};

/// Every target, in the order.
pub fn check(report: &Report) -> Vec<TargetCheck> {
    let scenario = |key: &str| report.scenarios.iter().find(|s| s.key == key);
    let nan = f64::NAN;
    let mut checks = Vec::new();
    let ratio_text = |v: f64| format!("{} of Health/Check's", format::ratio(v));

    for (key, limit, target) in [
        (catalogue::TRIAGE_DRY.key, 3.0, "TriageTicket dry run at concurrency 1: mean latency <= 3x Health/Check's"),
        (catalogue::TRIAGE_STORED.key, 5.0, "TriageTicket stored at concurrency 1: mean latency <= 5x Health/Check's"),
    ] {
        let v = scenario(key).map(|s| s.ratio_one.mean).unwrap_or(nan);
        checks.push(TargetCheck::check(target, ratio_text(v), v, Bound::AtMost, limit));
    }
    for (key, limit, target) in [
        (catalogue::TRIAGE_DRY.key, 0.4, "Throughput at saturation: dry run >= 0.4x Health/Check"),
        (catalogue::TRIAGE_STORED.key, 0.25, "Throughput at saturation: stored on SQLite >= 0.25x Health/Check"),
    ] {
        let v = scenario(key).map(|s| s.ratio_saturated.throughput).unwrap_or(nan);
        checks.push(TargetCheck::check(target, ratio_text(v), v, Bound::AtLeast, limit));
    }
    let stream = scenario(catalogue::STREAM.key).map(|s| s.saturated.items_per_sec).unwrap_or(nan);
    checks.push(TargetCheck::check(
        "StreamTriage stored on SQLite >= 50,000 tickets/s",
        format!("{} tickets/s", format::rate(stream)),
        stream,
        Bound::AtLeast,
        50_000.0,
    ));
    let anchor = report.stream_to_anchor.unwrap_or(nan);
    let anchor_rate = report.anchor.as_ref().map(|a| format::rate(a.tickets_per_sec)).unwrap_or_else(|| "-".to_owned());
    checks.push(TargetCheck::check(
        "StreamTriage stored >= 0.5x a raw multi-row insert of the same rows through sea-orm",
        format!("{} of {anchor_rate} tickets/s", format::ratio(anchor)),
        anchor,
        Bound::AtLeast,
        0.5,
    ));
    let top = report.duplicates.iter().map(|p| p.level).max();
    let rate_at = |on: bool| {
        report
            .duplicates
            .iter()
            .find(|p| p.duplicates == on && Some(p.level) == top)
            .map(|p| p.measurement.calls_per_sec)
    };
    let dup = match (rate_at(true), rate_at(false)) {
        (Some(on), Some(off)) => format::divide(on, off),
        _ => nan,
    };
    let copies = top.map(|t| format::thousands(t as f64)).unwrap_or_else(|| "-".to_owned());
    checks.push(TargetCheck::check(
        "The same text stored 100k times with duplicates on: >= 0.5x the rate with duplicates off",
        format!("{} at {copies} copies", format::ratio(dup)),
        dup,
        Bound::AtLeast,
        0.5,
    ));
    let peak = report
        .scenarios
        .iter()
        .filter_map(|s| s.saturated.server.map(|u| u.rss_peak_mib))
        .chain(report.soak.iter().filter_map(|s| s.measurement.server.map(|u| u.rss_peak_mib)))
        .fold(nan, f64::max);
    checks.push(TargetCheck::check(
        "Server RSS under saturation <= 150 MiB",
        format!("peak {}", format::mib(peak)),
        peak,
        Bound::AtMost,
        150.0,
    ));
    let (flat, flat_text) = match &report.soak {
        Some(s) => {
            let r = format::divide(s.last_mib, s.first_mib);
            let secs = s.measurement.seconds;
            let short = if secs < 590.0 { " (shorter than the target's 10 minutes)" } else { "" };
            (r, format!("last/first window {} over {secs:.0} s{short}", format::ratio(r)))
        }
        None => (nan, "no soak in this run".to_owned()),
    };
    checks.push(TargetCheck::check(
        "Server RSS flat over a 10-minute run (last minute <= 1.1x the first)",
        flat_text,
        flat,
        Bound::AtMost,
        1.1,
    ));
    let cli = report.cli.as_ref().map(|c| c.tickets_per_sec).unwrap_or(nan);
    let cli_n = report.cli.as_ref().map(|c| format::thousands(c.tickets as f64)).unwrap_or_default();
    checks.push(TargetCheck::check(
        "helpdesk triage (CLI, no store) on 100k tickets: >= 50k tickets/s on 2 cores",
        format!("{} tickets/s on {cli_n}", format::rate(cli)),
        cli,
        Bound::AtLeast,
        50_000.0,
    ));
    checks
}
