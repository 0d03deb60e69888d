//! `helpdesk triage FILE out.json` (local triage, nothing stored) on a file of many tickets made from
//! the dataset with unique titles, timed as a whole process on both cores.

use std::{io::Write, path::Path, process::Command, time::Instant};

use crate::{report::CliRun, tickets::TicketSource};

/// Writes `n` tickets to `dir/tickets.jsonl` and triages them with `binary`.
pub fn run(binary: &Path, dir: &Path, source: &TicketSource, n: u64) -> Result<CliRun, String> {
    let input = dir.join("tickets.jsonl");
    let output = dir.join("outcomes.json");
    let file = std::fs::File::create(&input).map_err(|e| format!("cannot create {}: {e}", input.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    for _ in 0..n {
        let ticket = source.next('C');
        let priority = helpdesk_client::proto::Priority::try_from(ticket.priority)
            .ok()
            .filter(|p| *p != helpdesk_client::proto::Priority::Unspecified)
            .map(|p| p.as_str_name().trim_start_matches("PRIORITY_").to_ascii_lowercase());
        let line = serde_json::json!({
            "title": ticket.title,
            "description": ticket.description,
            "requester_email": ticket.requester_email,
            "priority": priority,
            "tags": ticket.tags,
        });
        writeln!(writer, "{line}").map_err(|e| format!("cannot write {}: {e}", input.display()))?;
    }
    writer.flush().map_err(|e| format!("cannot write {}: {e}", input.display()))?;
    drop(writer);
    let mut command = Command::new(binary);
    command.arg("triage").arg(&input).arg(&output);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HELPDESK_") {
            command.env_remove(name);
        }
    }
    let started = Instant::now();
    let out = command.output().map_err(|e| format!("cannot run {} triage: {e}", binary.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("helpdesk triage failed ({}): {}", out.status, stderr.trim()));
    }
    let summary = stderr.lines().rev().find(|l| l.contains("triaged")).unwrap_or("").trim().to_owned();
    let _ = std::fs::remove_file(&output);
    Ok(CliRun { tickets: n, seconds, tickets_per_sec: n as f64 / seconds.max(1e-9), summary })
}
