//! Labelled tickets from CSV (a header row) or JSON (an array of objects, or one object per line):
//! the text columns joined with a new line, as the service joins title and description, and the
//! label column. Rows with an empty label or text are skipped and counted; a malformed row is an
//! error naming its line. Also the seeded, per-label split into training and held-out tickets.

use std::collections::BTreeMap;

use csv::{ReaderBuilder, Trim};
use rand::{SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::train::Example;

/// How the input is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// A header row, then one ticket per row.
    Csv,
    /// An array of objects, or one object per line.
    Json,
    /// One object per line.
    Jsonl,
}

/// Which columns make the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextColumns {
    /// `title,description` when the input has either, `subject,body` otherwise.
    Default,
    /// These columns, in this order.
    Named(Vec<String>),
}

/// Why the input cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatasetError {
    /// A row cannot be read.
    #[error("line {line}: {reason}")]
    Malformed {
        /// 1-based line where the row starts.
        line: usize,
        /// Why.
        reason: String,
    },
    /// An element of a JSON array is not an object.
    #[error("array element {element}: {reason}")]
    BadElement {
        /// 1-based position in the array.
        element: usize,
        /// Why.
        reason: String,
    },
    /// A column asked for is not in the input.
    #[error("no column {column:?} in the input; its columns are: {available}")]
    UnknownColumn {
        /// The column asked for.
        column: String,
        /// The input's columns, comma-separated.
        available: String,
    },
}

/// The labelled tickets of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledTickets {
    /// The tickets with a label and some text.
    pub examples: Vec<Example>,
    /// The columns joined into the text.
    pub text_columns: Vec<String>,
    /// Rows skipped because their label was empty.
    pub empty_label: usize,
    /// Rows skipped because their text was empty.
    pub empty_text: usize,
}

/// A row's cells by (lower-case) column name.
type Row = BTreeMap<String, String>;

/// Reads the tickets of `text` labelled by `label` (column names ignore case).
pub fn read_labelled(
    text: &str,
    format: InputFormat,
    label: &str,
    columns: &TextColumns,
) -> Result<LabelledTickets, DatasetError> {
    let (names, rows) = match format {
        InputFormat::Csv => read_csv(text)?,
        InputFormat::Json if text.trim_start().starts_with('[') => read_array(text)?,
        InputFormat::Json | InputFormat::Jsonl => read_lines(text)?,
    };
    let known = |column: &str| names.iter().any(|n| n == column);
    let missing = |column: &str| DatasetError::UnknownColumn { column: column.to_owned(), available: names.join(", ") };
    let label = label.trim().to_lowercase();
    if !known(&label) {
        return Err(missing(&label));
    }
    let text_columns: Vec<String> = match columns {
        TextColumns::Named(named) => named.iter().map(|c| c.trim().to_lowercase()).collect(),
        TextColumns::Default if known("title") || known("description") => vec!["title".into(), "description".into()],
        TextColumns::Default => vec!["subject".into(), "body".into()],
    };
    if let Some(column) = text_columns.iter().find(|c| !known(c)) {
        return Err(missing(column));
    }
    let mut tickets = LabelledTickets { examples: Vec::new(), text_columns, empty_label: 0, empty_text: 0 };
    for cells in rows {
        let cell = |column: &str| cells.get(column).map_or("", |v| v.trim());
        let parts: Vec<&str> = tickets.text_columns.iter().map(|c| cell(c)).collect();
        match cell(&label) {
            "" => tickets.empty_label += 1,
            _ if parts.iter().all(|p| p.is_empty()) => tickets.empty_text += 1,
            value => tickets.examples.push(Example { text: parts.join("\n"), label: value.to_owned() }),
        }
    }
    Ok(tickets)
}

