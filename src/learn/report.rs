//! An evaluation as people read it (aligned plain text) or as programs read it (JSON): accuracy,
//! macro-F1, the per-label table, the confusion matrix and, when measured, prediction speed.

use std::fmt::Write;

use serde::Serialize;

use super::metrics::{Evaluation, LabelScores};

/// How long predictions took, in microseconds per ticket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Speed {
    /// Mean.
    pub mean_us: f64,
    /// Median.
    pub median_us: f64,
}

impl Speed {
    /// The speed of predictions that took `micros` each (sorted in place); `None` for no ticket.
    pub fn of(micros: &mut [f64]) -> Option<Speed> {
        if micros.is_empty() {
            return None;
        }
        micros.sort_by(f64::total_cmp);
        let n = micros.len();
        let median = if n % 2 == 1 { micros[n / 2] } else { (micros[n / 2 - 1] + micros[n / 2]) / 2.0 };
        Some(Speed { mean_us: micros.iter().sum::<f64>() / n as f64, median_us: median })
    }
}

/// An evaluation in JSON shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationReport {
    /// Tickets evaluated.
    pub tickets: usize,
    /// Tickets predicted right.
    pub correct: usize,
    /// Share predicted right.
    pub accuracy: f64,
    /// Mean F1 over the labels.
    pub macro_f1: f64,
    /// Per-label scores.
    pub labels: Vec<LabelScores>,
    /// Tickets without any term the model knows.
    pub unpredicted: usize,
    /// Labels of the input the model does not know, with their ticket counts.
    pub unknown_labels: Vec<(String, usize)>,
    /// Row and column labels of `confusion` (the model's, then unknown ones).
    pub confusion_labels: Vec<String>,
    /// `confusion[true][predicted]`; the last column counts tickets without a prediction.
    pub confusion: Vec<Vec<usize>>,
    /// Prediction speed, when measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<Speed>,
}

impl EvaluationReport {
    /// The report of `evaluation`.
    pub fn new(evaluation: &Evaluation, speed: Option<Speed>) -> Self {
        EvaluationReport {
            tickets: evaluation.total(),
            correct: evaluation.correct(),
            accuracy: evaluation.accuracy(),
            macro_f1: evaluation.macro_f1(),
            labels: evaluation.per_label(),
            unpredicted: evaluation.unpredicted(),
            unknown_labels: evaluation.unknown_labels().into_iter().map(|(l, n)| (l.to_owned(), n)).collect(),
            confusion_labels: evaluation.labels.clone(),
            confusion: evaluation.confusion.clone(),
            speed,
        }
    }

    /// Aligned plain text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "tickets:  {} ({} without a known word)", self.tickets, self.unpredicted);
        let _ = writeln!(out, "accuracy: {:.4} ({} right)", self.accuracy, self.correct);
        let _ = writeln!(out, "macro-F1: {:.4}", self.macro_f1);
        if !self.unknown_labels.is_empty() {
            let unknown: Vec<String> = self.unknown_labels.iter().map(|(l, n)| format!("{l} ({n})")).collect();
            let _ = writeln!(out, "labels the model does not know (counted as errors): {}", unknown.join(", "));
        }
        if let Some(speed) = self.speed {
            let _ =
                writeln!(out, "prediction: mean {:.2} µs, median {:.2} µs per ticket", speed.mean_us, speed.median_us);
        }
        let width = self.labels.iter().map(|s| s.label.chars().count()).chain([5]).max().unwrap_or(5);
        let _ = writeln!(out, "\n{:<width$}  precision  recall      f1  support", "label");
        for s in &self.labels {
            let _ = writeln!(
                out,
                "{:<width$}  {:>9.4}  {:>6.4}  {:>6.4}  {:>7}",
                s.label, s.precision, s.recall, s.f1, s.support
            );
        }
        out.push_str(&self.confusion_text());
        out
    }

    /// The confusion matrix: one numbered row per true label, one column per predicted label
    /// (by number) and `none` for tickets without a prediction.
    fn confusion_text(&self) -> String {
        let known = self.confusion.first().map_or(0, |row| row.len() - 1);
        let cell = self.confusion.iter().flatten().map(|n| n.to_string().len()).chain([4]).max().unwrap_or(4);
        let name = self.confusion_labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 4;
        let mut out = String::from("\nconfusion matrix (rows: true label, columns: predicted label by number)\n");
        let _ = write!(out, "{:<name$}", "");
        for column in 1..=known {
            let _ = write!(out, " {column:>cell$}");
        }
        let _ = writeln!(out, " {:>cell$}", "none");
        for (i, (label, row)) in self.confusion_labels.iter().zip(&self.confusion).enumerate() {
            let _ = write!(out, "{:<name$}", format!("{:>2} {label}", i + 1));
            for count in row {
                let _ = write!(out, " {count:>cell$}");
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_report_is_aligned() {
        let mut evaluation = Evaluation::new(&["billing".into(), "vpn".into()]);
        for (truth, predicted) in [("billing", Some(0)), ("billing", Some(1)), ("vpn", Some(1)), ("printer", None)] {
            evaluation.add(truth, predicted);
        }
        let mut micros = [4.0, 1.0, 2.0, 9.0];
        let report = EvaluationReport::new(&evaluation, Speed::of(&mut micros));
        let expected = "\
tickets:  4 (1 without a known word)
accuracy: 0.5000 (2 right)
macro-F1: 0.4444
labels the model does not know (counted as errors): printer (1)
prediction: mean 4.00 µs, median 3.00 µs per ticket

label    precision  recall      f1  support
billing     1.0000  0.5000  0.6667        2
vpn         0.5000  1.0000  0.6667        1
printer     0.0000  0.0000  0.0000        1

confusion matrix (rows: true label, columns: predicted label by number)
               1    2 none
 1 billing     1    1    0
 2 vpn         0    1    0
 3 printer     0    0    1
";
        assert_eq!(report.to_text(), expected);
        assert_eq!(Speed::of(&mut []), None);
    }
}
