//! What a measurement cost the server and the load generator: CPU seconds over the measurement
//! (as cores used and µs per call) and the server's resident memory, sampled while it runs.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde::Serialize;

use crate::procstat::Proc;

/// The server's CPU and memory over one measurement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ServerUsage {
    /// CPU seconds a wall second: 1.0 is one core busy.
    pub cpu_cores: f64,
    /// CPU microseconds per call.
    pub cpu_us_per_call: f64,
    /// CPU microseconds per ticket (batch and stream calls carry many).
    pub cpu_us_per_item: f64,
    /// Resident memory when the measurement began, in MiB.
    pub rss_start_mib: f64,
    /// The most seen while it ran.
    pub rss_peak_mib: f64,
    /// When it ended.
    pub rss_end_mib: f64,
}

/// Watches the server (when its process id is known) and the load generator.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    /// The server's process, when known.
    pub server: Option<u32>,
    /// How often memory is sampled.
    pub every: Duration,
}

/// A measurement being watched.
pub struct Watching {
    server: Option<u32>,
    started: Instant,
    server_cpu: f64,
    own_cpu: f64,
    rss_start: f64,
    samples: Arc<Mutex<Vec<(f64, f64)>>>,
    stop: Arc<AtomicBool>,
    sampler: Option<tokio::task::JoinHandle<()>>,
}

/// What [`Watching::finish`] found.
#[derive(Debug, Clone, Default)]
pub struct Watched {
    /// The server's usage, when its process is known.
    pub server: Option<ServerUsage>,
    /// The load generator's CPU seconds a wall second.
    pub client_cpu_cores: f64,
    /// The memory samples: (seconds since the start, MiB).
    pub rss_series: Vec<(f64, f64)>,
}

impl Watch {
    /// Takes the starting figures and starts sampling memory.
    pub fn start(&self) -> Result<Watching, String> {
        let server_cpu = match self.server {
            Some(pid) => Proc::Pid(pid).cpu_seconds()?,
            None => 0.0,
        };
        let rss_start = match self.server {
            Some(pid) => Proc::Pid(pid).rss_mib()?,
            None => 0.0,
        };
        let samples = Arc::new(Mutex::new(vec![(0.0, rss_start)]));
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let sampler = self.server.map(|pid| {
            let (samples, stop, every) = (samples.clone(), stop.clone(), self.every);
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(every).await;
                    if let Ok(mib) = Proc::Pid(pid).rss_mib()
                        && let Ok(mut samples) = samples.lock()
                    {
                        samples.push((started.elapsed().as_secs_f64(), mib));
                    }
                }
            })
        });
        Ok(Watching {
            server: self.server,
            started,
            server_cpu,
            own_cpu: Proc::Myself.cpu_seconds()?,
            rss_start,
            samples,
            stop,
            sampler,
        })
    }
}

impl Watching {
    /// Stops sampling and works out the usage of `calls` calls carrying `items` tickets.
    pub async fn finish(mut self, calls: u64, items: u64) -> Result<Watched, String> {
        let wall = self.started.elapsed().as_secs_f64().max(1e-9);
        self.stop.store(true, Ordering::Relaxed);
        if let Some(sampler) = self.sampler.take() {
            sampler.abort();
            let _ = sampler.await;
        }
        let client_cpu_cores = (Proc::Myself.cpu_seconds()? - self.own_cpu) / wall;
        let mut rss_series = self.samples.lock().map(|s| s.clone()).unwrap_or_default();
        let server = match self.server {
            None => None,
            Some(pid) => {
                let cpu = Proc::Pid(pid).cpu_seconds()? - self.server_cpu;
                let rss_end = Proc::Pid(pid).rss_mib()?;
                rss_series.push((wall, rss_end));
                let peak = rss_series.iter().map(|&(_, mib)| mib).fold(self.rss_start, f64::max);
                let per = |n: u64| if n == 0 { f64::NAN } else { cpu * 1e6 / n as f64 };
                Some(ServerUsage {
                    cpu_cores: cpu / wall,
                    cpu_us_per_call: per(calls),
                    cpu_us_per_item: per(items),
                    rss_start_mib: self.rss_start,
                    rss_peak_mib: peak,
                    rss_end_mib: rss_end,
                })
            }
        };
        Ok(Watched { server, client_cpu_cores, rss_series })
    }
}
