//! The report: its model, the terminal text, the Markdown of docs/benchmarks.md and the chart.

pub mod chart;
pub mod markdown;
pub mod model;
pub mod reliability;
pub mod tables;
pub mod text;

pub use model::{Basis, CliRun, DuplicatePoint, Meta, Ratios, Reliability, Report, ScenarioResult, Soak, SweepPoint};
