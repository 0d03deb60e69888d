//! Where and when: today's date, the workspace's commit, the machine's cores and processor.

use std::{path::Path, process::Command};

/// `git rev-parse --short HEAD` in `root`, with `-dirty` when tracked files changed.
pub fn commit(root: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(head) => match git(&["status", "--porcelain", "--untracked-files=no"]) {
            Some(changes) if !changes.is_empty() => format!("{head}-dirty"),
            _ => head,
        },
        None => "unknown".to_owned(),
    }
}

/// `2 cores, Intel(R) Xeon(R) Processor`.
pub fn describe() -> String {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let online = text.lines().filter(|l| l.starts_with("processor")).count();
    let model = text
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_owned())
        .unwrap_or_else(|| "unknown processor".to_owned());
    format!("{} cores, {model}", if online > 0 { online } else { cores })
}

/// Today as `YYYY-MM-DD` and `YYYYMMDD` (UTC).
pub fn today() -> (String, String) {
    let now = chrono::Utc::now();
    (now.format("%Y-%m-%d").to_string(), now.format("%Y%m%d").to_string())
}

/// Two characters of 0-9, A-Z that differ between runs (from the clock), for unique ticket ids.
pub fn run_tag() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    crate::tickets::base36((nanos / 1_000_000 % 1296) as u64, 2)
}
