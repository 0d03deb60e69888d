//! Text signals read from a ticket's title and description: urgency phrases, sentiment and language.

use super::{
    lexicon::{LexiconHits, scan},
    result::Signals,
    text::TicketText,
};

/// Urgency phrases: the name reported, the spellings that count as it, and its weight in [0, 1].
pub(super) const URGENCY: &[(&str, &[&str], f64)] = &[
    ("outage", &["outage*"], 0.6),
    ("down", &["down"], 0.45),
    ("not working", &["not working", "isn't working", "stopped working", "doesn't work", "does not work"], 0.35),
    ("data loss", &["data loss", "lost data", "lost all", "data was lost", "data is gone"], 0.7),
    ("breach", &["breach*"], 0.7),
    ("hacked", &["hacked", "compromised"], 0.7),
    ("security incident", &["security incident*"], 0.7),
    (
        "cannot log in",
        &[
            "cannot log in",
            "can't log in",
            "cant log in",
            "can not log in",
            "unable to log in",
            "cannot login",
            "can't login",
            "unable to login",
            "cannot sign in",
            "can't sign in",
            "unable to sign in",
            "locked out",
        ],
        0.4,
    ),
    ("urgent", &["urgent*"], 0.4),
    ("asap", &["asap", "as soon as possible"], 0.4),
    ("immediately", &["immediately", "right now", "right away"], 0.35),
    ("emergency", &["emergency"], 0.6),
    ("production", &["production", "prod"], 0.35),
    ("all users", &["all users", "every user", "all customers", "whole company", "entire company"], 0.4),
    ("crash", &["crash*"], 0.4),
    ("critical", &["critical*"], 0.4),
    ("deadline", &["deadline*"], 0.3),
    ("blocked", &["blocked", "blocking", "blocker"], 0.35),
    ("cannot work", &["cannot work", "can't work", "unable to work"], 0.4),
    ("revenue", &["losing money", "losing revenue", "lost revenue"], 0.35),
];

/// Sentiment words and their polarity; prefixes end with `*`.
pub(super) const SENTIMENT: &[(&str, f64)] = &[
    ("terrible", -2.0),
    ("awful", -2.0),
    ("horrible", -2.0),
    ("worst", -2.0),
    ("unacceptable", -2.0),
    ("furious", -2.5),
    ("angry", -2.0),
    ("hate", -2.0),
    ("ridiculous", -1.5),
    ("useless", -1.5),
    ("frustrat*", -1.5),
    ("disappoint*", -1.5),
    ("annoy*", -1.5),
    ("upset", -1.5),
    ("bad", -1.0),
    ("poor", -1.0),
    ("broken", -1.0),
    ("fail*", -1.0),
    ("wrong", -0.8),
    ("slow", -0.5),
    ("problem*", -0.5),
    ("again", -0.3),
    ("still", -0.3),
    ("thank*", 1.5),
    ("great", 1.5),
    ("good", 1.0),
    ("excellent", 2.0),
    ("love", 1.5),
    ("appreciat*", 1.5),
    ("helpful", 1.5),
    ("happy", 1.5),
    ("awesome", 2.0),
    ("perfect", 1.5),
    ("nice", 1.0),
    ("pleased", 1.5),
    ("glad", 1.0),
    ("works", 0.5),
    ("resolved", 1.0),
];

/// Words that turn the polarity of the next few words around.
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "don't", "doesn't", "didn't", "isn't", "wasn't", "aren't", "can't", "cannot", "won't",
    "hardly", "without",
];

/// Words that make the next sentiment word stronger.
const INTENSIFIERS: &[&str] = &["very", "really", "extremely", "so", "totally", "completely", "absolutely"];

/// Fewest letters for a language guess; shorter texts are `und`.
const MIN_LANGUAGE_LETTERS: usize = 20;
/// Characters looked at for the language guess: enough for a sure guess, bounded so that long
/// descriptions cost no more than short ones.
const LANGUAGE_SAMPLE_CHARS: usize = 500;
/// Least whatlang confidence for a language to be reported.
const MIN_LANGUAGE_CONFIDENCE: f64 = 0.5;

/// The signals of a ticket with this title and description, its language detected.
pub fn read(title: &str, description: &str) -> Signals {
    let text = TicketText::new(title, description);
    of(&text, &scan(&text), true)
}

/// The signals of a ticket's text from the lexicon hits in it; the language only when `detect_language`
/// (`und` otherwise), since detecting it costs more than everything else here together.
pub fn of(text: &TicketText, hits: &LexiconHits, detect_language: bool) -> Signals {
    let (urgency_phrases, urgency) = urgency(hits);
    let language = match detect_language {
        true if plainly_english(text) => "en".to_owned(),
        true => language(text.joined()),
        false => UNDETERMINED.to_owned(),
    };
    Signals { urgency_phrases, urgency, sentiment: sentiment(text, hits), language }
}

