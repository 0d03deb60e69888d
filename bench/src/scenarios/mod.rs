//! The scenarios: the calls each makes ([`op`]), StreamTriage's driver ([`stream`]), what the read
//! scenarios need from the store ([`reads`]), and the runner that measures one of them at one load
//! and checks that the server still runs afterwards.

pub mod catalogue;
pub mod op;
pub mod reads;
pub mod stream;

use std::sync::Arc;

pub use op::Op;

use crate::{
    error::{BenchError, InStep},
    format,
    load::{self, Budget, Measurement, Shape},
    server::Server,
    tickets::TicketSource,
    watch::{Watch, Watched},
};

/// Measures scenarios against one server.
pub struct Runner<'a> {
    /// The server's URL.
    pub target: String,
    /// Its process, when known.
    pub watch: Watch,
    /// The server the bench started, to check it is still alive.
    pub server: Option<&'a mut Server>,
}

impl Runner<'_> {
    /// Measures `op` at `shape`.
    pub async fn unary(
        &mut self,
        name: &str,
        op: Op,
        shape: Shape,
        budget: Budget,
    ) -> Result<(Measurement, Watched), BenchError> {
        let step = format!("{name} at {}", shape.label());
        let result = load::run(&self.target, op, shape, budget, &self.watch).await;
        self.after(&step, result)
    }

    /// Measures StreamTriage stored with `shape.connections` streams and `shape.streams` tickets in
    /// flight on each.
    pub async fn stream(
        &mut self,
        name: &str,
        source: Arc<TicketSource>,
        kind: char,
        shape: Shape,
        budget: Budget,
    ) -> Result<(Measurement, Watched), BenchError> {
        let step = format!("{name} with {} stream(s) x {} in flight", shape.connections, shape.streams);
        let result = stream::run(&self.target, source, kind, shape, budget, &self.watch).await;
        self.after(&step, result)
    }

    fn after(
        &mut self,
        step: &str,
        result: Result<(Measurement, Watched), String>,
    ) -> Result<(Measurement, Watched), BenchError> {
        if let Some(server) = self.server.as_mut() {
            server.alive().in_step(step)?;
        }
        let (m, watched) = result.in_step(step)?;
        let cpu = m.server.map(|s| format!(", server {:.2} cores", s.cpu_cores)).unwrap_or_default();
        eprintln!(
            "  {step}: {}/s, p50 {}, p99 {}{cpu}, client {:.2} cores",
            format::rate(m.items_per_sec),
            format::latency(m.latency.p50_us),
            format::latency(m.latency.p99_us),
            m.client_cpu_cores
        );
        Ok((m, watched))
    }

    /// Checks that the server (when the bench started it) still runs.
    pub fn alive(&mut self, step: &str) -> Result<(), BenchError> {
        match self.server.as_mut() {
            Some(server) => server.alive().in_step(step),
            None => Ok(()),
        }
    }
}

/// A budget of `calls` calls or `secs` seconds.
pub fn budget(calls: u64, secs: f64) -> Budget {
    Budget { calls, secs }
}

/// Calls without a count limit, for `secs` seconds.
pub fn for_secs(secs: f64) -> Budget {
    Budget { calls: u64::MAX, secs }
}
