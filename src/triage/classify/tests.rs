//! Unit tests of classification.

use super::*;

#[test]
fn clear_examples_are_predicted_with_confidence() {
    let cases = [
        ("Refund for double charge", "We were charged twice on the last invoice, please refund.", Category::Billing),
        (
            "API returns 500 errors",
            "Our server gets timeouts and errors from the API since this morning.",
            Category::Technical,
        ),
        ("Password reset", "I forgot my password and I am locked out of my account.", Category::Account),
        ("Suspicious login from Russia", "We think the account was hacked; possible breach.", Category::Security),
        (
            "Feature request: dark mode",
            "It would be nice to have an option to switch to dark mode.",
            Category::FeatureRequest,
        ),
        (
            "Bug: totals are wrong",
            "Steps to reproduce: open a report; expected 10, got 12. Looks like a regression.",
            Category::Bug,
        ),
        ("Question about opening hours", "How do I contact you on weekends?", Category::General),
    ];
    for (title, description, expected) in cases {
        let p = predict(title, description);
        assert_eq!(p.category, expected, "{title}");
        assert!(p.confidence >= 0.5 && p.confidence < 1.0, "{title}: {}", p.confidence);
        let c = classify(title, description, None, None);
        assert_eq!((c.category, c.source, c.confidence), (expected, CategorySource::Predicted, p.confidence));
    }
}

#[test]
fn the_title_counts_more_than_the_description() {
    let p = predict("Invoice", "the server");
    assert_eq!(p.category, Category::Billing);
    assert!((p.confidence - 6.0 / 9.0).abs() < 1e-9, "{}", p.confidence);
}

#[test]
fn no_evidence_falls_back_to_general() {
    let c = classify("Hello", "Lorem ipsum dolor sit amet.", None, None);
    assert_eq!(c.category, Category::General);
    assert_eq!(c.source, CategorySource::Fallback);
    assert_eq!(c.confidence, 0.0);
    assert!(!c.disagreement);
    assert_eq!(classify("", "", None, None).source, CategorySource::Fallback);
}

#[test]
fn the_requester_category_is_kept_and_a_confident_disagreement_noted() {
    let c = classify("Invoice charged twice", "Please refund the double payment.", Some(Category::Technical), None);
    assert_eq!((c.category, c.source, c.confidence), (Category::Technical, CategorySource::Requester, 1.0));
    assert_eq!(c.predicted_category, Category::Billing);
    assert!(c.predicted_confidence >= DISAGREEMENT_CONFIDENCE);
    assert!(c.disagreement);

    let agree = classify("Invoice charged twice", "Please refund the double payment.", Some(Category::Billing), None);
    assert!(!agree.disagreement);
    let weak = classify("Hello", "something about the plan", Some(Category::Technical), None);
    assert_eq!(weak.predicted_category, Category::Billing);
    assert!(!weak.disagreement, "{}", weak.predicted_confidence);
}
