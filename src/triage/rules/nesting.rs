//! How deep a rules document nests, found before it is parsed, in one pass and without recursion: a
//! document nested 100,000 levels deep is refused in microseconds, before a parser spends seconds on
//! it or builds a value whose every visit (and drop) recurses that deep. YAML is read as events
//! (yaml-rust2), counting collections and refusing aliases, so that no anchor can be repeated
//! into a document far larger than its text (a "billion laughs"); JSON and TOML by their brackets
//! outside strings and comments, TOML's dotted keys and table headers counting as the tables they
//! open. The parsers that follow keep their own recursion limits as a second guard.

use yaml_rust2::parser::{Event, Parser};

use super::model::RulesFormat;

/// Why the document is refused before it is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The collections nest deeper than allowed (`depth` is how deep they were seen to go, at least).
    TooDeep {
        /// Levels seen.
        depth: usize,
    },
    /// A YAML alias (`*name`), on this line.
    Alias {
        /// 1-based line.
        line: usize,
    },
}

/// Refuses a document whose collections nest deeper than `max` or (YAML) that uses an alias. A
/// YAML document the event reader cannot read is left to the parser, which reports the error.
pub(super) fn check(text: &str, format: RulesFormat, max: usize) -> Result<(), Refusal> {
    let depth = match format {
        RulesFormat::Yaml => return yaml(text, max),
        RulesFormat::Json => json(text, max),
        RulesFormat::Toml => toml(text, max),
    };
    if depth > max { Err(Refusal::TooDeep { depth }) } else { Ok(()) }
}

fn yaml(text: &str, max: usize) -> Result<(), Refusal> {
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    loop {
        match parser.next_token() {
            Ok((Event::SequenceStart(..) | Event::MappingStart(..), _)) => {
                depth += 1;
                if depth > max {
                    return Err(Refusal::TooDeep { depth });
                }
            }
            Ok((Event::SequenceEnd | Event::MappingEnd, _)) => depth = depth.saturating_sub(1),
            Ok((Event::Alias(_), at)) => return Err(Refusal::Alias { line: at.line() }),
            Ok((Event::StreamEnd, _)) => return Ok(()),
            Ok(_) => {}
            // The reader's own guard against deep flow collections.
            Err(e) if e.info().contains("recursion limit") => {
                return Err(Refusal::TooDeep { depth: depth.max(max + 1) });
            }
            Err(_) => return Ok(()),
        }
    }
}

/// The deepest bracket nesting outside strings (stops counting past `max`).
fn json(text: &str, max: usize) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in text.as_bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > max {
                    return deepest;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// An upper bound of how deep a TOML document nests: the table header's segments, plus the
/// tables the dotted keys of the statements open, plus the brackets (stops counting past `max`).
fn toml(text: &str, max: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut header, mut keys, mut deepest) = (0usize, 0usize, 0usize);
    // The open brackets, each with the dots of the key whose value it is; the dots of the key being
    // read; whether a value (not a key) is being read.
    let (mut open, mut dots, mut in_value) = (Vec::<(u8, usize)>::new(), 0usize, false);
    let mut at_line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                at_line_start = true;
                if open.is_empty() {
                    (dots, in_value) = (0, false);
                }
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                i = skip_string(bytes, i);
                at_line_start = false;
                continue;
            }
            b'[' if at_line_start && open.is_empty() => {
                // A table header, `[a.b]` or `[[a.b]]`: each segment is a table, an array of tables
                // one more level.
                let array = bytes.get(i + 1) == Some(&b'[');
                i += if array { 2 } else { 1 };
                header = 1 + usize::from(array);
                while i < bytes.len() && bytes[i] != b']' && bytes[i] != b'\n' {
                    match bytes[i] {
                        b'"' | b'\'' => i = skip_string(bytes, i),
                        b'.' => {
                            header += 1;
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                (keys, dots, in_value) = (0, 0, false);
            }
            b'[' | b'{' => {
                open.push((b, dots));
                keys += dots;
                (dots, in_value) = (0, b == b'[');
            }
            b']' | b'}' => {
                if let Some((_, key_dots)) = open.pop() {
                    keys = keys.saturating_sub(key_dots);
                }
                (dots, in_value) = (0, true);
            }
            b'.' if !in_value => dots += 1,
            b'=' => in_value = true,
            b',' if open.last().is_some_and(|(kind, _)| *kind == b'{') => (dots, in_value) = (0, false),
            _ => {}
        }
        at_line_start = false;
        deepest = deepest.max(header + keys + open.len() + dots + 1);
        if deepest > max {
            return deepest;
        }
        i += 1;
    }
    deepest
}

/// The position after the TOML string that starts at `start` (basic or literal, one line or three quotes).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start..start + 3).is_some_and(|q| q.iter().all(|&c| c == quote));
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\n' if !triple => return i,
            c if c == quote => {
                if !triple {
                    return i + 1;
                }
                if bytes.get(i..i + 3).is_some_and(|q| q.iter().all(|&c| c == quote)) {
                    return i + 3;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEEP: usize = 100_000;

    #[test]
    fn a_document_nested_100000_deep_is_refused_in_every_format() {
        let flow = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));
        for format in [RulesFormat::Yaml, RulesFormat::Json] {
            assert!(matches!(check(&flow, format, 80), Err(Refusal::TooDeep { depth }) if depth > 80), "{format}");
        }
        let block = format!("{}x\n", "- ".repeat(DEEP));
        assert_eq!(check(&block, RulesFormat::Yaml, 80), Err(Refusal::TooDeep { depth: 81 }));
        let toml_flow = format!("a = {}{}", "[".repeat(DEEP), "]".repeat(DEEP));
        assert!(matches!(check(&toml_flow, RulesFormat::Toml, 80), Err(Refusal::TooDeep { .. })));
        let dotted = format!("{} = 1", vec!["a"; DEEP].join("."));
        assert!(matches!(check(&dotted, RulesFormat::Toml, 80), Err(Refusal::TooDeep { .. })));
        let header = format!("[{}]\nx = 1\n", vec!["a"; DEEP].join("."));
        assert!(matches!(check(&header, RulesFormat::Toml, 80), Err(Refusal::TooDeep { .. })));
    }

    #[test]
    fn strings_and_comments_do_not_count_and_aliases_are_refused() {
        let brackets = "[".repeat(200);
        assert_eq!(check(&format!("{{\"a\": \"{brackets}\"}}"), RulesFormat::Json, 80), Ok(()));
        assert_eq!(
            check(&format!("a = '{brackets}' # {brackets}\nb = \"\"\"\n{brackets}\"\"\"\n"), RulesFormat::Toml, 80),
            Ok(())
        );
        assert_eq!(
            check(&format!("a: '{brackets}' # {brackets}\nb: |\n  {brackets}\n"), RulesFormat::Yaml, 80),
            Ok(())
        );
        assert_eq!(check("a: &x [1, 2]\nb: *x\n", RulesFormat::Yaml, 80), Err(Refusal::Alias { line: 2 }));
        assert_eq!(check("a: [1, 2\n", RulesFormat::Yaml, 80), Ok(()), "a syntax error is left to the parser");
    }

    #[test]
    fn the_built_in_rules_nest_ten_levels() {
        let text = include_str!("../../../rules/default.yaml");
        assert_eq!(check(text, RulesFormat::Yaml, 10), Ok(()));
        assert!(check(text, RulesFormat::Yaml, 9).is_err());
    }
}
