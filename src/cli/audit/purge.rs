//! `helpdesk audit purge --before DATE`: removes the oldest audit entries once an export covered
//! them, as AuditService.PurgeAuditEntries does; the chain's anchor moves so the rest still verifies.

use std::process::ExitCode;

use chrono::{SecondsFormat, Utc};
use clap::Args;

use super::ACTOR;
use crate::{
    cli::{
        CliError,
        ticket_store::{close_store, open_store},
        when::parse_when,
    },
    config::Settings,
    domain::Actor,
    store::StoreError,
};

/// Arguments of `helpdesk audit purge`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Removes the run of audit entries at the start of the log that were written before the cutoff. Unless
--force, only entries that a recorded export with this cutoff (or a later one) covered are removed,
and nothing at all when there is no such export: run `helpdesk audit export --before DATE` first with
the same DATE. The chain's anchor moves to the last removed entry, so `helpdesk audit verify` still
passes, and an audit.purged entry records the purge (actor \"cli\").

Use a fixed date for the export and the purge: an age such as 30d means a slightly later cutoff the
second time, which the export does not cover.

Exit status: 0 done (also when nothing was old enough); 1 refused (no matching export) or failed;
2 usage or set-up errors.

Example:
  helpdesk audit export --before 2026-01-01 --output audit-2025.jsonl
  helpdesk audit purge --before 2026-01-01")]
pub struct PurgeArgs {
    /// Cutoff: a date (2026-01-01, midnight UTC), an RFC 3339 time, or an age (90d).
    #[arg(long, value_name = "DATE")]
    pub before: String,
    /// Purge even entries no recorded export covered.
    #[arg(long)]
    pub force: bool,
}

/// Purges and prints how many entries went.
pub async fn run(args: PurgeArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let now = Utc::now();
    let before = parse_when(&args.before, now).map_err(|e| CliError::Usage(format!("--before: {e}")))?;
    let store = open_store(settings).await?;
    let purged = store.purge_audit(before, args.force, &Actor::named(ACTOR), now).await;
    close_store(store).await;
    let count = purged.map_err(|e| match e {
        StoreError::FailedPrecondition(why) => CliError::Failed(format!("audit purge refused: {why}")),
        e => CliError::Failed(format!("cannot purge audit entries: {e}")),
    })?;
    let before = before.to_rfc3339_opts(SecondsFormat::Secs, true);
    let forced = if args.force { " (forced)" } else { "" };
    println!("purged {count} audit entries written before {before}{forced}");
    Ok(ExitCode::SUCCESS)
}
