//! The command line's one error type, and the exit status each kind of error gives.

use std::{io, process::ExitCode};

use crate::config::ConfigError;

/// Why a subcommand could not do its work. Records that fail inside `helpdesk triage` are not
/// errors: they are reported in the output and give exit status 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The configuration is invalid; the message names the key.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The command line asks for something that cannot be done as asked.
    #[error("{0}")]
    Usage(String),
    /// An input file cannot be read or has the wrong shape as a whole.
    #[error("cannot read {path}: {reason}")]
    Input {
        /// The file (or "standard input").
        path: String,
        /// Why.
        reason: String,
    },
    /// An output file cannot be created or written.
    #[error("cannot write {path}: {source}")]
    Output {
        /// The file (or "standard output").
        path: String,
        /// The I/O error.
        source: io::Error,
    },
    /// Something the command needs cannot be set up: the store, the rules, the listen address, the
    /// server connection.
    #[error("{0}")]
    Setup(String),
    /// The work started but failed.
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// 2 for usage, configuration, input/output and set-up errors; 1 for work that failed.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Failed(_) => ExitCode::from(1),
            _ => ExitCode::from(2),
        }
    }
}
