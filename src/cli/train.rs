//! `helpdesk train`: train a text classifier on labelled past tickets (CSV or JSON), optionally
//! evaluate it on a held-out share, and write the model file the service loads.

use std::{io::Write, path::Path, process::ExitCode, time::Instant};

use clap::Args;

use crate::{
    cli::CliError,
    learn::{
        InputFormat, LabelledTickets, ModelError, TextColumns, TrainOptions, features::FeatureConfig, file,
        holdout_split, metrics::Evaluation, read_labelled, report::EvaluationReport, train,
    },
    triage::TextModel,
};

/// The labelled tickets to read: shared by `train` and `eval`.
#[derive(Debug, Clone, Args)]
pub struct LabelledInput {
    /// Labelled tickets: CSV with a header row (.csv), JSON lines (.jsonl) or a JSON array (.json).
    #[arg(long, value_name = "FILE")]
    pub input: String,
    /// The column holding the label: category, queue, priority, type, ...
    #[arg(long, value_name = "COLUMN")]
    pub label: String,
    /// Columns joined with a new line into the text [default: title,description when the input has
    /// them, otherwise subject,body].
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub text: Vec<String>,
    /// Format of FILE; by default taken from its extension.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<InputFormat>,
}

impl LabelledInput {
    /// Reads the labelled tickets, or says which file, line or column is wrong.
    pub fn read(&self) -> Result<LabelledTickets, CliError> {
        let input_error = |reason: String| CliError::Input { path: self.input.clone(), reason };
        let format = match self.format {
            Some(format) => format,
            None => format_of(&self.input)?,
        };
        let text = std::fs::read_to_string(&self.input).map_err(|e| input_error(e.to_string()))?;
        let columns = if self.text.is_empty() { TextColumns::Default } else { TextColumns::Named(self.text.clone()) };
        read_labelled(&text, format, &self.label, &columns).map_err(|e| input_error(e.to_string()))
    }
}

fn format_of(input: &str) -> Result<InputFormat, CliError> {
    let extension = Path::new(input).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv") => Ok(InputFormat::Csv),
        Some("json") => Ok(InputFormat::Json),
        Some("jsonl" | "ndjson") => Ok(InputFormat::Jsonl),
        _ => Err(CliError::Usage(format!(
            "cannot tell the format of {input} from its extension; use --format csv|json|jsonl"
        ))),
    }
}

/// Writes `text` to standard output; a closed pipe is an output error, not a crash.
pub fn print_out(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| CliError::Output { path: "standard output".into(), source })
}

/// Arguments of `helpdesk train`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
The text is the --text columns joined with a new line, as the service joins a ticket's title and
description. Rows with an empty label or text are skipped and counted; a malformed row stops the run
with its line number. The model file is JSON: labels, feature settings, training details, weights and
a SHA-256 of its content; the service reports it as <label column>@<first 12 hex digits>.

Examples:
  helpdesk train --input tickets.csv --label queue --output queue.model.json --holdout 0.2
  helpdesk train --input tickets.jsonl --label category --output category.model.json")]
pub struct TrainArgs {
    /// The labelled tickets.
    #[command(flatten)]
    pub input: LabelledInput,
    /// Where to write the model file (replaced atomically).
    #[arg(long, value_name = "MODEL")]
    pub output: String,
    /// Hold out this share of each label's tickets (0 to 1), train on the rest and print the
    /// evaluation on the held-out tickets.
    #[arg(long, value_name = "FRACTION")]
    pub holdout: Option<f64>,
    /// Seed of the held-out split and of the training order.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub seed: u64,
    /// Passes over the training tickets.
    #[arg(long, value_name = "N", default_value_t = TrainOptions::default().epochs)]
    pub epochs: u32,
    /// Terms are hashed into 2^BITS buckets (8 to 24).
    #[arg(long, value_name = "BITS", default_value_t = FeatureConfig::default().bucket_bits)]
    pub bucket_bits: u8,
    /// Terms found in fewer training tickets than this are ignored.
    #[arg(long, value_name = "N", default_value_t = FeatureConfig::default().min_df)]
    pub min_df: u32,
    /// L2 regularisation strength.
    #[arg(long, value_name = "X", default_value_t = TrainOptions::default().l2)]
    pub l2: f32,
    /// Adagrad learning rate.
    #[arg(long, value_name = "X", default_value_t = TrainOptions::default().learning_rate)]
    pub learning_rate: f32,
    /// Longest word n-gram (1 to 3).
    #[arg(long, value_name = "N", default_value_t = FeatureConfig::default().word_ngrams)]
    pub word_ngrams: u8,
    /// Character n-grams inside words, shortest and longest length, e.g. 3,5 (0,0 for none).
    #[arg(long, value_name = "LOW,HIGH", value_delimiter = ',', default_value = "0,0")]
    pub char_ngrams: Vec<u8>,
}

/// Runs `helpdesk train`.
pub fn run(args: TrainArgs) -> Result<ExitCode, CliError> {
    let input = &args.input;
    let tickets = input.read()?;
    eprintln!(
        "{}: {} labelled tickets; skipped {} without a label and {} without text (text: {})",
        input.input,
        tickets.examples.len(),
        tickets.empty_label,
        tickets.empty_text,
        tickets.text_columns.join(" + ")
    );
    let [low, high] = args.char_ngrams[..] else {
        return Err(CliError::Usage(format!("--char-ngrams takes two lengths, got {:?}", args.char_ngrams)));
    };
    let options = TrainOptions {
        features: FeatureConfig {
            bucket_bits: args.bucket_bits,
            word_ngrams: args.word_ngrams,
            char_ngrams: [low, high],
            min_df: args.min_df,
        },
        epochs: args.epochs,
        seed: args.seed,
        l2: args.l2,
        learning_rate: args.learning_rate,
        text_columns: tickets.text_columns.clone(),
    };
    let (training, held_out) = match args.holdout {
        None => (tickets.examples, Vec::new()),
        Some(f) if f > 0.0 && f < 1.0 => holdout_split(tickets.examples, f, args.seed),
        Some(f) => return Err(CliError::Usage(format!("--holdout must be between 0 and 1, got {f}"))),
    };
    let started = Instant::now();
    let model = train(&input.label, &training, &options)
        .map_err(|e| CliError::Input { path: input.input.clone(), reason: e.to_string() })?;
    let seconds = started.elapsed().as_secs_f64();
    let counts = model.training().label_counts.iter();
    let labels: Vec<String> = model.labels().iter().zip(counts).map(|(l, n)| format!("{l} {n}")).collect();
    eprintln!("training tickets per label ({}): {}", labels.len(), labels.join(", "));
    eprintln!(
        "trained on {} tickets in {seconds:.2} s: {} features, {} epochs, seed {}",
        training.len(),
        model.tfidf().len(),
        options.epochs,
        options.seed
    );
    if !held_out.is_empty() {
        let mut evaluation = Evaluation::new(model.labels());
        for example in &held_out {
            evaluation.add(&example.label, model.predict_index(&example.text).map(|(i, _)| i));
        }
        let report = EvaluationReport::new(&evaluation, None).to_text();
        print_out(&format!("held out {} tickets (seed {}):\n{report}", held_out.len(), args.seed))?;
    }
    let bytes = file::save(&model, Path::new(&args.output)).map_err(|e| match e {
        ModelError::Io { source, .. } => CliError::Output { path: args.output.clone(), source },
        other => CliError::Failed(other.to_string()),
    })?;
    eprintln!("wrote {} ({:.1} KiB), version {}", args.output, bytes as f64 / 1024.0, model.version());
    Ok(ExitCode::SUCCESS)
}
