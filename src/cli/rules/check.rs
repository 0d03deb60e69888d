//! `helpdesk rules check FILE`: every error and warning in a rules file, then its rules in order.

use std::{path::Path, process::ExitCode};

use crate::{
    cli::CliError,
    config::Settings,
    triage::{
        RulesError, RulesFormat,
        rules::{Severity, lint_text_within, load::read_document},
    },
};

/// Checks and lints `file` within the configured limits; exit status 1 when it cannot be loaded.
pub fn run(file: &Path, settings: &Settings) -> Result<ExitCode, CliError> {
    let format = RulesFormat::from_path(file).ok_or_else(|| {
        CliError::Usage(format!("{}: the name must end in .yaml, .yml, .toml or .json", file.display()))
    })?;
    let limits = settings.limits.rules();
    let text = match read_document(file, &limits) {
        Ok(text) => text,
        Err(RulesError::Read { source, .. }) => {
            return Err(CliError::Input { path: file.display().to_string(), reason: source.to_string() });
        }
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(1));
        }
    };
    let report = lint_text_within(&text, format, &limits);
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
