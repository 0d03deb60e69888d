//! `helpdesk triage` JSON input: arbitrary bytes (as text, invalid UTF-8 replaced) read as `.json`
//! (one object, an array, or JSON lines) and as `.jsonl`.
//!
//! Checks: records are numbered in order, each on a line of the input, a record without a draft
//! says why, every draft validates or is refused cleanly; a document that serde_json reads as an
//! array of objects gives one readable record per element (the reader splits arrays itself), one
//! object one record, and JSON lines give one record per non-blank line.

#![no_main]

use helpdesk_ai::cli::triage::{InputFormat, read_records};
use helpdesk_ai_fuzz::check_records;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let records = read_records(InputFormat::Json, &text).expect("JSON input is read record by record");
    check_records(&text, &records);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(items)) if items.iter().all(Value::is_object) => {
            assert_eq!(records.len(), items.len(), "one record per array element");
            assert!(records.iter().all(|r| r.draft.is_some()), "every object of a valid array is read");
        }
        Ok(Value::Object(_)) => assert!(records.len() == 1 && records[0].draft.is_some(), "one object, one record"),
        _ => {}
    }
    let lines = read_records(InputFormat::Jsonl, &text).expect("JSON lines are read line by line");
    check_records(&text, &lines);
    assert_eq!(lines.len(), text.lines().filter(|l| !l.trim().is_empty()).count(), "one record per line");
});
