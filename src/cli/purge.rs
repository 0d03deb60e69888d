//! `helpdesk purge --older-than 90d`: removes old tickets with their results, as the PurgeTickets
//! RPC does, and records the purge in the audit log.

use std::process::ExitCode;

use chrono::{SecondsFormat, Utc};
use clap::Args;

use crate::{
    cli::{
        CliError,
        ticket_store::{close_store, open_store},
        when::parse_when,
    },
    config::Settings,
    domain::Actor,
};

/// The actor the audit log names for purges from the command line.
const ACTOR: &str = "cli";

/// Arguments of `helpdesk purge`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Removes every ticket created before the cutoff, with its triage results and duplicate fingerprints,
in one transaction, and appends a tickets.purged audit entry with the count (actor \"cli\"): the same
store operation as TicketStoreService.PurgeTickets. --dry-run only counts. The audit entries about
the removed tickets stay; archive and remove those with `helpdesk audit export` and `audit purge`.

Exit status: 0 done (also when nothing was old enough); 1 the purge failed; 2 usage or set-up errors.

Examples:
  helpdesk purge --older-than 90d --dry-run
  helpdesk purge --older-than 90d
  helpdesk purge --older-than 2026-01-01")]
pub struct PurgeArgs {
    /// Cutoff: an age (90d, 12w, 36h), a date (2026-01-01, midnight UTC) or an RFC 3339 time.
    #[arg(long, value_name = "AGE|DATE")]
    pub older_than: String,
    /// Count the tickets that would go; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Purges (or counts) the tickets created before the cutoff and prints how many.
pub async fn run(args: PurgeArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let now = Utc::now();
    let cutoff = parse_when(&args.older_than, now).map_err(|e| CliError::Usage(format!("--older-than: {e}")))?;
    let store = open_store(settings).await?;
    let purged = store.purge_tickets(cutoff, args.dry_run, &Actor::named(ACTOR), now).await;
    close_store(store).await;
    let count = purged.map_err(|e| CliError::Failed(format!("cannot purge tickets: {e}")))?;
    let cutoff = cutoff.to_rfc3339_opts(SecondsFormat::Secs, true);
    if args.dry_run {
        println!("{count} ticket(s) created before {cutoff} would be purged (dry run, nothing removed)");
    } else {
        println!("purged {count} ticket(s) created before {cutoff}");
    }
    Ok(ExitCode::SUCCESS)
}