/// Words common in English prose and rare in the other languages written in Latin letters.
const ENGLISH_MARKERS: &[&str] = &[
    "and", "are", "been", "can", "could", "from", "have", "is", "it", "my", "not", "of", "our", "please", "that",
    "the", "this", "to", "was", "we", "what", "when", "which", "with", "would", "you", "your",
];
/// Share of a text's words that must be [`ENGLISH_MARKERS`] for [`plainly_english`].
const ENGLISH_MARKER_SHARE: f64 = 0.2;

/// Whether a text is English without asking whatlang (which costs about ten times the rest of a
/// triage): only ASCII, long enough for a guess, and at least a fifth of its words (and three or more)
/// English function words. Any other text goes to whatlang.
fn plainly_english(text: &TicketText) -> bool {
    let joined = text.joined();
    if !joined.is_ascii() || joined.bytes().filter(u8::is_ascii_alphabetic).count() < MIN_LANGUAGE_LETTERS {
        return false;
    }
    let (mut words, mut markers) = (0usize, 0usize);
    for word in text.words() {
        words += 1;
        markers += usize::from(ENGLISH_MARKERS.binary_search(&word).is_ok());
    }
    markers >= 3 && markers as f64 >= ENGLISH_MARKER_SHARE * words as f64
}

/// The language code of a text whose language is not known.
pub const UNDETERMINED: &str = "und";

/// Urgency phrases found, in the order they first appear, and the urgency they add up to:
/// `1 - prod(1 - weight)`, which saturates below 1.
fn urgency(hits: &LexiconHits) -> (Vec<String>, f64) {
    let mut found: Vec<(usize, &str, f64)> = URGENCY
        .iter()
        .zip(&hits.urgency)
        .filter_map(|((name, _, weight), at)| at.map(|at| (at, *name, *weight)))
        .collect();
    found.sort_by_key(|(at, _, _)| *at);
    let calm: f64 = found.iter().map(|(_, _, w)| 1.0 - w).product();
    let phrases = found.iter().map(|(_, name, _)| (*name).to_owned()).collect();
    (phrases, (1.0 - calm).clamp(0.0, 1.0))
}

/// Sentiment in [-1, 1]: lexicon polarities summed (negated within three words after a negation,
/// strengthened after an intensifier), then squashed with `s / sqrt(s^2 + 15)`.
fn sentiment(text: &TicketText, hits: &LexiconHits) -> f64 {
    let mut sum = 0.0;
    for &(i, entry) in &hits.sentiment {
        let polarity = SENTIMENT[entry].1;
        let negated = (i.saturating_sub(3)..i).any(|w| NEGATIONS.contains(&text.word(w)));
        let intensified = i > 0 && INTENSIFIERS.contains(&text.word(i - 1));
        let mut value = if intensified { polarity * 1.5 } else { polarity };
        if negated {
            value *= -0.5;
        }
        sum += value;
    }
    let score = sum / (sum * sum + 15.0).sqrt();
    if score.is_finite() { score.clamp(-1.0, 1.0) } else { 0.0 }
}

/// ISO 639-1 code of the text's language, or `und` when the text is short or the guess unsure.
fn language(text: &str) -> String {
    let end = text.char_indices().nth(LANGUAGE_SAMPLE_CHARS).map_or(text.len(), |(at, _)| at);
    let sample = &text[..end];
    if sample.chars().filter(|c| c.is_alphabetic()).count() < MIN_LANGUAGE_LETTERS {
        return UNDETERMINED.to_owned();
    }
    match whatlang::detect(sample) {
        Some(info) if info.confidence() >= MIN_LANGUAGE_CONFIDENCE => iso639_1(info.lang()).to_owned(),
        _ => UNDETERMINED.to_owned(),
    }
}

/// whatlang's three-letter codes with their ISO 639-1 two-letter codes.
const ISO639_1: &str = "epo:eo eng:en rus:ru cmn:zh spa:es por:pt ita:it ben:bn fra:fr deu:de ukr:uk kat:ka ara:ar hin:hi \
jpn:ja heb:he yid:yi pol:pl amh:am jav:jv kor:ko nob:nb dan:da swe:sv fin:fi tur:tr nld:nl hun:hu \
ces:cs ell:el bul:bg bel:be mar:mr kan:kn ron:ro slv:sl hrv:hr srp:sr mkd:mk lit:lt lav:lv est:et \
tam:ta vie:vi urd:ur tha:th guj:gu uzb:uz pan:pa aze:az ind:id tel:te pes:fa mal:ml ori:or mya:my \
nep:ne sin:si khm:km tuk:tk aka:ak zul:zu sna:sn afr:af lat:la slk:sk cat:ca tgl:tl hye:hy cym:cy";

