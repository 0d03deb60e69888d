//! `helpdesk audit export`: the audit entries from before a cutoff as JSON lines, to standard output
//! or a file, then recorded as exported (what `helpdesk audit purge` checks).

use std::{
    io::{BufWriter, Write},
    path::PathBuf,
    process::ExitCode,
};

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;

use super::ACTOR;
use crate::{
    cli::{
        CliError,
        backup::{parent, sync_folder},
        ticket_store::{close_store, open_store},
        when::parse_when,
    },
    config::Settings,
    domain::Actor,
    store::Store,
};

/// Entries read from the store at a time.
const PAGE: u64 = 500;

/// Arguments of `helpdesk audit export`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Writes the run of audit entries at the start of the log that were written before the cutoff (every
entry without --before), oldest first, one JSON object per line: sequence, record (ticket_id, action,
actor, created_at, details_json, rules_version), prev_hash and hash, so an archive can be re-verified.
Only once every line is written (and, with --output, the file is flushed and renamed into place) is
the export recorded, with an audit.exported entry (actor \"cli\"), the same record
AuditService.ExportAuditEntries keeps; `helpdesk audit purge --before DATE` needs it.

Exit status: 0 written (a summary goes to stderr); 1 the export failed; 2 usage or set-up errors.

Examples:
  helpdesk audit export --before 2026-01-01 > audit-2025.jsonl
  helpdesk audit export --before 2026-01-01 --output audit-2025.jsonl")]
pub struct ExportArgs {
    /// Cutoff: a date (2026-01-01, midnight UTC), an RFC 3339 time, or an age (90d).
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,
    /// Write to FILE (through a temporary file renamed into place) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Exports, records the export and prints a summary on stderr.
pub async fn run(args: ExportArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let now = Utc::now();
    let before = args
        .before
        .as_deref()
        .map(|v| parse_when(v, now).map_err(|e| CliError::Usage(format!("--before: {e}"))))
        .transpose()?;
    let store = open_store(settings).await?;
    let done = export(&store, before, args.output.as_ref(), now).await;
    close_store(store).await;
    let (count, last) = done?;
    let cutoff = before.map_or_else(|| "any time".to_owned(), |b| b.to_rfc3339_opts(SecondsFormat::Secs, true));
    let place = args.output.as_ref().map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
    if count == 0 {
        eprintln!("no audit entries written before {cutoff}; nothing exported to {place}");
    } else {
        eprintln!("exported {count} audit entries (up to sequence {last}) written before {cutoff} to {place}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes every entry, then records the export; the count and the last sequence.
async fn export(
    store: &Store,
    before: Option<DateTime<Utc>>,
    output: Option<&PathBuf>,
    now: DateTime<Utc>,
) -> Result<(u64, i64), CliError> {
    let (count, last) = match output {
        None => {
            let failed = |source| CliError::Output { path: "standard output".into(), source };
            let mut out = BufWriter::new(std::io::stdout());
            let written = write_lines(store, before, &mut out).await?.map_err(failed)?;
            out.flush().map_err(failed)?;
            written
        }
        Some(path) => {
            let failed = |source| CliError::Output { path: path.display().to_string(), source };
            let folder = parent(path);
            let mut temp = tempfile::Builder::new()
                .prefix(".helpdesk-audit-")
                .suffix(".tmp")
                .tempfile_in(folder)
                .map_err(failed)?;
            let mut out = BufWriter::new(temp.as_file_mut());
            let written = write_lines(store, before, &mut out).await?.map_err(failed)?;
            out.flush().map_err(failed)?;
            drop(out);
            temp.as_file().sync_all().map_err(failed)?;
            temp.persist(path).map_err(|e| failed(e.error))?;
            sync_folder(folder);
            written
        }
    };
    if count > 0 {
        store
            .record_audit_export(before, last, count, &Actor::named(ACTOR), now)
            .await
            .map_err(|e| CliError::Failed(format!("the entries were written but the export was not recorded: {e}")))?;
    }
    Ok((count, last))
}

/// Writes the entries page by page; the outer error is the store's, the inner one the writer's.
async fn write_lines(
    store: &Store,
    before: Option<DateTime<Utc>>,
    out: &mut impl Write,
) -> Result<std::io::Result<(u64, i64)>, CliError> {
    let (mut count, mut last) = (0u64, 0i64);
    loop {
        let page = store
            .export_audit_page(before, last, PAGE)
            .await
            .map_err(|e| CliError::Failed(format!("cannot read the audit log: {e}")))?;
        if page.is_empty() {
            return Ok(Ok((count, last)));
        }
        for entry in &page {
            let line = serde_json::to_string(entry).map_err(|e| CliError::Failed(e.to_string()))?;
            if let Err(e) = writeln!(out, "{line}") {
                return Ok(Err(e));
            }
            last = entry.sequence;
            count += 1;
        }
    }
}
