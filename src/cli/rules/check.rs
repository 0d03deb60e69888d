//! `helpdesk rules check FILE`: every error and warning in a rules file, then its rules in order.

use std::{path::Path, process::ExitCode};

use crate::{
    cli::CliError,
    triage::{
        RulesFormat,
        rules::{Severity, lint_text},
    },
};

/// Checks and lints `file`; exit status 1 when it cannot be loaded.
pub fn run(file: &Path) -> Result<ExitCode, CliError> {
    let format = RulesFormat::from_path(file).ok_or_else(|| {
        CliError::Usage(format!("{}: the name must end in .yaml, .yml, .toml or .json", file.display()))
    })?;
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::Input { path: file.display().to_string(), reason: e.to_string() })?;
    let report = lint_text(&text, format);
    let errors = report.findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = report.findings.len() - errors;
    for finding in &report.findings {
        println!("{}: {finding}", file.display());
    }
    let Some(rules) = report.rules else {
        eprintln!("{}: {errors} error(s), {warnings} warning(s); the file cannot be loaded", file.display());
        return Ok(ExitCode::from(1));
    };
    let enabled = rules.rules().iter().filter(|r| r.enabled).count();
    println!("{}: valid ({warnings} warning(s))", file.display());
    println!("version:       {}", rules.version());
    println!("rules:         {} ({enabled} enabled)", rules.rules().len());
    println!("default queue: {}", rules.default_queue());
    for rule in rules.rules() {
        let queue = rule.then.queue.as_deref().unwrap_or("-");
        let state = if rule.enabled { "" } else { "  (disabled)" };
        let more = if rule.continue_ { "  (continue)" } else { "" };
        println!("  {:>5}  {:<24} -> {queue}{state}{more}", rule.priority, rule.id);
    }
    Ok(ExitCode::SUCCESS)
}
