//! A ticket's text read once for every consumer: the title and description joined (what language
//! detection, the learned models and the rules' `text` field read) and their lower-case words (what
//! the lexicons, sentiment and the near-duplicate fingerprint read).

/// The text of one ticket, tokenised once. Words are runs of letters and digits, lower-cased,
/// keeping an apostrophe inside a word (`can't`); typographic apostrophes count as `'`. The title's
/// words come first, then the description's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketText {
    /// Title, a new line, description.
    joined: String,
    /// Every word, each followed by one space (the lexicon matcher's haystack).
    words: String,
    /// Where each word starts in `words`.
    starts: Vec<u32>,
    /// How many of the words are the title's.
    title_words: usize,
}

impl TicketText {
    /// Reads a ticket's title and description.
    pub fn new(title: &str, description: &str) -> Self {
        let mut text = TicketText {
            joined: String::with_capacity(title.len() + 1 + description.len()),
            words: String::with_capacity(title.len() + description.len() + 2),
            starts: Vec::new(),
            title_words: 0,
        };
        text.joined.push_str(title);
        text.joined.push('\n');
        text.joined.push_str(description);
        text.read(title);
        text.title_words = text.starts.len();
        text.read(description);
        text
    }

    /// Appends the words of `text`.
    fn read(&mut self, text: &str) {
        let mut in_word = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let c = if c == '\u{2019}' || c == '\u{2018}' { '\'' } else { c };
            let alphanumeric = if c.is_ascii() { c.is_ascii_alphanumeric() } else { c.is_alphanumeric() };
            if alphanumeric {
                if !in_word {
                    self.starts.push(self.words.len() as u32);
                    in_word = true;
                }
                if c.is_ascii() {
                    self.words.push(c.to_ascii_lowercase());
                } else {
                    self.words.extend(c.to_lowercase());
                }
            } else if c == '\'' && in_word && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
                self.words.push('\'');
            } else if in_word {
                self.words.push(' ');
                in_word = false;
            }
        }
        if in_word {
            self.words.push(' ');
        }
    }

    /// Title, a new line, description: the text as written.
    pub fn joined(&self) -> &str {
        &self.joined
    }

    /// How many words the title and description have together.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// True when neither has a word.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// How many of the words are the title's (they come first).
    pub fn title_words(&self) -> usize {
        self.title_words
    }

    /// The word at `index` (title's first).
    pub fn word(&self, index: usize) -> &str {
        let start = self.starts[index] as usize;
        let end = self.starts.get(index + 1).map_or(self.words.len(), |&s| s as usize) - 1;
        &self.words[start..end]
    }

    /// Every word, the title's first.
    pub fn words(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.word(i))
    }

    /// Every word, each followed by one space.
    pub(super) fn spaced_words(&self) -> &str {
        &self.words
    }

    /// The index of the word starting at byte `offset` of [`TicketText::spaced_words`], if one does.
    pub(super) fn word_at(&self, offset: usize) -> Option<usize> {
        self.starts.binary_search(&(offset as u32)).ok()
    }
}

/// `hours` without a needless fraction: `24`, `1.5`.
pub fn hours(hours: f64) -> String {
    if hours.fract() == 0.0 && hours.abs() < 1e15 { format!("{hours:.0}") } else { format!("{hours}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(title: &str, description: &str) -> Vec<String> {
        TicketText::new(title, description).words().map(str::to_owned).collect()
    }

    #[test]
    fn words_are_lower_case_keeping_inner_apostrophes() {
        assert_eq!(words("Can\u{2019}t LOG-in, 'now'!", ""), ["can't", "log", "in", "now"]);
        assert_eq!(words("Straße ÉTÉ 500", "İx"), ["straße", "été", "500", "i\u{307}x"]);
        assert!(words("", "").is_empty());
        assert!(words("  !?' ", "'").is_empty());
    }

    #[test]
    fn the_title_words_come_first_and_never_run_into_the_description() {
        let text = TicketText::new("Data'", "loss now");
        assert_eq!(text.words().collect::<Vec<_>>(), ["data", "loss", "now"]);
        assert_eq!((text.title_words(), text.len()), (1, 3));
        assert_eq!(text.joined(), "Data'\nloss now");
        assert_eq!(text.spaced_words(), "data loss now ");
        assert_eq!((text.word_at(5), text.word_at(6), text.word_at(0)), (Some(1), None, Some(0)));
        assert!(TicketText::new("", "").is_empty());
    }

    #[test]
    fn hours_print_without_needless_fractions() {
        assert_eq!(hours(24.0), "24");
        assert_eq!(hours(1.5), "1.5");
    }
}
