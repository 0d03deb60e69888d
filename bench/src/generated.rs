//! Varied tickets made up when no tickets file is at hand (a fresh clone without ../shared): every
//! combination of a product, a problem and a tone, so the triage sees different words, categories
//! and urgencies rather than one text again and again.

use crate::tickets::Record;

const PRODUCTS: [&str; 8] = [
    "the VPN client",
    "the billing portal",
    "my account",
    "the mobile app",
    "the reporting dashboard",
    "single sign-on",
    "the API",
    "the invoice export",
];
const PROBLEMS: [(&str, &str, &str); 8] = [
    ("is down", "Nobody on our team can reach it since this morning; it looks like an outage.", "high"),
    (
        "charged us twice",
        "The last invoice shows the same subscription twice and the card was charged twice.",
        "medium",
    ),
    ("cannot log in", "I cannot log in after the password reset; the page says the token expired.", "high"),
    ("is very slow", "Pages take half a minute to load and exports time out now and then.", "medium"),
    (
        "shows a security warning",
        "We saw a login from an unknown country and fear a breach of the account.",
        "critical",
    ),
    ("needs a dark mode", "It would be great to have a dark theme and keyboard shortcuts for the main views.", "low"),
    ("crashes on start", "After the latest update it crashes right after the splash screen with error 500.", "high"),
    ("question about plans", "Could you tell me how the team plan differs from the business plan?", "low"),
];
const TONES: [&str; 4] = [
    "",
    " This is urgent, we have a deadline today.",
    " Thanks a lot for your help, no rush.",
    " This is the third time I write about it and I am really frustrated.",
];

/// `PRODUCTS x PROBLEMS x TONES` records (256), each with its own requester.
pub fn records() -> Vec<Record> {
    let mut records = Vec::with_capacity(PRODUCTS.len() * PROBLEMS.len() * TONES.len());
    for (p, product) in PRODUCTS.iter().enumerate() {
        for (q, (symptom, detail, priority)) in PROBLEMS.iter().enumerate() {
            for (t, tone) in TONES.iter().enumerate() {
                let n = (p * PROBLEMS.len() + q) * TONES.len() + t;
                let mut title = format!("{product} {symptom}");
                title[..1].make_ascii_uppercase();
                records.push(Record {
                    title,
                    description: format!("Hello, {product} {symptom}. {detail}{tone}"),
                    requester_email: format!("requester-{n:04}@example.com"),
                    priority: Some((*priority).to_owned()),
                    tags: vec![format!("generated-{q}")],
                });
            }
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_differs() {
        let records = records();
        assert_eq!(records.len(), 256);
        let texts: std::collections::HashSet<(String, String)> =
            records.iter().map(|r| (r.title.clone(), r.description.clone())).collect();
        assert_eq!(texts.len(), records.len());
        assert!(records[0].title.starts_with("The VPN client"), "{}", records[0].title);
    }
}
