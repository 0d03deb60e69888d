//! `helpdesk triage INPUT OUTPUT`: read tickets (JSON, JSON lines, CSV or text), triage each one
//! here or on a server, and write one outcome per record as JSON. A bad record never stops the run.

use std::{
    fs::File,
    io::{self, BufWriter, Read, Write},
    path::Path,
    process::ExitCode,
    time::Instant,
};

use clap::{Args, ValueEnum};

use super::{
    csv_input::read_csv,
    json_input::{read_json, read_lines},
    lines::{decode, refuse_undecodable},
    local::{CHUNK, LocalTriage},
    record::Record,
    remote::RemoteTriage,
    report::Report,
    text_input::read_text,
};
use crate::{cli::CliError, cli::connection::ConnectionArgs, config::Settings};

/// Arguments of `helpdesk triage`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Input formats (by extension, or --format):
  .json            one object, an array of objects, or JSON lines
  .jsonl, .ndjson  JSON lines: one object per line
  .csv             a header row naming the fields; tags separated by |, metadata as metadata.<key> columns
  .txt             blocks of `Key: value` lines separated by blank lines; an indented line or a line
                   without a key continues the previous value

Fields: ticket_id, title, description, requester_email, category, priority, status, created_at
(RFC 3339), tags, metadata, assigned_queue.

The output is {\"outcomes\": [{\"record\", \"line\", \"ticket_id\", \"result\" | \"errors\"}...], \"summary\": {...}}.
Exit status: 0 when every record was triaged, 1 when any record failed, 2 when the input, the output
or the configuration is unusable.

Examples:
  helpdesk triage tickets.csv outcomes.json
  cat tickets.jsonl | helpdesk triage --format jsonl - -
  helpdesk triage --server http://127.0.0.1:50051 --store tickets.json outcomes.json")]
pub struct TriageArgs {
    /// Tickets to triage: a file, or `-` for standard input.
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// Where to write the outcomes (JSON): a file, or `-` for standard output.
    #[arg(value_name = "OUTPUT")]
    pub output: String,
    /// Format of INPUT; by default taken from its extension.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<InputFormat>,
    /// Record every triaged ticket in the configured store (audit actor "cli"); without it nothing
    /// is stored.
    #[arg(long)]
    pub store: bool,
    /// Send the tickets to a running server (StreamTriage) instead of triaging them here,
    /// e.g. http://127.0.0.1:50051.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Token and TLS for --server.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// How the input is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// One object, an array of objects, or JSON lines.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// A header row, then one ticket per row.
    Csv,
    /// `Key: value` blocks separated by blank lines.
    Text,
}

/// Where the tickets are triaged.
enum Triage {
    Local(LocalTriage),
    Remote(RemoteTriage),
}

/// Runs `helpdesk triage`; the exit status says whether every record was triaged.
pub async fn run(args: TriageArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let records = load_records(&args.input, args.format)?;

    let triage = match &args.server {
        None => Triage::Local(LocalTriage::open(settings, args.store).await?),
        Some(url) => Triage::Remote(RemoteTriage::connect(url, &args.connection).await?),
    };
    let output = name_of(&args.output, "standard output");
    let write_error = |source: io::Error| CliError::Output { path: output.clone(), source };
    let out = open_output(&args.output).map_err(write_error)?;
    let mut report = Report::start(out, records.len(), started).map_err(write_error)?;
    match triage {
        Triage::Local(local) => {
            let mut records = records.into_iter().peekable();
            let mut next_chunk = || records.peek().is_some().then(|| records.by_ref().take(CHUNK).collect::<Vec<_>>());
            let mut decided = match next_chunk() {
                Some(chunk) => Some(local.decide_chunk(chunk).await),
                None => None,
            };
            while let Some(outcomes) = decided.take() {
                // The next chunk is triaged (on the blocking pool) while this one is written.
                let (next, written) = tokio::join!(
                    async {
                        match next_chunk() {
                            Some(chunk) => Some(local.decide_chunk(chunk).await),
                            None => None,
                        }
                    },
                    async { outcomes.iter().try_for_each(|outcome| report.add(outcome)) },
                );
                written.map_err(write_error)?;
                decided = next;
            }
        }
        Triage::Remote(remote) => {
            let limits = settings.ticket_limits();
            remote.run(records, args.store, &limits, &mut report).await.map_err(write_error)?;
        }
    }
    let summary = report.finish().map_err(write_error)?;
    eprintln!("{}", summary.line());
    Ok(if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The records of the file `input` (`-` for standard input) in `format`, or in the format its
/// extension names.
pub fn load_records(input: &str, format: Option<InputFormat>) -> Result<Vec<Record>, CliError> {
    let name = name_of(input, "standard input");
    let bytes = read_input(input).map_err(|e| CliError::Input { path: name.clone(), reason: e.to_string() })?;
    let (text, undecodable) = decode(bytes);
    let format = match format {
        Some(format) => format,
        None => detect(input, &text)?,
    };
    let mut records = read_records(format, &text).map_err(|reason| CliError::Input { path: name, reason })?;
    refuse_undecodable(&mut records, &undecodable);
    Ok(records)
}

/// The records of `text`, or why the input as a whole is unusable (a CSV header). Public for the
/// fuzz targets (`fuzz/`), which feed it arbitrary text.
pub fn read_records(format: InputFormat, text: &str) -> Result<Vec<Record>, String> {
    Ok(match format {
        InputFormat::Json => read_json(text),
        InputFormat::Jsonl => read_lines(text),
        InputFormat::Csv => read_csv(text)?,
        InputFormat::Text => read_text(text),
    })
}

/// The format INPUT's extension names; standard input counts as JSON when it starts like JSON.
fn detect(input: &str, text: &str) -> Result<InputFormat, CliError> {
    let hint = "; use --format json|jsonl|csv|text";
    if input == "-" {
        return match text.trim_start().chars().next() {
            None | Some('{' | '[') => Ok(InputFormat::Json),
            Some(_) => Err(CliError::Usage(format!("standard input does not look like JSON{hint}"))),
        };
    }
    let extension = Path::new(input).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("json") => Ok(InputFormat::Json),
        Some("jsonl" | "ndjson") => Ok(InputFormat::Jsonl),
        Some("csv") => Ok(InputFormat::Csv),
        Some("txt" | "text") => Ok(InputFormat::Text),
        _ => Err(CliError::Usage(format!("cannot tell the format of {input} from its extension{hint}"))),
    }
}

fn name_of(path: &str, dash: &str) -> String {
    if path == "-" { dash.to_owned() } else { path.to_owned() }
}

fn read_input(path: &str) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path == "-" {
        io::stdin().lock().read_to_end(&mut bytes)?;
    } else {
        File::open(path)?.read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

fn open_output(path: &str) -> io::Result<Box<dyn Write>> {
    Ok(if path == "-" { Box::new(BufWriter::new(io::stdout())) } else { Box::new(BufWriter::new(File::create(path)?)) })
}
