//! Word-level text matching shared by the signal and category lexicons: lower-case tokens and
//! phrases matched on word boundaries.

/// The words of `text`, lower-cased: runs of letters and digits, keeping an apostrophe inside a
/// word (`can't`). Typographic apostrophes count as `'`.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let c = if c == '\u{2019}' || c == '\u{2018}' { '\'' } else { c };
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if c == '\'' && !word.is_empty() && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
            word.push('\'');
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Whether one lexicon word matches one token: exactly, or as a prefix when it ends with `*`
/// (`invoic*` matches `invoice`, `invoices`, `invoicing`).
pub fn word_matches(pattern: &str, token: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(stem) => token.starts_with(stem),
        None => pattern == token,
    }
}

/// Position of the first occurrence of `phrase` (space-separated lexicon words) in `tokens`.
pub fn find_phrase(tokens: &[String], phrase: &str) -> Option<usize> {
    if !phrase.contains(' ') {
        // One word (most lexicon entries): no need to split the phrase.
        return if phrase.is_empty() { None } else { tokens.iter().position(|t| word_matches(phrase, t)) };
    }
    let words: Vec<&str> = phrase.split_whitespace().collect();
    if words.is_empty() || words.len() > tokens.len() {
        return None;
    }
    (0..=tokens.len() - words.len()).find(|&start| words.iter().zip(&tokens[start..]).all(|(w, t)| word_matches(w, t)))
}

/// How many times `phrase` occurs in `tokens` (non-overlapping).
pub fn count_phrase(tokens: &[String], phrase: &str) -> usize {
    if !phrase.contains(' ') {
        // One word (most lexicon entries): no need to split the phrase.
        return if phrase.is_empty() { 0 } else { tokens.iter().filter(|t| word_matches(phrase, t)).count() };
    }
    let words: Vec<&str> = phrase.split_whitespace().collect();
    if words.is_empty() {
        return 0;
    }
    let (mut count, mut start) = (0, 0);
    while start + words.len() <= tokens.len() {
        if words.iter().zip(&tokens[start..]).all(|(w, t)| word_matches(w, t)) {
            count += 1;
            start += words.len();
        } else {
            start += 1;
        }
    }
    count
}

/// `hours` without a needless fraction: `24`, `1.5`.
pub fn hours(hours: f64) -> String {
    if hours.fract() == 0.0 && hours.abs() < 1e15 { format!("{hours:.0}") } else { format!("{hours}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_lower_case_words_keeping_inner_apostrophes() {
        assert_eq!(tokens("Can\u{2019}t LOG-in, 'now'!"), ["can't", "log", "in", "now"]);
        assert_eq!(tokens("Straße ÉTÉ 500"), ["straße", "été", "500"]);
        assert!(tokens("").is_empty());
        assert!(tokens("  !?' ").is_empty());
    }

    #[test]
    fn phrases_match_whole_words_and_stems() {
        let t = tokens("The download is slow; the site is down. Invoices twice, invoice again");
        assert_eq!(find_phrase(&t, "down"), Some(7));
        assert_eq!(find_phrase(&t, "site is down"), Some(5));
        assert_eq!(find_phrase(&t, "load"), None);
        assert_eq!(count_phrase(&t, "invoic*"), 2);
        assert_eq!(find_phrase(&t, ""), None);
        assert_eq!(find_phrase(&[], "down"), None);
    }

    #[test]
    fn hours_print_without_needless_fractions() {
        assert_eq!(hours(24.0), "24");
        assert_eq!(hours(1.5), "1.5");
    }
}
