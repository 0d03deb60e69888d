//! Every phrase lexicon (urgency, sentiment, category keywords) matched in one pass over a ticket's
//! words with one Aho-Corasick automaton, on word boundaries: a phrase matches whole words, and a
//! phrase ending with `*` matches any word its last word starts (`invoic*`: `invoice`, `invoicing`).

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::{
    classify::LEXICON,
    signals::{SENTIMENT, URGENCY},
    text::TicketText,
};

/// What a lexicon phrase stands for.
#[derive(Debug, Clone, Copy)]
enum Meaning {
    /// A spelling of the urgency phrase at this index of [`URGENCY`].
    Urgency(usize),
    /// The sentiment word at this index of [`SENTIMENT`].
    Sentiment(usize),
    /// The category keyword at this index of every keyword of [`LEXICON`], in order.
    Keyword(usize),
}

/// One way a matched text counts: as a whole phrase or as a prefix, meaning what.
#[derive(Debug, Clone)]
struct Reading {
    prefix: bool,
    meanings: Vec<Meaning>,
}

/// A text the automaton looks for and what a match of it means.
#[derive(Debug, Clone)]
struct Pattern {
    words: usize,
    readings: Vec<Reading>,
}

/// The automaton over every distinct phrase (without its `*`), with their meanings.
struct Lexicons {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    keywords: usize,
}

static LEXICONS: LazyLock<Lexicons> = LazyLock::new(Lexicons::build);

impl Lexicons {
    fn build() -> Lexicons {
        let mut phrases: Vec<(&'static str, Meaning)> = Vec::new();
        for (i, (_, spellings, _)) in URGENCY.iter().enumerate() {
            phrases.extend(spellings.iter().map(|s| (*s, Meaning::Urgency(i))));
        }
        phrases.extend(SENTIMENT.iter().enumerate().map(|(i, (word, _))| (*word, Meaning::Sentiment(i))));
        let keywords = LEXICON.iter().flat_map(|(_, keywords)| keywords.iter());
        phrases.extend(keywords.enumerate().map(|(i, (keyword, _))| (*keyword, Meaning::Keyword(i))));
        let mut texts: Vec<&'static str> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        for (phrase, meaning) in phrases {
            let (text, prefix) = phrase.strip_suffix('*').map_or((phrase, false), |stem| (stem, true));
            let index = texts.iter().position(|t| *t == text).unwrap_or_else(|| {
                texts.push(text);
                patterns.push(Pattern { words: text.split(' ').count(), readings: Vec::new() });
                texts.len() - 1
            });
            let readings = &mut patterns[index].readings;
            match readings.iter_mut().find(|r| r.prefix == prefix) {
                Some(reading) => reading.meanings.push(meaning),
                None => readings.push(Reading { prefix, meanings: vec![meaning] }),
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&texts)
            .expect("the lexicons are a few hundred short phrases");
        let keywords = LEXICON.iter().map(|(_, keywords)| keywords.len()).sum();
        Lexicons { automaton, patterns, keywords }
    }
}

/// Hits of a keyword counted in one field: at most this many.
pub const MAX_FIELD_HITS: usize = 3;

/// What the lexicons found in one ticket's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconHits {
    /// Per urgency phrase of [`URGENCY`], the word where its first spelling found starts.
    pub urgency: Vec<Option<usize>>,
    /// Sentiment words found: the word's index and the first entry of [`SENTIMENT`] it matches, in
    /// word order.
    pub sentiment: Vec<(usize, usize)>,
    /// Per category keyword (every keyword of [`LEXICON`], in order): non-overlapping occurrences in
    /// the title and in the description, each at most [`MAX_FIELD_HITS`]. A phrase running from the
    /// title into the description counts in neither.
    pub keywords: Vec<[usize; 2]>,
}

/// Matches every lexicon against `text` in one pass.
pub fn scan(text: &TicketText) -> LexiconHits {
    let lexicons = &*LEXICONS;
    let mut hits = LexiconHits {
        urgency: vec![None; URGENCY.len()],
        sentiment: Vec::new(),
        keywords: vec![[0, 0]; lexicons.keywords],
    };
    // Per keyword and field, the first word a next occurrence may start at (no overlaps).
    let mut free = vec![[0usize, 0]; lexicons.keywords];
    let haystack = text.spaced_words();
    let title_words = text.title_words();
    for found in lexicons.automaton.find_overlapping_iter(haystack) {
        let Some(first) = text.word_at(found.start()) else { continue };
        let whole = haystack.as_bytes().get(found.end()) == Some(&b' ');
        let pattern = &lexicons.patterns[found.pattern().as_usize()];
        let end = first + pattern.words;
        for reading in pattern.readings.iter().filter(|r| r.prefix || whole) {
            for meaning in &reading.meanings {
                match *meaning {
                    Meaning::Urgency(i) => {
                        let at = hits.urgency[i].get_or_insert(first);
                        *at = (*at).min(first);
                    }
                    Meaning::Sentiment(i) => hits.sentiment.push((first, i)),
                    Meaning::Keyword(i) => {
                        let field = match (end <= title_words, first >= title_words) {
                            (true, _) => 0,
                            (_, true) => 1,
                            _ => continue,
                        };
                        if first >= free[i][field] {
                            free[i][field] = end;
                            hits.keywords[i][field] += 1;
                        }
                    }
                }
            }
        }
    }
    for counts in &mut hits.keywords {
        counts.iter_mut().for_each(|c| *c = (*c).min(MAX_FIELD_HITS));
    }
    // One entry per word: the first of the lexicon's that matches it.
    hits.sentiment.sort_unstable();
    hits.sentiment.dedup_by_key(|(word, _)| *word);
    hits
}

#[cfg(test)]
#[path = "lexicon/tests.rs"]
mod tests;
