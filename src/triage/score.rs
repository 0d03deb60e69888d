//! The urgency score: six weighted components (declared priority, urgency language, negative
//! sentiment, category risk, age, customer tier), each explained, and the priority bands it raises.

use chrono::{DateTime, Utc};

use super::{
    result::{ScoreComponent, Signals},
    settings::{PriorityBands, TriageSettings},
    text::hours,
};
use crate::domain::{Category, Priority, Ticket};

/// The score and every component behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Sum of the contributions, in [0, 1].
    pub value: f64,
    /// The components in a fixed order: priority, urgency, sentiment, category_risk, age, tier.
    pub components: Vec<ScoreComponent>,
}

/// Whole hours from `created_at` to `now` (0 for a ticket from the future). Whole hours keep the
/// result stable within an hour, which the cache relies on.
pub fn age_hours(created_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    now.signed_duration_since(created_at).num_hours().max(0)
}

/// How risky a category is, from SECURITY (1) down to FEATURE_REQUEST (0.1).
pub fn category_risk(category: Category) -> f64 {
    match category {
        Category::Security => 1.0,
        Category::Technical => 0.6,
        Category::Bug => 0.6,
        Category::Account => 0.5,
        Category::Billing => 0.4,
        Category::General => 0.2,
        Category::FeatureRequest => 0.1,
    }
}

/// The tier component from the `tier` metadata key, with its detail.
fn tier(ticket: &Ticket) -> (f64, String) {
    let Some(tier) = ticket.metadata.get("tier").map(|t| t.trim().to_lowercase()) else {
        return (0.2, "no tier given".to_owned());
    };
    let value = match tier.as_str() {
        "enterprise" | "platinum" => 1.0,
        "gold" | "premium" => 0.7,
        "silver" | "business" => 0.4,
        "free" | "basic" => 0.0,
        _ => return (0.2, format!("unknown tier {tier:?}")),
    };
    (value, format!("tier {tier}"))
}

/// Scores a ticket whose category has been decided.
pub fn score(
    ticket: &Ticket,
    category: Category,
    signals: &Signals,
    settings: &TriageSettings,
    now: DateTime<Utc>,
) -> Score {
    let weights = settings.weights.get();
    let threshold = settings.escalation_threshold.get();
    let age = age_hours(ticket.created_at, now);
    let declared = if ticket.priority_given { "declared" } else { "default" };
    let urgency_detail = if signals.urgency_phrases.is_empty() {
        "no urgency phrases".to_owned()
    } else {
        format!("phrases: {}", signals.urgency_phrases.join(", "))
    };
    let sentiment_detail = if signals.sentiment < 0.0 {
        format!("negative sentiment {:.2}", signals.sentiment)
    } else {
        format!("not negative ({:.2})", signals.sentiment)
    };
    let (tier_value, tier_detail) = tier(ticket);
    let parts = [
        ("priority", ticket.priority.weight(), weights.priority, format!("{declared} {}", ticket.priority)),
        ("urgency", signals.urgency, weights.urgency, urgency_detail),
        ("sentiment", (-signals.sentiment).max(0.0), weights.sentiment, sentiment_detail),
        ("category_risk", category_risk(category), weights.category_risk, format!("category {category}")),
        (
            "age",
            (age as f64 / threshold).min(1.0),
            weights.age,
            format!("{age} h old of {} h threshold", hours(threshold)),
        ),
        ("tier", tier_value, weights.tier, tier_detail),
    ];
    let components: Vec<ScoreComponent> = parts
        .into_iter()
        .map(|(name, raw, weight, detail)| {
            let raw = if raw.is_finite() { raw.clamp(0.0, 1.0) } else { 0.0 };
            ScoreComponent { name: name.to_owned(), raw_value: raw, weight, contribution: raw * weight, detail }
        })
        .collect();
    let value = components.iter().map(|c| c.contribution).sum::<f64>().clamp(0.0, 1.0);
    Score { value, components }
}

