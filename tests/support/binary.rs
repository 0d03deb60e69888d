//! The `helpdesk` binary for the tests that run it: a command with a clean environment and its own
//! folder, fixture paths, and the outcome of a run.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

/// The `helpdesk` binary, run in `dir`, with no inherited HELPDESK_* variables, the store in memory
/// (its path inside `dir` all the same) and quiet logs.
pub fn helpdesk(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_helpdesk"));
    for (name, _) in std::env::vars() {
        if name.starts_with("HELPDESK_") {
            command.env_remove(name);
        }
    }
    command
        .current_dir(dir)
        .env("HELPDESK_STORE_TYPE", "memory")
        .env("HELPDESK_STORE_PATH", dir.join("data"))
        .env("HELPDESK_LOG_LEVEL", "WARN");
    command
}

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// What a finished run left behind.
#[derive(Debug)]
pub struct Run {
    /// Exit status (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

/// Runs `command` to the end, feeding it `stdin`.
pub fn run(command: &mut Command, stdin: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the helpdesk binary starts");
    if let Some(mut pipe) = child.stdin.take() {
        // A command that does not read its input may close the pipe first; that is not a failure.
        let _ = pipe.write_all(stdin.as_bytes());
    }
    let output = child.wait_with_output().expect("the helpdesk binary finishes");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Whether `id` looks like `TKT-YYYYMMDD-XXXXXXXX` (8 upper-case letters or digits).
pub fn is_ticket_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 3
        && parts[0] == "TKT"
        && parts[1].len() == 8
        && parts[1].bytes().all(|b| b.is_ascii_digit())
        && parts[2].len() == 8
        && parts[2].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `GET path` over HTTP/1.1 with the standard library; returns the whole answer.
pub fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connects to the metrics port");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("request sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer read");
    answer
}