/// The two-letter code of a whatlang language (`und` for one without).
fn iso639_1(lang: whatlang::Lang) -> &'static str {
    let three = lang.code();
    ISO639_1
        .split(' ')
        .filter_map(|pair| pair.split_once(':'))
        .find(|(code, _)| *code == three)
        .map_or(UNDETERMINED, |(_, two)| two)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgency_phrases_are_found_on_word_boundaries() {
        let s = read("Outage: data loss for all users", "Everything is down since 9am.");
        assert_eq!(s.urgency_phrases, ["outage", "data loss", "all users", "down"]);
        assert!(s.urgency > 0.9 && s.urgency <= 1.0, "{}", s.urgency);

        let s = read("Download page", "The download of the report takes long.");
        assert!(s.urgency_phrases.is_empty(), "{:?}", s.urgency_phrases);
        assert_eq!(s.urgency, 0.0);
    }

    #[test]
    fn urgency_combines_and_saturates() {
        let one = read("Outage", "").urgency;
        assert!((one - 0.6).abs() < 1e-9);
        let two = read("Outage", "urgent").urgency;
        assert!((two - (1.0 - 0.4 * 0.6)).abs() < 1e-9);
        let many =
            read("URGENT outage, breach, data loss, hacked, emergency", "critical crash asap, all users").urgency;
        assert!(many > 0.99 && many <= 1.0);
    }

    #[test]
    fn sign_in_trouble_is_one_phrase_in_any_spelling() {
        for text in ["I can\u{2019}t log in", "Unable to log in", "cannot login today", "I CANNOT LOG IN"] {
            assert_eq!(read(text, "").urgency_phrases, ["cannot log in"], "{text}");
        }
    }

    #[test]
    fn sentiment_is_negative_for_angry_text_and_positive_for_thanks() {
        let angry = read("This is unacceptable", "Terrible service, I am furious and frustrated. Worst support ever.");
        assert!(angry.sentiment < -0.7, "{}", angry.sentiment);
        let happy = read("Thanks!", "Great help, I really appreciate it.");
        assert!(happy.sentiment > 0.5, "{}", happy.sentiment);
        let neutral = read("Invoice address", "Please change the address on our invoice.");
        assert_eq!(neutral.sentiment, 0.0);
    }

    #[test]
    fn negation_turns_sentiment_around() {
        let s = read("Not good", "The new version is not good at all.");
        assert!(s.sentiment < 0.0, "{}", s.sentiment);
        let s = read("No problem", "");
        assert!(s.sentiment > 0.0, "{}", s.sentiment);
    }

    #[test]
    fn plain_english_is_told_without_whatlang_and_the_rest_is_asked() {
        let text = |t: &str, d: &str| TicketText::new(t, d);
        assert!(plainly_english(&text("Cannot open the billing page", "When I open it the browser shows an error.")));
        assert!(!plainly_english(&text("Rechnung falsch", "Die letzte Rechnung ist falsch, bitte korrigieren.")));
        assert!(!plainly_english(&text("Facture", "Bonjour, la dernière facture de ce mois est incorrecte.")));
        assert!(!plainly_english(&text("The café is closed", "and the coffee machine is broken too.")), "not ASCII");
        assert!(!plainly_english(&text("the to", "of")), "too short");
        let sorted = ENGLISH_MARKERS.windows(2).all(|w| w[0] < w[1]);
        assert!(sorted, "ENGLISH_MARKERS is searched by bisection");
    }

    #[test]
    fn language_is_detected_for_longer_texts() {
        let en = read(
            "Cannot open the billing page",
            "When I open the billing page the browser shows an error and nothing loads.",
        );
        assert_eq!(en.language, "en");
        let de = read(
            "Rechnung falsch",
            "Die letzte Rechnung ist falsch, bitte korrigieren Sie den Betrag und schicken Sie sie erneut.",
        );
        assert_eq!(de.language, "de");
        let fr = read(
            "Facture incorrecte",
            "Bonjour, la dernière facture est incorrecte, pouvez-vous corriger le montant s'il vous plaît?",
        );
        assert_eq!(fr.language, "fr");
        assert_eq!(read("Help", "pls").language, "und");
        assert_eq!(read("", "").language, "und");
        assert_eq!(iso639_1(whatlang::Lang::Cmn), "zh");
        assert_eq!(iso639_1(whatlang::Lang::Pes), "fa");
        for lang in whatlang::Lang::all() {
            assert_eq!(iso639_1(*lang).len(), 2, "{lang:?}");
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        let huge = "\u{1F600}\u{0301} x\u{200D}".repeat(50_000);
        let s = read(&huge, "\0\u{FFFF}");
        assert!((-1.0..=1.0).contains(&s.sentiment));
        assert!((0.0..=1.0).contains(&s.urgency));
    }
}
