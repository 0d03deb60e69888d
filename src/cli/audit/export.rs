//! `helpdesk audit export`: the audit entries from before a cutoff as JSON lines, with the chain's
//! signatures when it is signed, to standard output or a file (0600), then recorded as exported (what
//! `helpdesk audit purge` checks).

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
    domain::{Actor, ArchiveLine},
    service::{ExportItem, ExportRun},
    store::Store,
};

/// Arguments of `helpdesk audit export`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Writes the run of audit entries at the start of the log that were written before the cutoff (every
entry without --before), oldest first, one JSON object per line: sequence, record (ticket_id, action,
actor, created_at, details_json, rules_version), prev_hash and hash, so an archive can be re-verified.
When the chain is signed (audit.signing_key_file), each entry is followed by the signatures made at it,
one {\"signature\": {...}} line each, and the last line is the export signature over the last entry:
it is made only when the chain as stored verifies (otherwise the export fails and is not recorded), and
`helpdesk audit verify --archive FILE --public-key PUBLIC` checks the archive offline. A file written
with --output is readable by its owner only (0600).
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

/// Writes the export's lines (entries, then signatures); the outer error is the store's, the inner
/// one the writer's.
async fn write_lines(
    store: &Store,
    before: Option<DateTime<Utc>>,
    out: &mut impl Write,
) -> Result<std::io::Result<(u64, i64)>, CliError> {
    let mut run = ExportRun::new(store.clone(), before);
    loop {
        let item = run.next().await.map_err(|e| CliError::Failed(format!("cannot export the audit log: {e}")))?;
        let line = match item {
            None => return Ok(Ok(run.summary())),
            Some(ExportItem::Entry(entry)) => serde_json::to_string(&entry),
            Some(ExportItem::Signature(signature)) => serde_json::to_string(&ArchiveLine::Signature { signature }),
        };
        let line = line.map_err(|e| CliError::Failed(e.to_string()))?;
        if let Err(e) = writeln!(out, "{line}") {
            return Ok(Err(e));
        }
    }
}
