//! The output of `helpdesk triage`: outcomes written one by one as pretty JSON while they are
//! decided, the summary after them, a progress bar on a terminal and a one-line summary on stderr.

use std::{
    io::{self, IsTerminal, Write},
    time::Instant,
};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::{domain::FieldViolation, triage::TriageResult};

/// What became of one input record.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// 1-based record number.
    pub record: usize,
    /// Line on which the record starts.
    pub line: usize,
    /// The ticket's id: the given or generated one, absent when the record failed without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<String>,
    /// The result or the errors.
    #[serde(flatten)]
    pub decision: Decision,
}

/// A triage result, or every reason the record was refused.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The record was triaged.
    Result(Box<TriageResult>),
    /// The record was refused.
    Errors(Vec<FieldViolation>),
}

impl Outcome {
    /// A refused record.
    pub fn failed(record: usize, line: usize, ticket_id: Option<String>, errors: Vec<FieldViolation>) -> Self {
        Outcome { record, line, ticket_id, decision: Decision::Errors(errors) }
    }

    /// A triaged record.
    pub fn triaged(record: usize, line: usize, result: TriageResult) -> Self {
        Outcome {
            record,
            line,
            ticket_id: Some(result.ticket_id.clone()),
            decision: Decision::Result(Box::new(result)),
        }
    }
}

/// Counts over the whole run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    /// Records read.
    pub records: usize,
    /// Records triaged.
    pub triaged: usize,
    /// Records refused.
    pub failed: usize,
    /// Triaged records that were escalated.
    pub escalated: usize,
    /// Wall time of the run, in milliseconds.
    pub elapsed_ms: u64,
}

/// Writes `{"outcomes": [...], "summary": {...}}` as the outcomes come, so none is held back.
pub struct Report<W: Write> {
    out: W,
    summary: Summary,
    started: Instant,
    progress: ProgressBar,
}

impl<W: Write> Report<W> {
    /// Starts the document on `out` for `records` records.
    pub fn start(mut out: W, records: usize, started: Instant) -> io::Result<Self> {
        out.write_all(b"{\n  \"outcomes\": [")?;
        let progress = if io::stderr().is_terminal() && records > 0 {
            let bar = ProgressBar::new(records as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} records, {elapsed} elapsed, eta {eta}")
            {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Ok(Report { out, summary: Summary { records, ..Summary::default() }, started, progress })
    }

    /// Writes one outcome; outcomes must come in record order.
    pub fn add(&mut self, outcome: &Outcome) -> io::Result<()> {
        match &outcome.decision {
            Decision::Result(result) => {
                self.summary.triaged += 1;
                self.summary.escalated += usize::from(result.escalation.escalated);
            }
            Decision::Errors(_) => self.summary.failed += 1,
        }
        let first = self.summary.triaged + self.summary.failed == 1;
        self.out.write_all(if first { b"\n" } else { b",\n" })?;
        write_indented(&mut self.out, outcome, "    ")?;
        self.progress.inc(1);
        Ok(())
    }

    /// Closes the document with the summary and flushes it.
    pub fn finish(mut self) -> io::Result<Summary> {
        self.progress.finish_and_clear();
        self.summary.elapsed_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let done = self.summary.triaged + self.summary.failed;
        self.out.write_all(if done == 0 { b"],\n  \"summary\": " } else { b"\n  ],\n  \"summary\": " })?;
        let summary = serde_json::to_string_pretty(&self.summary).map_err(io::Error::other)?;
        self.out.write_all(summary.replace('\n', "\n  ").as_bytes())?;
        self.out.write_all(b"\n}\n")?;
        self.out.flush()?;
        Ok(self.summary)
    }
}

/// Pretty-prints `value` with every line indented by `indent`.
fn write_indented(out: &mut impl Write, value: &impl Serialize, indent: &str) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        out.write_all(indent.as_bytes())?;
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

impl Summary {
    /// "triaged 98 of 100 records, 2 failed, 12 escalated, 1450 records/s".
    pub fn line(&self) -> String {
        let seconds = (self.elapsed_ms as f64 / 1000.0).max(0.001);
        let rate = (self.records as f64 / seconds).round();
        format!(
            "triaged {} of {} records, {} failed, {} escalated, {rate} records/s",
            self.triaged, self.records, self.failed, self.escalated
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_valid_json_with_or_without_outcomes() {
        for count in [0, 2] {
            let mut buffer = Vec::new();
            let mut report = Report::start(&mut buffer, count, Instant::now()).expect("start");
            for i in 0..count {
                let errors = vec![FieldViolation { field: "title".into(), description: "is required".into() }];
                report.add(&Outcome::failed(i + 1, i + 1, None, errors)).expect("add");
            }
            let summary = report.finish().expect("finish");
            let doc: serde_json::Value = serde_json::from_slice(&buffer).expect("valid JSON");
            assert_eq!(doc["outcomes"].as_array().map(Vec::len), Some(count));
            assert_eq!(doc["summary"]["failed"], count);
            assert_eq!(summary.failed, count);
            if count > 0 {
                assert_eq!(doc["outcomes"][1]["errors"][0]["field"], "title");
                assert!(doc["outcomes"][1].get("ticket_id").is_none());
            }
        }
    }
}
