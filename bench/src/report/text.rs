//! The report on the terminal.

use super::{model::Report, reliability, tables};

/// The whole report as aligned text.
pub fn render(report: &Report) -> String {
    let m = &report.meta;
    let mut out = format!(
        "helpdesk-bench {} run on {} at {} ({}), {:.0} s\ncommand: {}\nserver: {} ({})\npinning: {}\ntickets: {}\n",
        m.kind(),
        m.date,
        m.commit,
        m.machine,
        m.seconds,
        m.command,
        m.mode,
        m.server_settings,
        m.pinning,
        m.tickets
    );
    let section = |out: &mut String, title: &str, body: String| {
        out.push_str(&format!("\n{title}\n{body}"));
    };
    section(
        &mut out,
        "Throughput and latency (ratios to Health/Check at the same load)",
        tables::throughput(report).to_text(),
    );
    section(&mut out, "Server CPU and memory", tables::resources(report).to_text());
    section(&mut out, "Latency against offered load", tables::sweep(report).to_text());
    if !report.duplicates.is_empty() {
        section(&mut out, "The same text stored again and again (4 x 8 calls)", tables::duplicates(report).to_text());
    }
    if let Some(r) = &report.reliability {
        section(
            &mut out,
            "Durability: power-loss (FULL) against process-crash (NORMAL)",
            reliability::durability(r).to_text(),
        );
        section(&mut out, "Health at four times the in-flight capacity", reliability::overload(r).to_text());
        section(&mut out, "Idle streams", reliability::idle(r).to_text());
    }
    out.push('\n');
    for line in tables::findings(report) {
        out.push_str(&format!("{line}\n"));
    }
    section(&mut out, "Targets (issue 12)", tables::targets(report).to_text());
    if !report.server_log.is_empty() {
        out.push_str(&format!(
            "\nThe servers logged {} warning or error line(s); the first:\n",
            report.server_log.len()
        ));
        for line in report.server_log.iter().take(10) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}
