//! Evaluation of predictions against true labels: accuracy, macro-F1, per-label precision, recall,
//! F1 and support, and the confusion matrix. Labels the model does not know and tickets it could
//! not predict count as errors.

use serde::Serialize;

/// Precision, recall, F1 and support of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScores {
    /// The label.
    pub label: String,
    /// Of the tickets predicted as this label, the share that had it.
    pub precision: f64,
    /// Of the tickets that had this label, the share predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Tickets that had this label.
    pub support: usize,
    /// False when the model cannot predict this label (it was not trained on it).
    pub known: bool,
}

/// Counts of (true label, predicted label) over a set of tickets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The model's labels, then labels met only in the input.
    pub labels: Vec<String>,
    /// How many labels the model knows (the first ones of `labels`).
    pub known: usize,
    /// `confusion[true][predicted]`; the last column counts tickets without a prediction.
    pub confusion: Vec<Vec<usize>>,
}

impl Evaluation {
    /// An empty evaluation of a model with `labels`.
    pub fn new(labels: &[String]) -> Self {
        let confusion = vec![vec![0; labels.len() + 1]; labels.len()];
        Evaluation { labels: labels.to_vec(), known: labels.len(), confusion }
    }

    /// Counts one ticket whose label is `truth` and whose prediction is the label of index
    /// `predicted` (`None`: the model found no known term).
    pub fn add(&mut self, truth: &str, predicted: Option<usize>) {
        let row = match self.labels.iter().position(|l| l == truth) {
            Some(row) => row,
            None => {
                self.labels.push(truth.to_owned());
                self.confusion.push(vec![0; self.known + 1]);
                self.labels.len() - 1
            }
        };
        let column = predicted.filter(|&p| p < self.known).unwrap_or(self.known);
        self.confusion[row][column] += 1;
    }

    /// Tickets counted.
    pub fn total(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    /// Tickets predicted right.
    pub fn correct(&self) -> usize {
        (0..self.known).map(|i| self.confusion[i][i]).sum()
    }

    /// Tickets the model had no prediction for.
    pub fn unpredicted(&self) -> usize {
        self.confusion.iter().map(|row| row[self.known]).sum()
    }

    /// Labels of the input the model does not know, with their counts.
    pub fn unknown_labels(&self) -> Vec<(&str, usize)> {
        (self.known..self.labels.len()).map(|i| (self.labels[i].as_str(), self.confusion[i].iter().sum())).collect()
    }

    /// Share of tickets predicted right (0 when there are none).
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct(), self.total())
    }

    /// Scores of every label that occurs in the input or was predicted.
    pub fn per_label(&self) -> Vec<LabelScores> {
        (0..self.labels.len())
            .filter_map(|i| {
                let support: usize = self.confusion[i].iter().sum();
                let predicted: usize = if i < self.known { self.confusion.iter().map(|row| row[i]).sum() } else { 0 };
                if support == 0 && predicted == 0 {
                    return None;
                }
                let hits = if i < self.known { self.confusion[i][i] } else { 0 };
                let (precision, recall) = (ratio(hits, predicted), ratio(hits, support));
                let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
                Some(LabelScores {
                    label: self.labels[i].clone(),
                    precision,
                    recall,
                    f1,
                    support,
                    known: i < self.known,
                })
            })
            .collect()
    }

    /// Mean F1 over the labels of [`Evaluation::per_label`].
    pub fn macro_f1(&self) -> f64 {
        let scores = self.per_label();
        if scores.is_empty() { 0.0 } else { scores.iter().map(|s| s.f1).sum::<f64>() / scores.len() as f64 }
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    /// true\predicted  a  b  c
    ///            a    3  1  0
    ///            b    0  2  2
    ///            c    1  0  1
    fn three_labels() -> Evaluation {
        let mut evaluation = Evaluation::new(&labels(&["a", "b", "c"]));
        let cells = [("a", 0, 3), ("a", 1, 1), ("b", 1, 2), ("b", 2, 2), ("c", 0, 1), ("c", 2, 1)];
        for (truth, predicted, times) in cells {
            (0..times).for_each(|_| evaluation.add(truth, Some(predicted)));
        }
        evaluation
    }

    #[test]
    fn metrics_match_a_hand_computed_confusion_matrix() {
        let e = three_labels();
        assert_eq!(e.confusion, [[3, 1, 0, 0], [0, 2, 2, 0], [1, 0, 1, 0]]);
        assert_eq!((e.total(), e.correct()), (10, 6));
        assert!((e.accuracy() - 0.6).abs() < 1e-12);
        let scores = e.per_label();
        // a: P = 3/4, R = 3/4; b: P = 2/3, R = 2/4; c: P = 1/3, R = 1/2.
        let expected = [(0.75, 0.75, 0.75, 4), (2.0 / 3.0, 0.5, 4.0 / 7.0, 4), (1.0 / 3.0, 0.5, 0.4, 2)];
        for (got, (p, r, f1, support)) in scores.iter().zip(expected) {
            assert!((got.precision - p).abs() < 1e-12, "{got:?}");
            assert!((got.recall - r).abs() < 1e-12, "{got:?}");
            assert!((got.f1 - f1).abs() < 1e-12, "{got:?}");
            assert_eq!(got.support, support);
        }
        assert!((e.macro_f1() - (0.75 + 4.0 / 7.0 + 0.4) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn unknown_labels_and_missing_predictions_are_errors() {
        let mut e = three_labels();
        e.add("d", Some(0));
        e.add("d", None);
        e.add("a", None);
        assert_eq!(e.unknown_labels(), [("d", 2)]);
        assert_eq!((e.total(), e.correct(), e.unpredicted()), (13, 6, 2));
        let scores = e.per_label();
        assert_eq!(scores.len(), 4);
        let d = &scores[3];
        assert_eq!((d.label.as_str(), d.support, d.f1, d.known), ("d", 2, 0.0, false));
        // a was predicted 5 times (once for a d), right 3 times, and has 5 tickets.
        assert!((scores[0].precision - 0.6).abs() < 1e-12 && (scores[0].recall - 0.6).abs() < 1e-12);
    }

    #[test]
    fn labels_never_seen_nor_predicted_are_left_out() {
        let mut e = Evaluation::new(&labels(&["a", "b", "c"]));
        e.add("a", Some(0));
        e.add("b", Some(0));
        assert_eq!(e.per_label().iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!((e.macro_f1() - (2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(Evaluation::new(&labels(&["a"])).accuracy(), 0.0);
    }
}
