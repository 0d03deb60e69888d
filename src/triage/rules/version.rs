//! The version of a rule set: `<name>@<first 12 hex digits of the SHA-256 of the canonical
//! document>`, so comments, layout, key order and format do not change it.

use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The version of the rules document `document` named `name`.
pub(super) fn version(name: &str, document: &Value) -> String {
    format!("{name}@{}", &content_hash(document)[..12])
}

/// SHA-256 (hex) of the document written as JSON with sorted keys and no spaces.
fn content_hash(document: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(document, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}
