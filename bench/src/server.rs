//! The server under test when the benchmark starts it: the `helpdesk` release binary as a separate
//! process on a free loopback port, with a store of its own, its settings given through the
//! environment and a config file, pinned to one core with `taskset` when it can be.

use std::{
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use helpdesk_client::{HelpdeskClient, ServingStatus};

use crate::error::{BenchError, InStep};

/// How a server is set up.
#[derive(Debug, Clone)]
pub struct ServerSetup {
    /// The `helpdesk` binary.
    pub binary: PathBuf,
    /// The folder of its SQLite store (`store_path`).
    pub store: PathBuf,
    /// Cache triage results (`cache_enabled`).
    pub cache: bool,
    /// Near-duplicate detection (`duplicates.enabled`, a config-file key).
    pub duplicates: bool,
    /// The core to pin it to with `taskset -c`, if any.
    pub core: Option<usize>,
    /// More settings, as `HELPDESK_*` variables (after the ones above, so they win).
    pub env: Vec<(&'static str, String)>,
}

/// A running server started by the benchmark.
pub struct Server {
    child: Child,
    /// Its process id.
    pub pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    log: PathBuf,
}

/// The `HELPDESK_*` variables of the bench's own environment are not passed on: the server gets
/// exactly the settings below.
fn command(setup: &ServerSetup, args: &[&str]) -> Result<Command, String> {
    let config = setup.store.with_extension("config.json");
    let text = format!("{{\"duplicates\": {{\"enabled\": {}}}}}\n", setup.duplicates);
    std::fs::write(&config, text).map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let mut command = match setup.core {
        Some(core) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(core.to_string()).arg(&setup.binary);
            c
        }
        None => Command::new(&setup.binary),
    };
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HELPDESK_") {
            command.env_remove(name);
        }
    }
    command
        .env("HELPDESK_CONFIG", &config)
        .env("HELPDESK_STORE_PATH", &setup.store)
        .env("HELPDESK_LOG_LEVEL", "warn")
        .env("HELPDESK_CACHE_ENABLED", setup.cache.to_string())
        .env("HELPDESK_ESCALATION_SWEEP_ENABLED", "false")
        .envs(setup.env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null());
    Ok(command)
}

/// Runs `helpdesk migrate` on the store of `setup` (a fresh database with the server's schema).
pub fn migrate(setup: &ServerSetup) -> Result<(), String> {
    let setup = ServerSetup { core: None, ..setup.clone() };
    let out = command(&setup, &["migrate"])?
        .output()
        .map_err(|e| format!("cannot run {} migrate: {e}", setup.binary.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("helpdesk migrate failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free loopback port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("no free loopback port: {e}"))
}

impl Server {
    /// Starts the server and waits until its health check answers SERVING (30 s at most).
    pub async fn start(setup: &ServerSetup) -> Result<Server, String> {
        if !setup.binary.is_file() {
            return Err(format!(
                "no server binary at {}: build it with `cargo build --release --locked --bin helpdesk` or give --server-bin",
                setup.binary.display()
            ));
        }
        std::fs::create_dir_all(&setup.store).map_err(|e| format!("cannot create {}: {e}", setup.store.display()))?;
        let port = free_port()?;
        let log = setup.store.with_extension("log");
        let log_file = File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let log_copy = log_file.try_clone().map_err(|e| format!("cannot share {}: {e}", log.display()))?;
        let listen = format!("127.0.0.1:{port}");
        let child = command(setup, &["serve", "--listen", &listen])?
            .stdout(log_copy)
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", setup.binary.display()))?;
        let mut server = Server { pid: child.id(), child, url: format!("http://{listen}"), log };
        server.wait_until_serving().await?;
        Ok(server)
    }

    async fn wait_until_serving(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            self.alive()?;
            if let Ok(mut client) = HelpdeskClient::connect_within(&self.url, Duration::from_millis(500)).await
                && let Ok(ServingStatus::Serving) = client.health("").await
            {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(format!(
                    "the server at {} did not become healthy within 30 s{}",
                    self.url,
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// An error when the server has exited.
    pub fn alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!("the server exited ({status}){}", self.log_tail())),
            Err(e) => Err(format!("cannot tell whether the server runs: {e}")),
        }
    }

    /// The last lines of the server's log, as a suffix of an error message.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        if tail.is_empty() { String::new() } else { format!("; its log ends:\n{tail}") }
    }

    /// Warnings and errors the server logged (its log level is `warn`).
    pub fn logged(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect()
    }

    /// Ends a step run on a server of its own: the server's log goes into `server_log` under the
    /// step's name, the server is stopped, and then the step's own result is given back.
    pub async fn finish<T>(
        self,
        step: &str,
        measured: Result<T, String>,
        server_log: &mut Vec<String>,
    ) -> Result<T, BenchError> {
        server_log.extend(self.logged().into_iter().map(|l| format!("{step}: {l}")));
        self.stop().await.in_step(step)?;
        measured.in_step(step)
    }

    /// Stops the server with SIGTERM (a graceful shutdown), killing it after 20 s.
    pub async fn stop(mut self) -> Result<(), String> {
        self.alive()?;
        let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status();
        let started = Instant::now();
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) if started.elapsed() < Duration::from_secs(20) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err(format!("the server did not stop within 20 s of SIGTERM{}", self.log_tail()));
                }
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A server left behind by an error is killed with the bench.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The SQLite file of a store folder.
pub fn database_file(store: &Path) -> PathBuf {
    store.join("helpdesk.db")
}
