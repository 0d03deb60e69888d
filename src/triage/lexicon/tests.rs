//! Unit tests of the one-pass lexicon matcher: word boundaries, stems, phrases across words and
//! fields, and the same hits as matching each phrase on its own.

use super::*;

fn hits(title: &str, description: &str) -> LexiconHits {
    scan(&TicketText::new(title, description))
}

/// The index of a keyword among every keyword of the category lexicon.
fn keyword(wanted: &str) -> usize {
    LEXICON.iter().flat_map(|(_, k)| k.iter()).position(|(k, _)| *k == wanted).expect("a keyword")
}

fn urgency(name: &str) -> usize {
    URGENCY.iter().position(|(n, _, _)| *n == name).expect("an urgency phrase")
}

#[test]
fn phrases_match_whole_words_only() {
    let h = hits("Download page", "The download is slow; the site is downright down.");
    assert_eq!(h.urgency[urgency("down")], Some(10), "only the word `down`, not `download` or `downright`");
    assert_eq!(hits("Breakdown", "sundown").urgency[urgency("down")], None);
    assert_eq!(hits("Payday", "repay").keywords[keyword("pay")], [0, 0]);
    assert_eq!(hits("Pay", "pay now, pay later").keywords[keyword("pay")], [1, 2]);
}

#[test]
fn stems_match_the_start_of_a_word() {
    let h = hits("Invoices twice", "invoice, INVOICING, reinvoice");
    assert_eq!(h.keywords[keyword("invoic*")], [1, 2], "`reinvoice` does not start with the stem");
    let h = hits("Security incidents", "");
    assert_eq!(h.urgency[urgency("security incident")], Some(0));
    assert_eq!(hits("insecurity incidents", "").urgency[urgency("security incident")], None);
}

#[test]
fn phrases_span_words_but_keywords_stay_in_their_field() {
    // Urgency reads title and description as one text; category keywords count per field.
    let h = hits("Our data", "loss since Monday; locked out, locked out");
    assert_eq!(h.urgency[urgency("data loss")], Some(1));
    assert_eq!(h.keywords[keyword("locked out")], [0, 2]);
    assert_eq!(hits("locked", "out").keywords[keyword("locked out")], [0, 0]);
    assert_eq!(hits("lockedout", "").keywords[keyword("locked out")], [0, 0]);
}

#[test]
fn repeated_phrases_count_without_overlap_and_at_most_three_times() {
    assert_eq!(hits("", "log in log in").keywords[keyword("log in")], [0, 2]);
    assert_eq!(hits("", &"log in ".repeat(10)).keywords[keyword("log in")], [0, MAX_FIELD_HITS]);
}

#[test]
fn a_word_gets_the_first_sentiment_entry_it_matches() {
    let h = hits("Thanks", "failing, fail, failure; not thankful");
    let entry = |w: &str| SENTIMENT.iter().position(|(s, _)| *s == w).expect("a sentiment word");
    assert_eq!(
        h.sentiment,
        [(0, entry("thank*")), (1, entry("fail*")), (2, entry("fail*")), (3, entry("fail*")), (5, entry("thank*"))]
    );
}

#[test]
fn the_lexicons_are_lower_case_with_a_star_only_at_the_end() {
    let urgency = URGENCY.iter().flat_map(|(_, s, _)| s.iter());
    let keywords = LEXICON.iter().flat_map(|(_, k)| k.iter().map(|(k, _)| k));
    let sentiment = SENTIMENT.iter().map(|(s, _)| s);
    for phrase in urgency.chain(keywords).chain(sentiment) {
        let stem = phrase.strip_suffix('*').unwrap_or(phrase);
        assert!(!stem.is_empty() && !stem.contains('*'), "{phrase}");
        let words: Vec<String> = TicketText::new(stem, "").words().map(str::to_owned).collect();
        assert_eq!(words.join(" "), stem, "{phrase} must be lower-case words separated by one space");
    }
    assert!(SENTIMENT.iter().all(|(s, _)| !s.contains(' ')), "sentiment entries are single words");
}

/// A title and description with the urgency phrases, urgency, sentiment, category and confidence
/// recorded for them.
type Recorded = (&'static str, &'static str, &'static [&'static str], f64, f64, crate::domain::Category, f64);

/// Signals and category predictions recorded from the matcher this one replaced (each phrase
/// searched on its own, over each text tokenised again for each consumer, at 60535b7): the one pass
/// gives the same phrases and the same numbers, to the last bit.
#[test]
fn the_same_signals_and_predictions_as_matching_each_phrase_alone() {
    use crate::{domain::Category, triage::classify::predict, triage::signals::read};
    let cases: &[Recorded] = &[
        (
            "Our data",
            "loss happened. log in log in log in log in",
            &["data loss"],
            0.7,
            0.0,
            Category::Account,
            0.8571428571428571,
        ),
        ("log", "in log in", &[], 0.0, 0.0, Category::Account, 0.6666666666666666),
        (
            "right invoice o'clock unable can\u{2019}t crash",
            "o'clock users error credit outages can cannot you breached as deadline errors work breached charged café \
             all cannot security ÉTÉ incident security very users out blocker terrible … über security log not … log \
             out crashed now how outages be . crashed hacked so invoice in i' i",
            &["crash", "outage", "breach", "deadline", "blocked", "hacked"],
            0.990172,
            -0.4588314677411235,
            Category::Technical,
            0.37777777777777777,
        ),
        (
            "invoices invoice",
            "outage blocker invoice to good blocker user nice café invoices crash i extremely very crashed doesn't user \
             log . 500 every working loss in download über so deadline as İstanbul i' download outage crash do working \
             do … right deadline i deadline prod request now café not naïve login … ÉTÉ crash cannot download",
            &["outage", "blocked", "crash", "deadline", "production"],
            0.92902,
            0.4588314677411235,
            Category::Billing,
            0.5070422535211268,
        ),
        (
            "out good error blocked",
            "isn't really every i' critical",
            &["blocked", "critical"],
            0.61,
            0.25,
            Category::Technical,
            0.75,
        ),
        (
            "rock'n'roll isn't",
            "' log never data reproduce production out as i not incidents prod can't every right incidents how \
             rock'n'roll sign down be production doesn't hacked right be still to invoices cannot outage isn't how good \
             to ' right",
            &["production", "down", "hacked", "outage"],
            0.9571,
            -0.20228869496966945,
            Category::Technical,
            0.35714285714285715,
        ),
    ];
    for &(title, description, phrases, urgency, sentiment, category, confidence) in cases {
        let signals = read(title, description);
        assert_eq!(signals.urgency_phrases, phrases, "{title}");
        assert_eq!((signals.urgency, signals.sentiment), (urgency, sentiment), "{title}");
        let p = predict(title, description);
        assert_eq!((p.category, p.confidence), (category, confidence), "{title}");
    }
}
