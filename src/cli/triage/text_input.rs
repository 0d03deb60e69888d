//! Text input: tickets as blocks of `Key: value` lines separated by blank lines. Keys are
//! case-insensitive; a line without a key (or an indented one) continues the previous value, so
//! descriptions can span lines. An unknown key is an error for its record, naming the line.

use super::record::{Field, Record};
use crate::domain::{FieldViolation, TicketDraft};

/// The keys a block may use, for error messages.
const KEYS: &str = "Title, Description, Requester (or Requester_email, Email), Category, Priority, Status, \
     Tags (comma-separated), Ticket_id, Created_at, Assigned_queue (or Queue), Metadata.<key>";

/// One `Key: value` entry of a block, with its continuation lines.
struct Entry {
    field: Option<Field>,
    line: usize,
    value: String,
}

/// Reads every block of a text document.
pub fn read_text(text: &str) -> Vec<Record> {
    let mut records = Vec::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            if !block.is_empty() {
                records.push(read_block(records.len() + 1, &block));
                block.clear();
            }
        } else {
            block.push((index + 1, line));
        }
    }
    if !block.is_empty() {
        records.push(read_block(records.len() + 1, &block));
    }
    records
}

fn read_block(number: usize, lines: &[(usize, &str)]) -> Record {
    let first_line = lines.first().map_or(0, |(n, _)| *n);
    let mut problems = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    for &(n, line) in lines {
        match (split_key(line), entries.last_mut()) {
            (Some((key, value)), _) => {
                let field = field_for(key);
                if field.is_none() {
                    problems.push(FieldViolation {
                        field: key.to_owned(),
                        description: format!("line {n}: unknown key {key:?}; expected one of {KEYS}"),
                    });
                } else if let Some(first) = entries.iter().find(|e| e.field == field && field != Some(Field::Tags)) {
                    problems.push(FieldViolation {
                        field: key.to_owned(),
                        description: format!("line {n}: {key} is given again (first on line {})", first.line),
                    });
                }
                entries.push(Entry { field, line: n, value: value.to_owned() });
            }
            (None, Some(entry)) => {
                if !entry.value.is_empty() {
                    entry.value.push('\n');
                }
                entry.value.push_str(line.trim());
            }
            (None, None) => problems.push(FieldViolation {
                field: "record".into(),
                description: format!("line {n}: expected \"Key: value\", got a line without a key"),
            }),
        }
    }
    let mut draft = TicketDraft::default();
    for entry in &entries {
        let Some(field) = &entry.field else { continue };
        if let Err(reason) = field.set(&mut draft, &entry.value, ',') {
            problems.push(FieldViolation { field: field.path(), description: reason });
        }
    }
    Record::read(number, first_line, draft, problems)
}

/// `Key: value` when the line starts (unindented) with a one-word key followed by a colon and a
/// space or the end of the line; `None` for a continuation line.
fn split_key(line: &str) -> Option<(&str, &str)> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let (key, rest) = line.split_once(':')?;
    let key_like = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    (key_like && (rest.is_empty() || rest.starts_with(char::is_whitespace))).then(|| (key, rest.trim()))
}

/// The field a key names, ignoring case; `-` counts as `_`.
fn field_for(key: &str) -> Option<Field> {
    if let Some((prefix, name)) = key.split_once('.') {
        return (prefix.eq_ignore_ascii_case("metadata") && !name.is_empty()).then(|| Field::Metadata(name.to_owned()));
    }
    let key = key.to_ascii_lowercase().replace('-', "_");
    let name = match key.as_str() {
        "requester" | "email" => "requester_email",
        "queue" => "assigned_queue",
        "id" => "ticket_id",
        other => other,
    };
    Field::from_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_with_continuations_and_unknown_keys() {
        let text = "Title: VPN down\nDescription: Nobody can connect.\n  Error: timeout\nsince this morning\n\
                    Email: ana@example.com\nTags: vpn, network\nMetadata.tier: gold\n\n\n\
                    TITLE: Refund\nUrgency: high\nhttps://example.com/x\n";
        let records = read_text(text);
        assert_eq!(records.iter().map(|r| (r.number, r.line)).collect::<Vec<_>>(), [(1, 1), (2, 10)]);
        let first = records[0].draft.as_ref().expect("read");
        assert_eq!(first.description, "Nobody can connect.\nError: timeout\nsince this morning");
        assert_eq!(first.requester_email, "ana@example.com");
        assert_eq!(first.tags, ["vpn", "network"]);
        assert_eq!(first.metadata.get("tier").map(String::as_str), Some("gold"));
        assert!(records[0].problems.is_empty(), "{:?}", records[0].problems);
        assert_eq!(records[1].problems.len(), 1);
        assert!(records[1].problems[0].description.starts_with("line 11: unknown key \"Urgency\""));
        assert_eq!(records[1].draft.as_ref().map(|d| d.title.as_str()), Some("Refund"));
    }
}
