//! CSV input: a header row naming the ticket fields (`metadata.<key>` columns for metadata, tags
//! separated by `|`), then one ticket per row. Empty cells mean "absent". An unknown column spoils
//! the whole file; a broken row spoils only itself.

use csv::{ReaderBuilder, StringRecord, Trim};

use super::{
    lines::LineIndex,
    record::{FIELD_NAMES, Field, Record},
};
use crate::domain::{FieldViolation, TicketDraft};

/// Reads a CSV document, or says which header column is wrong.
pub fn read_csv(text: &str) -> Result<Vec<Record>, String> {
    let mut reader = ReaderBuilder::new().has_headers(true).trim(Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| format!("line 1: cannot read the header row: {e}"))?.clone();
    let columns = columns(&header)?;
    // The csv crate's own line count misses blank lines and CRLF line ends: lines are counted from
    // the byte where each record starts (its position may point at the line break before it).
    let lines = LineIndex::new(text);
    let line_at = |position: Option<&csv::Position>| {
        position.map_or(0, |p| {
            let from = usize::try_from(p.byte()).unwrap_or(usize::MAX).min(text.len());
            let skipped = text.as_bytes()[from..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            lines.line_of(from + skipped)
        })
    };
    let mut records = Vec::new();
    for row in reader.records() {
        let number = records.len() + 1;
        let record = match row {
            Ok(row) => {
                let line = line_at(row.position());
                let (draft, problems) = draft_from_row(&columns, &row);
                Record::read(number, line, draft, problems)
            }
            Err(error) => {
                let line = line_at(error.position());
                let reason = match error.kind() {
                    csv::ErrorKind::UnequalLengths { len, .. } => {
                        format!("has {len} cells but the header row has {} columns", columns.len())
                    }
                    _ => error.to_string(),
                };
                Record::unreadable(number, line, "record", format!("line {line}: bad CSV row: {reason}"))
            }
        };
        records.push(record);
    }
    Ok(records)
}

/// The field of each column, refusing unknown and repeated columns.
fn columns(header: &StringRecord) -> Result<Vec<Field>, String> {
    let mut fields: Vec<Field> = Vec::with_capacity(header.len());
    for name in header {
        let normalised = match name.split_once('.') {
            Some((prefix, key)) if prefix.eq_ignore_ascii_case("metadata") => format!("metadata.{key}"),
            _ => name.to_ascii_lowercase(),
        };
        let field = Field::from_name(&normalised).ok_or_else(|| {
            format!("line 1: unknown column {name:?}; expected {FIELD_NAMES} (metadata as metadata.<key> columns)")
        })?;
        if fields.contains(&field) {
            return Err(format!("line 1: column {name:?} appears more than once"));
        }
        fields.push(field);
    }
    Ok(fields)
}

fn draft_from_row(columns: &[Field], row: &StringRecord) -> (TicketDraft, Vec<FieldViolation>) {
    let mut draft = TicketDraft::default();
    let mut problems = Vec::new();
    for (field, cell) in columns.iter().zip(row) {
        if cell.is_empty() {
            continue;
        }
        if let Err(description) = field.set(&mut draft, cell, '|') {
            problems.push(FieldViolation { field: field.path(), description });
        }
    }
    (draft, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_drafts_and_broken_rows_stay_alone() {
        let text = "title,description,requester_email,tags,metadata.tier,priority\n\
                    VPN down,Nobody connects,ana@example.com,vpn|network,gold,\n\
                    short row,x\n\
                    Bill,\"two\nlines\",bo@example.com,,,urgent\n";
        let records = read_csv(text).expect("header is fine");
        assert_eq!(records.iter().map(|r| (r.number, r.line)).collect::<Vec<_>>(), [(1, 2), (2, 3), (3, 4)]);
        let first = records[0].draft.as_ref().expect("read");
        assert_eq!(first.tags, ["vpn", "network"]);
        assert_eq!(first.metadata.get("tier").map(String::as_str), Some("gold"));
        assert_eq!(first.priority, None);
        assert!(records[1].problems[0].description.starts_with("line 3: bad CSV row"), "{:?}", records[1].problems);
        assert_eq!(records[2].problems[0].field, "priority");
        assert_eq!(records[2].draft.as_ref().map(|d| d.description.as_str()), Some("two\nlines"));
    }

    #[test]
    fn lines_are_counted_with_blank_lines_and_crlf_from_where_each_record_starts() {
        let lines = |text: &str| read_csv(text).expect("header").iter().map(|r| r.line).collect::<Vec<_>>();
        let crlf = "title,description\r\nA,a\r\nshort\r\n\"B\r\nB\",b\r\nC,c,extra\r\n";
        assert_eq!(lines(crlf), [2, 3, 4, 6]);
        assert_eq!(lines("title,description\n\nA,a\n\n\nB,\"two\nlines\"\nC,c\n"), [3, 6, 8]);
        let records = read_csv(crlf).expect("header");
        assert!(records[3].problems[0].description.starts_with("line 6: bad CSV row"), "{:?}", records[3].problems);
    }

    #[test]
    fn an_unknown_column_spoils_the_file() {
        let err = read_csv("title,urgency\nx,y\n").unwrap_err();
        assert!(err.contains("\"urgency\""), "{err}");
    }
}
