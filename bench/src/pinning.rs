//! Pinning: the server on core 0 (`taskset -c 0`), the load generator on core 1 (its own affinity set
//! with `taskset -p` before it starts any thread, so every thread it makes inherits it). When the
//! machine has one core, or taskset is missing or refused, nothing is pinned and the report says so.

use std::process::Command;

use crate::procstat;

/// How the run is pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinning {
    /// The server's core, when it is pinned.
    pub server_core: Option<usize>,
    /// In words, for the report.
    pub note: String,
}

/// Pins this process to core 1 and says where the server goes. Call before any thread is started.
pub fn pin(disabled: bool) -> Pinning {
    if disabled {
        return Pinning { server_core: None, note: "not pinned (--no-pin)".to_owned() };
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    if cores < 2 {
        return Pinning { server_core: None, note: format!("not pinned: {cores} core available") };
    }
    let pid = std::process::id().to_string();
    match Command::new("taskset").args(["-p", "-c", "1", &pid]).output() {
        Ok(out) if out.status.success() && procstat::allowed_cpus().as_deref() == Some("1") => Pinning {
            server_core: Some(0),
            note: format!("server on core 0 (taskset -c 0), load generator on core 1 (taskset -p), of {cores} cores"),
        },
        Ok(out) => Pinning {
            server_core: None,
            note: format!("not pinned: taskset -p refused: {}", String::from_utf8_lossy(&out.stderr).trim()),
        },
        Err(e) => Pinning { server_core: None, note: format!("not pinned: cannot run taskset: {e}") },
    }
}
