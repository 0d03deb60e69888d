//! JSON input: one object, an array of objects, or JSON lines (one object per line). A malformed
//! record becomes an error for that record alone, with its line number; the rest is still read.

use serde_json::{Map, Value};

use super::record::{FIELD_NAMES, Field, Record};
use crate::domain::{FieldViolation, TicketDraft};

/// Reads a `.json` document: an array, a single object, or JSON lines, whichever it is.
pub fn read_json(text: &str) -> Vec<Record> {
    let Some(start) = text.find(|c: char| !c.is_whitespace()) else { return Vec::new() };
    let first_line = line_of(text, start);
    if text[start..].starts_with('[') {
        return read_array(text, start, first_line);
    }
    let error = match serde_json::from_str::<Value>(text) {
        Ok(value) => return vec![record_from_value(1, first_line, value)],
        Err(e) => e,
    };
    // Not one document. If the first line stands alone it is JSON lines; otherwise it is one broken object.
    let first = text[start..].lines().next().unwrap_or_default();
    if serde_json::from_str::<Value>(first).is_ok() {
        return read_lines(text);
    }
    vec![Record::unreadable(1, first_line, "record", describe(&error, first_line))]
}

/// Reads JSON lines: every non-blank line is one record.
pub fn read_lines(text: &str) -> Vec<Record> {
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = records.len() + 1;
        let record = match serde_json::from_str::<Value>(line) {
            Ok(value) => record_from_value(number, index + 1, value),
            Err(e) => Record::unreadable(number, index + 1, "record", describe(&e, index + 1)),
        };
        records.push(record);
    }
    records
}

/// "line N: malformed JSON: reason", with N counted in the whole input.
fn describe(error: &serde_json::Error, first_line: usize) -> String {
    let message = error.to_string();
    let reason = message.split(" at line ").next().unwrap_or(&message);
    let line = first_line + error.line().saturating_sub(1);
    format!("line {line}: malformed JSON: {reason}")
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Reads an array element by element, so one malformed element spoils only itself.
fn read_array(text: &str, open: usize, open_line: usize) -> Vec<Record> {
    let bytes = text.as_bytes();
    let mut records = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut line, mut element_start, mut element_line) = (open_line, open + 1, None::<usize>);
    let mut closed_at = None;
    let push = |records: &mut Vec<Record>, start: usize, end: usize, at: Option<usize>, last: bool| {
        let number = records.len() + 1;
        match at {
            Some(at) => records.push(element(number, at, text[start..end].trim_start())),
            None if last && number == 1 => {}
            None => {
                let at = line_of(text, start);
                records.push(Record::unreadable(number, at, "record", format!("line {at}: empty array element")));
            }
        }
    };
    for (i, &b) in bytes.iter().enumerate().skip(open + 1) {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if element_line.is_none() && !b.is_ascii_whitespace() && !(depth == 0 && matches!(b, b',' | b']')) {
            element_line = Some(line);
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' if depth == 0 => {
                push(&mut records, element_start, i, element_line, true);
                closed_at = Some(i);
                break;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                push(&mut records, element_start, i, element_line.take(), false);
                element_start = i + 1;
            }
            _ => {}
        }
    }
    let problem = match closed_at {
        None => {
            push(&mut records, element_start, text.len(), element_line, true);
            Some((open_line, format!("line {open_line}: the array that starts here is not closed with ]")))
        }
        Some(end) => text[end + 1..].find(|c: char| !c.is_whitespace()).map(|extra| {
            let at = line_of(text, end + 1 + extra);
            (at, format!("line {at}: unexpected text after the end of the array"))
        }),
    };
    if let Some((at, description)) = problem {
        records.push(Record::unreadable(records.len() + 1, at, "record", description));
    }
    records
}

fn element(number: usize, line: usize, text: &str) -> Record {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => record_from_value(number, line, value),
        Err(e) => Record::unreadable(number, line, "record", describe(&e, line)),
    }
}

/// Turns one JSON value into a record: an object's fields become the draft's.
fn record_from_value(number: usize, line: usize, value: Value) -> Record {
    match value {
        Value::Object(object) => {
            let (draft, problems) = draft_from_object(object);
            Record::read(number, line, draft, problems)
        }
        other => Record::unreadable(
            number,
            line,
            "record",
            format!("line {line}: expected a JSON object, got {}", kind(&other)),
        ),
    }
}

fn draft_from_object(object: Map<String, Value>) -> (TicketDraft, Vec<FieldViolation>) {
    let mut draft = TicketDraft::default();
    let mut problems = Vec::new();
    let mut problem = |field: String, description: String| problems.push(FieldViolation { field, description });
    for (key, value) in object {
        if value.is_null() {
            continue;
        }
        match (key.as_str(), value) {
            ("tags", Value::Array(items)) => {
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::String(tag) => draft.tags.push(tag),
                        other => problem(format!("tags[{i}]"), format!("must be a string, got {}", kind(&other))),
                    }
                }
            }
            ("tags", other) => problem(key, format!("must be a list of strings, got {}", kind(&other))),
            ("metadata", Value::Object(entries)) => {
                for (name, value) in entries {
                    match scalar_text(&value) {
                        Some(text) => {
                            draft.metadata.insert(name, text);
                        }
                        None => problem(format!("metadata.{name}"), format!("must be a string, got {}", kind(&value))),
                    }
                }
            }
            ("metadata", other) => problem(key, format!("must be an object of strings, got {}", kind(&other))),
            (name, value) => match (Field::from_name(name), value) {
                (None, _) => problem(key, format!("unknown field; expected one of {FIELD_NAMES}")),
                (Some(field), Value::String(text)) => {
                    if let Err(reason) = field.set(&mut draft, &text, ',') {
                        problem(field.path(), reason);
                    }
                }
                (Some(field), other) => problem(field.path(), format!("must be a string, got {}", kind(&other))),
            },
        }
    }
    (draft, problems)
}

/// Metadata values may be strings, numbers or booleans; all are kept as text.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_array_keeps_line_numbers_and_survives_a_broken_element() {
        let text =
            "[\n  {\"title\": \"a\"},\n  {\"title\": },\n  {\"title\": \"c\",\n   \"priority\": \"urgent\"}\n]\n";
        let records = read_json(text);
        assert_eq!(records.iter().map(|r| (r.number, r.line)).collect::<Vec<_>>(), [(1, 2), (2, 3), (3, 4)]);
        assert!(records[1].draft.is_none());
        assert!(records[1].problems[0].description.starts_with("line 3: malformed JSON"), "{:?}", records[1].problems);
        assert_eq!(records[2].problems[0].field, "priority");
        assert_eq!(records[2].draft.as_ref().map(|d| d.title.as_str()), Some("c"));
    }

    #[test]
    fn objects_lines_and_unknown_fields() {
        assert_eq!(read_json("{\n \"title\": \"x\"\n}").len(), 1);
        let records = read_json("{\"title\": \"a\"}\n\nnot json\n{\"urgency\": 1}\n");
        assert_eq!(records.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3, 4]);
        assert_eq!(records[2].problems[0].field, "urgency");
        assert!(read_json("[]").is_empty());
        let unclosed = read_json("[{\"title\": \"a\"}");
        assert_eq!(unclosed.len(), 2);
    }
}
