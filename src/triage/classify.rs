//! Category prediction from a keyword lexicon per category, and the category decision: the
//! requester's when given (with any confident disagreement noted), else the prediction.

use super::{
    lexicon::{LexiconHits, scan},
    predict::ModelUse,
    result::{CategorySource, Classification, Predictor},
    text::TicketText,
};
use crate::domain::Category;

/// Keywords per category with their weights; a word ending with `*` is a prefix. Categories are
/// listed in tie-break order: on equal scores the earlier one wins.
pub(super) const LEXICON: &[(Category, &[(&str, f64)])] = &[
    (
        Category::Security,
        &[
            ("breach*", 3.0),
            ("hacked", 3.0),
            ("phishing", 3.0),
            ("malware", 3.0),
            ("ransomware", 3.0),
            ("virus", 2.0),
            ("vulnerabilit*", 3.0),
            ("exploit*", 2.0),
            ("suspicious", 2.0),
            ("unauthorized", 2.0),
            ("unauthorised", 2.0),
            ("compromised", 3.0),
            ("security", 2.0),
            ("leak*", 2.0),
            ("stolen", 2.0),
            ("fraud*", 2.0),
            ("spam", 1.0),
            ("2fa", 1.0),
            ("mfa", 1.0),
        ],
    ),
    (
        Category::Billing,
        &[
            ("invoic*", 3.0),
            ("billing", 3.0),
            ("billed", 3.0),
            ("bill", 2.0),
            ("refund*", 3.0),
            ("charg*", 2.0),
            ("payment*", 3.0),
            ("pay", 1.0),
            ("paid", 1.5),
            ("subscription*", 2.0),
            ("credit card", 2.0),
            ("receipt*", 2.0),
            ("pricing", 2.0),
            ("price", 1.5),
            ("plan", 1.0),
            ("vat", 2.0),
            ("tax", 1.5),
            ("discount", 1.5),
            ("overcharg*", 3.0),
        ],
    ),
    (
        Category::Account,
        &[
            ("password*", 3.0),
            ("log in", 2.0),
            ("login", 2.0),
            ("sign in", 2.0),
            ("signin", 2.0),
            ("locked out", 3.0),
            ("account", 1.5),
            ("username", 2.0),
            ("profile", 1.5),
            ("permission*", 2.0),
            ("access", 1.0),
            ("sso", 2.0),
            ("reset", 1.0),
            ("two factor", 1.5),
            ("email address", 1.5),
            ("user", 0.5),
            ("users", 0.5),
        ],
    ),
    (
        Category::Bug,
        &[
            ("bug*", 3.0),
            ("defect*", 3.0),
            ("regression*", 3.0),
            ("glitch*", 2.0),
            ("wrong", 1.0),
            ("incorrect*", 1.5),
            ("unexpected*", 1.5),
            ("steps to reproduce", 3.0),
            ("reproduc*", 2.0),
            ("expected", 1.0),
            ("typo", 2.0),
            ("broken", 1.0),
            ("exception", 2.0),
            ("stack trace", 2.5),
        ],
    ),
    (
        Category::Technical,
        &[
            ("outage*", 3.0),
            ("down", 2.0),
            ("server*", 2.0),
            ("error*", 1.5),
            ("crash*", 2.0),
            ("timeout*", 2.0),
            ("timed out", 2.0),
            ("slow", 1.5),
            ("latency", 2.0),
            ("performance", 1.5),
            ("api", 2.0),
            ("database", 2.0),
            ("network", 2.0),
            ("vpn", 2.0),
            ("install*", 1.5),
            ("configur*", 1.5),
            ("integration*", 1.5),
            ("sync*", 1.5),
            ("not working", 1.5),
            ("load*", 1.0),
            ("connect*", 1.5),
            ("500", 1.5),
            ("deploy*", 1.5),
        ],
    ),
    (
        Category::FeatureRequest,
        &[
            ("feature*", 2.5),
            ("feature request", 3.0),
            ("would be nice", 3.0),
            ("would be great", 3.0),
            ("would love", 2.5),
            ("please add", 3.0),
            ("could you add", 3.0),
            ("suggest*", 2.0),
            ("enhancement*", 3.0),
            ("improvement*", 2.0),
            ("wish", 2.0),
            ("support for", 1.5),
            ("option to", 2.0),
            ("ability to", 2.0),
            ("roadmap", 2.0),
            ("dark mode", 2.0),
        ],
    ),
    (
        Category::General,
        &[
            ("question*", 1.5),
            ("how do i", 1.5),
            ("how can i", 1.5),
            ("information", 1.0),
            ("opening hours", 2.0),
            ("contact", 1.0),
            ("documentation", 1.0),
            ("where can i", 1.5),
            ("general", 1.0),
        ],
    ),
];

