//! What a run found, as one value: written as text, as Markdown for the docs and as JSON.

use serde::Serialize;

use crate::{
    anchor::Anchor, durability::DurabilityPoint, format, idle::IdleStreams, load::Measurement, overload::Overload,
    targets::TargetCheck,
};

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// When, where and how.
    pub meta: Meta,
    /// Every scenario at concurrency 1 and at saturation, with ratios to Health/Check.
    pub scenarios: Vec<ScenarioResult>,
    /// The latency-vs-load sweep the chart draws.
    pub sweep: Vec<SweepPoint>,
    /// Tickets in the store while the read scenarios ran.
    pub stored_before_reads: u64,
    /// The StreamTriage that filled the store for the reads.
    pub fill: Option<Measurement>,
    /// The near-duplicate levels.
    pub duplicates: Vec<DuplicatePoint>,
    /// The raw multi-row insert of the StreamTriage rows.
    pub anchor: Option<Anchor>,
    /// StreamTriage stored against the anchor (tickets a second).
    pub stream_to_anchor: Option<f64>,
    /// `helpdesk triage` without a store.
    pub cli: Option<CliRun>,
    /// The soak.
    pub soak: Option<Soak>,
    /// Durability's cost, health under overload and idle streams (servers the bench starts only).
    pub reliability: Option<Reliability>,
    /// The targets of issue 12.
    pub targets: Vec<TargetCheck>,
    /// Lines the servers logged at warn or error.
    pub server_log: Vec<String>,
    /// Anything the reader should know about this run.
    pub notes: Vec<String>,
}

/// The reliability figures, each from a server of its own.
#[derive(Debug, Clone, Serialize)]
pub struct Reliability {
    /// `power-loss` and `process-crash`.
    pub durability: Vec<DurabilityPoint>,
    /// Four times the in-flight capacity.
    pub overload: Overload,
    /// Thousands of idle audit watches.
    pub idle: IdleStreams,
}

/// When, where and how the run was made.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// `git rev-parse --short HEAD` of the workspace.
    pub commit: String,
    /// Cores and processor model.
    pub machine: String,
    /// The command line.
    pub command: String,
    /// `started` (the bench started the server) or `target`.
    pub mode: String,
    /// The server's settings as the bench gave them.
    pub server_settings: String,
    /// How the processes were pinned.
    pub pinning: String,
    /// The tickets file and how many records it holds.
    pub tickets: String,
    /// A `--quick` run.
    pub quick: bool,
    /// A `--full` run (the near-duplicate level of 100,000 copies).
    pub full: bool,
    /// Wall seconds of the whole run.
    pub seconds: f64,
}

impl Meta {
    /// `quick`, `standard` or `full`.
    pub fn kind(&self) -> &'static str {
        if self.quick {
            "quick"
        } else if self.full {
            "full"
        } else {
            "standard"
        }
    }
}

/// Whether a scenario's throughput counts calls or tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// One call, one unit.
    Call,
    /// Tickets (a batch call carries many; a stream item is one).
    Ticket,
}

/// One scenario at both loads.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// A short key, such as `triage_stored`.
    pub key: String,
    /// Its name in the tables.
    pub name: String,
    /// What it does.
    pub what: String,
    /// What its throughput and CPU figures count.
    pub basis: Basis,
    /// At concurrency 1.
    pub one: Measurement,
    /// At saturation.
    pub saturated: Measurement,
    /// `one` against Health/Check at concurrency 1.
    pub ratio_one: Ratios,
    /// `saturated` against Health/Check at saturation.
    pub ratio_saturated: Ratios,
}

/// A measurement's figures divided by Health/Check's at the same load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Ratios {
    /// Units a second (calls, or tickets) against health calls a second.
    pub throughput: f64,
    /// Mean latency.
    pub mean: f64,
    /// Median latency.
    pub p50: f64,
    /// p99 latency.
    pub p99: f64,
    /// p999 latency.
    pub p999: f64,
    /// Server CPU per unit against CPU per health call.
    pub cpu_per_unit: f64,
}

impl Ratios {
    /// `m` against the baseline `base`.
    pub fn of(m: &Measurement, base: &Measurement, basis: Basis) -> Ratios {
        let d = format::divide;
        let (rate, cpu) = match basis {
            Basis::Call => (m.calls_per_sec, m.server.map(|s| s.cpu_us_per_call)),
            Basis::Ticket => (m.items_per_sec, m.server.map(|s| s.cpu_us_per_item)),
        };
        let base_cpu = base.server.map(|s| s.cpu_us_per_call);
        Ratios {
            throughput: d(rate, base.calls_per_sec),
            mean: d(m.latency.mean_us, base.latency.mean_us),
            p50: d(m.latency.p50_us, base.latency.p50_us),
            p99: d(m.latency.p99_us, base.latency.p99_us),
            p999: d(m.latency.p999_us, base.latency.p999_us),
            cpu_per_unit: match (cpu, base_cpu) {
                (Some(a), Some(b)) => d(a, b),
                _ => f64::NAN,
            },
        }
    }
}

/// One point of the latency-vs-load chart.
#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    /// The scenario's key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Calls in flight.
    pub concurrency: usize,
    /// Calls a second.
    pub calls_per_sec: f64,
    /// Median latency, µs.
    pub p50_us: f64,
    /// p99 latency, µs.
    pub p99_us: f64,
}

/// Storing the same text with so many copies already stored.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicatePoint {
    /// Near-duplicate detection on.
    pub duplicates: bool,
    /// The level asked for: 0, 1k, 10k or 100k copies (fewer with --quick).
    pub level: u64,
    /// Copies of the text stored before the measurement.
    pub stored_copies: u64,
    /// The measurement (stored TriageTicket calls of the same text).
    pub measurement: Measurement,
}

/// `helpdesk triage FILE out.json`.
#[derive(Debug, Clone, Serialize)]
pub struct CliRun {
    /// Tickets in the file.
    pub tickets: u64,
    /// Wall seconds of the whole process.
    pub seconds: f64,
    /// Tickets a second.
    pub tickets_per_sec: f64,
    /// The summary line it printed.
    pub summary: String,
}

/// Memory over a long saturation run.
#[derive(Debug, Clone, Serialize)]
pub struct Soak {
    /// The mixed load's measurement.
    pub measurement: Measurement,
    /// (seconds, MiB) every second.
    pub rss: Vec<(f64, f64)>,
    /// Mean RSS of the first minute (or first sixth of a shorter run), MiB.
    pub first_mib: f64,
    /// Mean RSS of the last minute (or last sixth), MiB.
    pub last_mib: f64,
    /// Whether the last is within 10 % of the first.
    pub flat: bool,
}

impl Soak {
    /// Works out the first and last window of `rss` and whether memory stayed flat.
    pub fn of(measurement: Measurement, rss: Vec<(f64, f64)>) -> Soak {
        let end = rss.last().map(|&(t, _)| t).unwrap_or(0.0);
        let window = if end >= 180.0 { 60.0 } else { (end / 6.0).max(1.0) };
        let mean = |inside: &dyn Fn(f64) -> bool| {
            let picked: Vec<f64> = rss.iter().filter(|(t, _)| inside(*t)).map(|&(_, m)| m).collect();
            if picked.is_empty() { f64::NAN } else { picked.iter().sum::<f64>() / picked.len() as f64 }
        };
        let first_mib = mean(&|t| t <= window);
        let last_mib = mean(&|t| t >= end - window);
        let flat = last_mib <= first_mib * 1.10;
        Soak { measurement, rss, first_mib, last_mib, flat }
    }
}
