//! The escalation sweeper: a periodic task that escalates tickets left open past
//! `escalation_threshold_hours`; with several instances on one database only the holder of a lease sweeps.

mod settings;

pub use settings::SweepSettings;
