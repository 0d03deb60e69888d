//! The input's text and its lines: bytes that are not UTF-8 spoil only the records they are in
//! (each such record fails naming the line, the others are read), and line numbers from byte
//! offsets, counted as an editor counts them.

use super::record::Record;

/// The input as text, and the 1-based lines that held bytes that are not UTF-8 (each such byte
/// read as U+FFFD, so the records around them are split as written).
pub fn decode(bytes: Vec<u8>) -> (String, Vec<usize>) {
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return (text, Vec::new()),
        Err(e) => e.into_bytes(),
    };
    let mut bad = Vec::new();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if std::str::from_utf8(line).is_err() {
            bad.push(index + 1);
        }
    }
    (String::from_utf8_lossy(&bytes).into_owned(), bad)
}

/// Each record that holds one of the `bad` lines (the last one starting at or before it) fails
/// naming the line; a bad line before every record is a record of its own.
pub fn refuse_undecodable(records: &mut Vec<Record>, bad: &[usize]) {
    let refusal = |line: usize| format!("line {line}: is not valid UTF-8 text");
    let mut refused: Vec<usize> = Vec::new();
    for &line in bad {
        match records.iter().rposition(|r| r.line <= line) {
            // A record with two bad lines names the first.
            Some(at) if refused.contains(&at) => {}
            Some(at) => {
                let record = &records[at];
                records[at] = Record::unreadable(record.number, record.line, "record", refusal(line));
                refused.push(at);
            }
            None => {
                records.insert(0, Record::unreadable(1, line, "record", refusal(line)));
                for (n, record) in records.iter_mut().enumerate() {
                    record.number = n + 1;
                }
                refused = refused.iter().map(|at| at + 1).chain([0]).collect();
            }
        }
    }
}

/// The 1-based line of each byte offset of a text (lines end at `\n`, as the other readers count them).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// The line starts of `text`.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// The line that holds the byte at `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bytes_are_found_by_line_and_offsets_become_lines() {
        let (text, bad) = decode(b"ok\nbad \xff here\nfine\n\xfe".to_vec());
        assert_eq!(bad, [2, 4]);
        assert!(text.contains("bad \u{fffd} here"));
        let index = LineIndex::new("a\r\nb\nc\n\nd");
        assert_eq!([0, 3, 4, 5, 7, 8].map(|o| index.line_of(o)), [1, 2, 2, 3, 4, 5]);
    }
}