/// The declared priority raised (never lowered) by the score: to CRITICAL from `bands.critical`,
/// to at least HIGH from `bands.high`.
pub fn banded_priority(declared: Priority, score: f64, bands: &PriorityBands) -> Priority {
    if score >= bands.critical {
        Priority::Critical
    } else if score >= bands.high {
        declared.max(Priority::High)
    } else {
        declared
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::testing::{self, now};

    fn ticket(priority: Priority, tier: Option<&str>, created_at: DateTime<Utc>) -> Ticket {
        let mut t = testing::ticket("t", "d");
        t.priority = priority;
        t.created_at = created_at;
        if let Some(tier) = tier {
            t.metadata.insert("tier".into(), tier.into());
        }
        t
    }

    #[test]
    fn components_add_up_to_the_score_with_weights_summing_to_one() {
        let t = ticket(Priority::High, Some("Gold"), now() - Duration::minutes(30 * 60 + 59));
        let signals = Signals {
            urgency_phrases: vec!["outage".into(), "all users".into()],
            urgency: 0.76,
            sentiment: -0.5,
            language: "en".into(),
        };
        let s = score(&t, Category::Technical, &signals, &TriageSettings::default(), now());
        let names: Vec<&str> = s.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["priority", "urgency", "sentiment", "category_risk", "age", "tier"]);
        let weight_sum: f64 = s.components.iter().map(|c| c.weight).sum();
        assert!((weight_sum - 1.0).abs() < 1e-9);
        let sum: f64 = s.components.iter().map(|c| c.contribution).sum();
        assert!((sum - s.value).abs() < 1e-12);
        let raw: Vec<f64> = s.components.iter().map(|c| c.raw_value).collect();
        assert_eq!(raw, [2.0 / 3.0, 0.76, 0.5, 0.6, 1.0, 0.7]);
        let expected = 0.3 * 2.0 / 3.0 + 0.25 * 0.76 + 0.1 * 0.5 + 0.15 * 0.6 + 0.1 * 1.0 + 0.1 * 0.7;
        assert!((s.value - expected).abs() < 1e-9);
        let details: Vec<&str> = s.components.iter().map(|c| c.detail.as_str()).collect();
        assert_eq!(
            details,
            [
                "declared HIGH",
                "phrases: outage, all users",
                "negative sentiment -0.50",
                "category TECHNICAL",
                "30 h old of 24 h threshold",
                "tier gold"
            ]
        );
    }

    #[test]
    fn age_uses_whole_hours_and_caps_at_one() {
        let settings = TriageSettings::default();
        let calm = Signals::default();
        let fresh = score(
            &ticket(Priority::Low, None, now() - Duration::minutes(59)),
            Category::General,
            &calm,
            &settings,
            now(),
        );
        assert_eq!(fresh.components[4].raw_value, 0.0);
        let half = score(
            &ticket(Priority::Low, None, now() - Duration::minutes(12 * 60 + 59)),
            Category::General,
            &calm,
            &settings,
            now(),
        );
        assert_eq!(half.components[4].raw_value, 0.5);
        let old =
            score(&ticket(Priority::Low, None, now() - Duration::days(9)), Category::General, &calm, &settings, now());
        assert_eq!(old.components[4].raw_value, 1.0);
        let future =
            score(&ticket(Priority::Low, None, now() + Duration::hours(3)), Category::General, &calm, &settings, now());
        assert_eq!(future.components[4].raw_value, 0.0);
    }

    #[test]
    fn tiers_and_categories_have_their_values() {
        let settings = TriageSettings::default();
        let tier_of = |tier: Option<&str>| {
            score(&ticket(Priority::Low, tier, now()), Category::General, &Signals::default(), &settings, now())
                .components[5]
                .clone()
        };
        assert_eq!(tier_of(Some("enterprise")).raw_value, 1.0);
        assert_eq!(tier_of(Some("Premium")).raw_value, 0.7);
        assert_eq!(tier_of(Some("business")).raw_value, 0.4);
        assert_eq!(tier_of(Some("free")).raw_value, 0.0);
        assert_eq!(tier_of(None).raw_value, 0.2);
        assert_eq!(tier_of(Some("wood")).detail, "unknown tier \"wood\"");
        assert_eq!(category_risk(Category::Security), 1.0);
        assert_eq!(category_risk(Category::FeatureRequest), 0.1);
    }

    #[test]
    fn bands_raise_but_never_lower_the_priority() {
        let bands = PriorityBands::default();
        assert_eq!(banded_priority(Priority::Medium, 0.59, &bands), Priority::Medium);
        assert_eq!(banded_priority(Priority::Medium, 0.60, &bands), Priority::High);
        assert_eq!(banded_priority(Priority::Low, 0.79, &bands), Priority::High);
        assert_eq!(banded_priority(Priority::Medium, 0.80, &bands), Priority::Critical);
        assert_eq!(banded_priority(Priority::Critical, 0.0, &bands), Priority::Critical);
        assert_eq!(banded_priority(Priority::Critical, 0.65, &bands), Priority::Critical);
    }
}
