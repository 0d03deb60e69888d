//! What /proc says about a process: CPU time used (utime + stime, in clock ticks) and resident memory
//! (VmRSS), read for the server and for the load generator itself.

use std::sync::OnceLock;

/// Which process: one by id, or the load generator itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proc {
    /// A process id.
    Pid(u32),
    /// This process.
    Myself,
}

impl Proc {
    fn path(self, file: &str) -> String {
        match self {
            Proc::Pid(pid) => format!("/proc/{pid}/{file}"),
            Proc::Myself => format!("/proc/self/{file}"),
        }
    }

    /// CPU seconds used so far, user and system together.
    pub fn cpu_seconds(self) -> Result<f64, String> {
        let path = self.path("stat");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let ticks = cpu_ticks(&text).ok_or_else(|| format!("{path}: no utime and stime fields"))?;
        Ok(ticks as f64 / clock_ticks_per_second() as f64)
    }

    /// Resident memory in MiB.
    pub fn rss_mib(self) -> Result<f64, String> {
        let path = self.path("status");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let kib = vm_rss_kib(&text).ok_or_else(|| format!("{path}: no VmRSS line"))?;
        Ok(kib as f64 / 1024.0)
    }
}

/// utime + stime (fields 14 and 15) of a /proc/PID/stat line; the command name, field 2, is skipped
/// by its closing parenthesis since it may hold spaces.
pub fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) is the 12th and stime (15) the 13th.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The VmRSS figure of /proc/PID/status, in KiB.
pub fn vm_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The kernel's clock ticks a second (`getconf CLK_TCK`; 100 when it cannot be asked).
pub fn clock_ticks_per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .filter(|&ticks: &u64| ticks > 0)
            .unwrap_or(100)
    })
}

/// The CPUs this process may run on (`Cpus_allowed_list` of /proc/self/status), such as `1` or `0-1`.
pub fn allowed_cpus() -> Option<String> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("Cpus_allowed_list:"))?;
    Some(line.split_whitespace().nth(1)?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_skip_a_command_name_with_spaces() {
        let stat = "4242 (tokio worker) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 37 0 0 20 0 9 0 100 0 0";
        assert_eq!(cpu_ticks(stat), Some(187));
        assert_eq!(cpu_ticks("garbage"), None);
    }

    #[test]
    fn vm_rss_in_kib() {
        let status = "Name:\thelpdesk\nVmPeak:\t  300000 kB\nVmRSS:\t   20480 kB\nThreads:\t9\n";
        assert_eq!(vm_rss_kib(status), Some(20480));
        assert_eq!(vm_rss_kib("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_can_be_read() {
        assert!(Proc::Myself.cpu_seconds().expect("cpu") >= 0.0);
        assert!(Proc::Myself.rss_mib().expect("rss") > 0.0);
    }
}