/// How much more a keyword in the title counts than one in the description.
const TITLE_WEIGHT: f64 = 2.0;
/// Pseudo-evidence added to the total, so a single weak hit is not a confident prediction.
const PRIOR: f64 = 1.0;
/// Prediction confidence from which a differing requester category counts as a disagreement.
pub const DISAGREEMENT_CONFIDENCE: f64 = 0.6;

/// What the text suggests: a category and the confidence in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Predicted category (GENERAL when nothing points anywhere).
    pub category: Category,
    /// Winning share of the evidence in [0, 1]; 0 when there is none.
    pub confidence: f64,
}

/// Predicts the category of a ticket from its title and description.
pub fn predict(title: &str, description: &str) -> Prediction {
    predict_from(&scan(&TicketText::new(title, description)))
}

/// Predicts the category from the lexicon hits in a ticket's text. Keyword hits are counted per
/// keyword and field, at most [`MAX_FIELD_HITS`](super::lexicon::MAX_FIELD_HITS) each, so a repeated
/// word cannot drown out the rest.
pub fn predict_from(hits: &LexiconHits) -> Prediction {
    let mut counts = hits.keywords.iter();
    let scores: Vec<(Category, f64)> = LEXICON
        .iter()
        .map(|(category, keywords)| {
            let score = keywords
                .iter()
                .zip(counts.by_ref())
                .map(|((_, weight), &[title, description])| weight * (TITLE_WEIGHT * title as f64 + description as f64))
                .sum::<f64>();
            (*category, score)
        })
        .collect();
    let total: f64 = scores.iter().map(|(_, s)| s).sum();
    let (category, best) =
        scores.iter().fold((Category::General, 0.0), |acc, &(c, s)| if s > acc.1 { (c, s) } else { acc });
    if total <= 0.0 {
        return Prediction { category: Category::General, confidence: 0.0 };
    }
    Prediction { category, confidence: (best / (total + PRIOR)).clamp(0.0, 1.0) }
}

/// The category decision for a ticket whose requester gave `given` (or nothing). A category model,
/// when given with the text it reads (title, a new line, description) and confident (its label a
/// category name), makes the prediction; the lexicon otherwise.
pub fn classify(
    title: &str,
    description: &str,
    given: Option<Category>,
    model: Option<(&ModelUse, &str)>,
) -> Classification {
    let hits = scan(&TicketText::new(title, description));
    decide(&hits, given, model.and_then(|(m, text)| learned(m, text)))
}

/// What a category model confidently predicts for `text` (its label a category name), if anything.
pub fn learned(model: &ModelUse, text: &str) -> Option<Prediction> {
    model.predict(text).filter(|(_, _, confident)| *confident).and_then(|(label, confidence, _)| {
        label.parse::<Category>().ok().map(|category| Prediction { category, confidence })
    })
}

/// The category decision from a model's confident prediction, or else from the lexicon hits.
pub fn decide(hits: &LexiconHits, given: Option<Category>, learned: Option<Prediction>) -> Classification {
    let (prediction, predicted_by) = match learned {
        Some(prediction) => (prediction, Predictor::Model),
        None => (predict_from(hits), Predictor::Lexicon),
    };
    let (category, source, confidence) = match given {
        Some(given) => (given, CategorySource::Requester, 1.0),
        None if predicted_by == Predictor::Model => (prediction.category, CategorySource::Model, prediction.confidence),
        None if prediction.confidence == 0.0 => (Category::General, CategorySource::Fallback, 0.0),
        None => (prediction.category, CategorySource::Predicted, prediction.confidence),
    };
    Classification {
        category,
        source,
        confidence,
        predicted_category: prediction.category,
        predicted_confidence: prediction.confidence,
        predicted_by,
        disagreement: given
            .is_some_and(|g| g != prediction.category && prediction.confidence >= DISAGREEMENT_CONFIDENCE),
    }
}

#[cfg(test)]
mod tests;
