//! The report: its model, the terminal text, the Markdown of docs/benchmarks.md and the chart.

pub mod chart;
pub mod markdown;
pub mod model;
pub mod tables;
pub mod text;

pub use model::{Basis, CliRun, DuplicatePoint, Meta, Ratios, Report, ScenarioResult, Soak, SweepPoint};
