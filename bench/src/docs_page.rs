//! Rewriting the generated part of docs/benchmarks.md: everything between the two markers is
//! replaced, the rest of the page is kept as it is.

/// The line that opens the generated part.
pub const BEGIN: &str = "<!-- bench:begin -->";
/// The line that closes it.
pub const END: &str = "<!-- bench:end -->";

/// `page` with the text between [`BEGIN`] and [`END`] replaced by `generated` (the markers stay).
pub fn replace_generated(page: &str, generated: &str) -> Result<String, String> {
    let begin = page.find(BEGIN).ok_or_else(|| format!("the page has no {BEGIN} marker"))?;
    let after_begin = begin + BEGIN.len();
    let end =
        page[after_begin..].find(END).map(|i| i + after_begin).ok_or_else(|| format!("no {END} after {BEGIN}"))?;
    if page[end + END.len()..].contains(BEGIN) {
        return Err(format!("the page has more than one {BEGIN} marker"));
    }
    let body = generated.trim_matches('\n');
    Ok(format!("{}\n\n{body}\n\n{}", &page[..after_begin], &page[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_text_between_the_markers_changes() {
        let page = format!("# Benchmarks\n\nintro\n\n{BEGIN}\nold figures\n{END}\n\n## Later\nkept\n");
        let new = replace_generated(&page, "\nnew figures\n").expect("markers");
        assert_eq!(new, format!("# Benchmarks\n\nintro\n\n{BEGIN}\n\nnew figures\n\n{END}\n\n## Later\nkept\n"));
        // Rewriting again gives the same page.
        assert_eq!(replace_generated(&new, "new figures").expect("markers"), new);
    }

    #[test]
    fn missing_or_doubled_markers_are_refused() {
        assert!(replace_generated("no markers", "x").is_err());
        assert!(replace_generated(&format!("{BEGIN} only"), "x").is_err());
        let doubled = format!("{BEGIN}\n{END}\n{BEGIN}\n{END}\n");
        assert!(replace_generated(&doubled, "x").is_err());
    }
}