fn read_csv(text: &str) -> Result<(Vec<String>, Vec<Row>), DatasetError> {
    let mut reader = ReaderBuilder::new().has_headers(true).trim(Trim::Headers).from_reader(text.as_bytes());
    let malformed = |error: csv::Error| {
        let line = error.position().map_or(1, |p| p.line() as usize);
        let reason = match error.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                format!("has {len} cells but the header row has {expected_len} columns")
            }
            _ => error.to_string(),
        };
        DatasetError::Malformed { line, reason }
    };
    let names: Vec<String> = reader.headers().map_err(malformed)?.iter().map(str::to_lowercase).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(malformed)?;
        rows.push(names.iter().cloned().zip(record.iter().map(str::to_owned)).collect());
    }
    Ok((names, rows))
}

fn read_lines(text: &str) -> Result<(Vec<String>, Vec<Row>), DatasetError> {
    let mut names = Vec::new();
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let value = serde_json::from_str(line)
            .map_err(|e| DatasetError::Malformed { line: index + 1, reason: format!("malformed JSON: {e}") })?;
        let cells =
            object_cells(value, &mut names).map_err(|reason| DatasetError::Malformed { line: index + 1, reason })?;
        rows.push(cells);
    }
    Ok((names, rows))
}

fn read_array(text: &str) -> Result<(Vec<String>, Vec<Row>), DatasetError> {
    let values: Vec<Value> = serde_json::from_str(text)
        .map_err(|e| DatasetError::Malformed { line: e.line(), reason: format!("malformed JSON: {e}") })?;
    let mut names = Vec::new();
    let mut rows = Vec::new();
    for (index, value) in values.into_iter().enumerate() {
        // Elements carry no line of their own once parsed; the error names the element instead.
        let cells = object_cells(value, &mut names)
            .map_err(|reason| DatasetError::BadElement { element: index + 1, reason })?;
        rows.push(cells);
    }
    Ok((names, rows))
}

