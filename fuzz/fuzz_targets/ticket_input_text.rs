//! `helpdesk triage` text input: arbitrary bytes (as text, invalid UTF-8 replaced) read as `.txt`,
//! blocks of `Key: value` lines.
//!
//! Checks: one record per block of non-blank lines, numbered in order, each starting on its block's
//! first line; every draft validates or is refused cleanly.

#![no_main]

use helpdesk_ai::cli::triage::{InputFormat, read_records};
use helpdesk_ai_fuzz::check_records;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let records = read_records(InputFormat::Text, &text).expect("text input is read block by block");
    check_records(&text, &records);
    let mut starts = Vec::new();
    let mut after_blank = true;
    for (i, line) in text.lines().enumerate() {
        let blank = line.trim().is_empty();
        if !blank && after_blank {
            starts.push(i + 1);
        }
        after_blank = blank;
    }
    assert_eq!(records.iter().map(|r| r.line).collect::<Vec<_>>(), starts, "one record per block, at its first line");
});
