//! `helpdesk audit verify`: the hash chain check, with an exit status scripts can test.

use std::process::ExitCode;

use crate::{
    cli::{
        CliError,
        ticket_store::{close_store, open_store},
    },
    config::Settings,
};

/// Verifies the chain; exit status 1 when it is broken.
pub async fn run(settings: &Settings) -> Result<ExitCode, CliError> {
    let store = open_store(settings).await?;
    let report = store.verify_audit().await;
    close_store(store).await;
    let report = report.map_err(|e| CliError::Setup(format!("cannot read the audit log: {e}")))?;
    if report.valid {
        println!("audit chain valid: {} entries checked", report.entries_checked);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "audit chain BROKEN at entry {}: {} ({} entries checked)",
        report.first_broken_sequence.unwrap_or_default(),
        report.reason.unwrap_or_default(),
        report.entries_checked
    );
    Ok(ExitCode::from(1))
}