/// The cells of one JSON object (strings, numbers and booleans as text; lists of them joined
/// with `|`), adding new keys to `names`.
fn object_cells(value: Value, names: &mut Vec<String>) -> Result<Row, String> {
    let Value::Object(object) = value else {
        let kind = match value {
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            _ => "a number, boolean or null",
        };
        return Err(format!("expected a JSON object, got {kind}"));
    };
    let mut cells = BTreeMap::new();
    for (key, value) in object {
        let key = key.to_lowercase();
        let text = match value {
            Value::Array(items) => items.iter().filter_map(scalar).collect::<Vec<_>>().join("|"),
            other => scalar(&other).unwrap_or_default(),
        };
        if !names.contains(&key) {
            names.push(key.clone());
        }
        cells.insert(key, text);
    }
    Ok(cells)
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Splits `examples` into (training, held out): about `fraction` of each label's tickets are held
/// out (at least one when a label has two or more), chosen by `seed`.
pub fn holdout_split(examples: Vec<Example>, fraction: f64, seed: u64) -> (Vec<Example>, Vec<Example>) {
    let mut by_label: BTreeMap<String, Vec<Example>> = BTreeMap::new();
    for example in examples {
        by_label.entry(example.label.clone()).or_default().push(example);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut training, mut held_out) = (Vec::new(), Vec::new());
    for (_, mut group) in by_label {
        group.shuffle(&mut rng);
        let count = (group.len() as f64 * fraction).round() as usize;
        let count = if group.len() >= 2 && fraction > 0.0 { count.clamp(1, group.len() - 1) } else { 0 };
        held_out.extend(group.drain(..count));
        training.extend(group);
    }
    training.shuffle(&mut rng);
    held_out.shuffle(&mut rng);
    (training, held_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, format: InputFormat, label: &str) -> Result<LabelledTickets, DatasetError> {
        read_labelled(text, format, label, &TextColumns::Default)
    }

    fn pairs(tickets: &LabelledTickets) -> Vec<(&str, &str)> {
        tickets.examples.iter().map(|e| (e.text.as_str(), e.label.as_str())).collect()
    }

    #[test]
    fn csv_rows_join_their_text_columns_and_skip_empty_ones() {
        let text = "Subject,Body,Queue\nVPN down,\"No one\nconnects\",Network\n,Refund please,Billing\n\
                    x,y,\n,,Billing\n";
        let tickets = read(text, InputFormat::Csv, "queue").expect("reads");
        assert_eq!(tickets.text_columns, ["subject", "body"]);
        assert_eq!(pairs(&tickets), [("VPN down\nNo one\nconnects", "Network"), ("\nRefund please", "Billing")]);
        assert_eq!((tickets.empty_label, tickets.empty_text), (1, 1));
        let named = TextColumns::Named(vec!["body".into()]);
        let body_only = read_labelled(text, InputFormat::Csv, "Queue", &named).expect("reads");
        assert_eq!(body_only.examples[1].text, "Refund please");
    }

    #[test]
    fn json_lines_and_arrays_read_the_same() {
        let lines = "{\"title\": \"Printer\", \"description\": \"jammed\", \"priority\": \"low\"}\n\n\
                     {\"title\": \"VPN\", \"tags\": [\"a\", \"b\"], \"priority\": 3}\n";
        let tickets = read(lines, InputFormat::Jsonl, "priority").expect("reads");
        assert_eq!(tickets.text_columns, ["title", "description"]);
        assert_eq!(pairs(&tickets), [("Printer\njammed", "low"), ("VPN\n", "3")]);
        let array = format!("[{}]", lines.trim().replace("\n\n", ","));
        assert_eq!(read(&array, InputFormat::Json, "priority"), Ok(tickets.clone()));
        assert_eq!(read(lines, InputFormat::Json, "priority"), Ok(tickets));
        let tags = read(lines, InputFormat::Jsonl, "tags").expect("reads");
        assert_eq!(tags.examples[0].label, "a|b");
    }

    #[test]
    fn errors_name_the_line_or_the_column() {
        let short_row = "subject,body,queue\na,b,c\nd,e\n";
        let error = read(short_row, InputFormat::Csv, "queue").unwrap_err();
        assert_eq!(error.to_string(), "line 3: has 2 cells but the header row has 3 columns");
        let broken = "{\"title\": \"a\", \"queue\": \"x\"}\n{\"title\": \n";
        let error = read(broken, InputFormat::Jsonl, "queue").unwrap_err();
        assert!(matches!(error, DatasetError::Malformed { line: 2, .. }), "{error}");
        let error = read("[{\"title\": \"a\"}, 3]", InputFormat::Json, "title").unwrap_err();
        assert_eq!(error.to_string(), "array element 2: expected a JSON object, got a number, boolean or null");
        let error = read("subject,body,queue\na,b,c\n", InputFormat::Csv, "team").unwrap_err();
        assert_eq!(error.to_string(), "no column \"team\" in the input; its columns are: subject, body, queue");
        let named = TextColumns::Named(vec!["title".into()]);
        let error = read_labelled("subject,queue\na,b\n", InputFormat::Csv, "queue", &named).unwrap_err();
        assert!(matches!(error, DatasetError::UnknownColumn { ref column, .. } if column == "title"), "{error}");
    }

    #[test]
    fn the_holdout_split_is_per_label_and_seeded() {
        let examples: Vec<Example> = (0..30)
            .map(|i| Example { text: format!("ticket {i}"), label: ["a", "b", "c"][i % 3].into() })
            .chain(std::iter::once(Example { text: "lonely".into(), label: "d".into() }))
            .collect();
        let (training, held_out) = holdout_split(examples.clone(), 0.2, 7);
        assert_eq!((training.len(), held_out.len()), (25, 6));
        for label in ["a", "b", "c"] {
            assert_eq!(held_out.iter().filter(|e| e.label == label).count(), 2, "{label}");
        }
        assert!(training.iter().any(|e| e.label == "d"), "a label with one ticket stays in training");
        assert_eq!(holdout_split(examples.clone(), 0.2, 7), (training, held_out.clone()));
        assert_ne!(holdout_split(examples.clone(), 0.2, 8).1, held_out);
        assert_eq!(holdout_split(examples, 0.0, 7).1, []);
    }
}
