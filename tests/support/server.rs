//! A real `helpdesk serve` process for the tests: started on a free port on a file store, its stderr
//! read line by line, stopped with SIGTERM (or killed with SIGKILL).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use super::binary::helpdesk;

/// A running `helpdesk serve` and the lines it writes to stderr.
pub struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Where it listens (`127.0.0.1:PORT`).
    pub addr: String,
    /// What it wrote before it listened (opening the store, migrations).
    pub startup: Vec<String>,
}

/// `helpdesk serve` on a file store under `dir`, on a free port.
pub fn start(dir: &std::path::Path) -> Server {
    start_with(helpdesk(dir))
}

/// `command` (a [`helpdesk`] command) running `serve` on a file store, on a free port.
pub fn start_with(mut command: std::process::Command) -> Server {
    command.env("HELPDESK_STORE_TYPE", "file");
    start_as_configured(command)
}

/// `command` running `serve` on a free port, on the store its environment names.
pub fn start_as_configured(command: std::process::Command) -> Server {
    start_listening(command, "127.0.0.1:0", "INFO")
}

/// `command` running `serve` on a free port, on the store its environment names, logging at `level`.
pub fn start_logging_at(command: std::process::Command, level: &str) -> Server {
    start_listening(command, "127.0.0.1:0", level)
}

/// `command` running `serve --listen listen`, on the store its environment names, logging at `level`.
pub fn start_listening(mut command: std::process::Command, listen: &str, level: &str) -> Server {
    let mut child = command
        .env("HELPDESK_LOG_LEVEL", level)
        .args(["serve", "--listen", listen])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("helpdesk serve starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut startup = Vec::new();
    while Instant::now() < deadline {
        let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) else { continue };
        if let Some(rest) = line.split("listening on ").nth(1) {
            // Text or JSON logs: the address ends at a space or at the closing quote.
            let addr = rest.split(|c: char| c.is_whitespace() || c == '"').next().expect("an address").to_owned();
            return Server { child, lines, addr, startup };
        }
        startup.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not say where it listens within 30 s");
}

impl Server {
    /// Sends `signal` (a name such as HUP) with the shell's own `kill`, so the test needs no procps.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("sh").args(["-c", &format!("kill -{signal} {pid}")]).status();
        assert!(sent.expect("sh runs").success());
    }

    /// Waits up to 20 s for a line of stderr containing every one of `parts`.
    pub fn wait_for(&self, parts: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) else { continue };
            if parts.iter().all(|p| line.contains(p)) {
                return line;
            }
        }
        panic!("no line with {parts:?} within 20 s");
    }

    /// The lines of stderr written since start-up (or the last call) that no wait has read.
    pub fn lines_so_far(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// The server's process id: the `helpdesk` binary itself, started without a shell.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL to the server process itself (`Child::kill`), waits for it, and returns the
    /// signal that ended it (`None` when it had exited by itself) and the lines of stderr no wait had read.
    pub fn kill(mut self) -> (Option<i32>, Vec<String>) {
        use std::os::unix::process::ExitStatusExt;
        self.child.kill().expect("SIGKILL sent");
        let status = self.child.wait().expect("wait");
        (status.signal(), self.rest_of_stderr())
    }

    /// Every line of stderr up to the end of the pipe, which the reader reaches soon after the exit.
    fn rest_of_stderr(&self) -> Vec<String> {
        let mut rest = Vec::new();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            match self.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => rest.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
        rest
    }

    /// Waits up to `within` for the process to exit by itself (after a signal sent with
    /// [`signal`](Self::signal)): its exit status and the rest of stderr, or `None` when it is still
    /// running (it is then killed when dropped).
    pub fn wait_for_exit(&mut self, within: Duration) -> Option<(i32, Vec<String>)> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some((status.code().unwrap_or(-1), self.rest_of_stderr()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Sends SIGTERM and waits for the exit status and the rest of stderr.
    pub fn terminate(mut self) -> (i32, Vec<String>) {
        let pid = self.child.id().to_string();
        // The shell's own `kill`, so the test needs no procps on the machine.
        let killed =
            std::process::Command::new("sh").args(["-c", &format!("kill -TERM {pid}")]).status().expect("sh runs");
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return (status.code().unwrap_or(-1), self.rest_of_stderr());
            }
            assert!(Instant::now() < deadline, "the server did not stop within 20 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    /// A server a failed test left running is killed, not left listening on a deleted store.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
