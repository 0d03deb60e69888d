//! `helpdesk eval`: score a model file on labelled tickets (accuracy, macro-F1, per-label table,
//! confusion matrix) and measure how long each prediction takes.

use std::{hint::black_box, path::Path, process::ExitCode, time::Instant};

use clap::Args;

use super::train::{LabelledInput, print_out};
use crate::{
    cli::CliError,
    learn::{
        file,
        metrics::Evaluation,
        report::{EvaluationReport, Speed},
    },
    triage::TextModel,
};

/// Arguments of `helpdesk eval`.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = "\
Prints accuracy, macro-F1, precision, recall, F1 and support per label, and the confusion matrix
(rows: true label, columns: predicted label by number, `none` for tickets without a known word).
Labels of the input that the model does not know count as errors and are listed. The prediction
speed is the mean and median time per ticket over the input, one ticket at a time.

Example:
  helpdesk eval --model queue.model.json --input tickets.csv --label queue")]
pub struct EvalArgs {
    /// The model file written by `helpdesk train`.
    #[arg(long, value_name = "MODEL")]
    pub model: String,
    /// The labelled tickets.
    #[command(flatten)]
    pub input: LabelledInput,
    /// Print the evaluation as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `helpdesk eval`.
pub fn run(args: EvalArgs) -> Result<ExitCode, CliError> {
    let model = file::load(Path::new(&args.model)).map_err(|e| CliError::Setup(e.to_string()))?;
    let tickets = args.input.read()?;
    let mut evaluation = Evaluation::new(model.labels());
    let mut micros = Vec::with_capacity(tickets.examples.len());
    for example in &tickets.examples {
        // Timed as the service calls it, label copy included.
        let started = Instant::now();
        let prediction = black_box(model.predict(black_box(&example.text)));
        micros.push(started.elapsed().as_secs_f64() * 1e6);
        let predicted = prediction.and_then(|(label, _)| model.labels().iter().position(|l| *l == label));
        evaluation.add(&example.label, predicted);
    }
    let report = EvaluationReport::new(&evaluation, Speed::of(&mut micros));
    let text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| CliError::Failed(e.to_string()))? + "\n"
    } else {
        format!(
            "model {} on {} ({} tickets; skipped {} without a label, {} without text)\n{}",
            model.version(),
            args.input.input,
            tickets.examples.len(),
            tickets.empty_label,
            tickets.empty_text,
            report.to_text()
        )
    };
    print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}
