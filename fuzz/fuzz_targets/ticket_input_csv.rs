//! `helpdesk triage` CSV input: arbitrary bytes (as text, invalid UTF-8 replaced) read as `.csv`.
//!
//! Checks: the input is either refused whole (a bad header row) or read into records numbered in
//! order, each on a line of the input, a record without a draft says why, and every draft validates
//! or is refused cleanly.

#![no_main]

use helpdesk_ai::cli::triage::{InputFormat, read_records};
use helpdesk_ai_fuzz::check_records;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match read_records(InputFormat::Csv, &text) {
        Ok(records) => check_records(&text, &records),
        Err(reason) => assert!(reason.starts_with("line 1: "), "a refused CSV names its header row: {reason}"),
    }
});
