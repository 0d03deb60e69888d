//! The targets of issue 12, each checked against figures of the same run: met, missed by how much,
//! or not measured in this run.

use serde::Serialize;

use crate::format;

/// Which way a target points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The figure must be at least the limit.
    AtLeast,
    /// The figure must be at most the limit.
    AtMost,
}

/// One target and how this run did against it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetCheck {
    /// The target in words, as the issue states it.
    pub target: String,
    /// What was measured, in words with its unit.
    pub measured_text: String,
    /// The measured figure (NaN when not measured).
    pub measured: f64,
    /// The limit, in the same unit.
    pub limit: f64,
    /// Which way the limit points.
    pub bound: Bound,
    /// `met`, `missed` or `not measured`.
    pub status: String,
    /// How far off: the factor the figure must still improve by (1 when met).
    pub factor: f64,
}

impl TargetCheck {
    /// Checks `measured` against `limit`; a NaN `measured` is "not measured".
    pub fn check(target: &str, measured_text: String, measured: f64, bound: Bound, limit: f64) -> TargetCheck {
        let (status, factor) = if !measured.is_finite() {
            ("not measured", f64::NAN)
        } else {
            let met = match bound {
                Bound::AtLeast => measured >= limit,
                Bound::AtMost => measured <= limit,
            };
            let factor = match bound {
                Bound::AtLeast => format::divide(limit, measured),
                Bound::AtMost => format::divide(measured, limit),
            };
            if met { ("met", 1.0) } else { ("missed", factor) }
        };
        TargetCheck {
            target: target.to_owned(),
            measured_text,
            measured,
            limit,
            bound,
            status: status.to_owned(),
            factor,
        }
    }

    /// `met`, `missed: needs 25x more`, `missed: 1.3x over`, or `not measured`.
    pub fn verdict(&self) -> String {
        match (self.status.as_str(), self.bound) {
            ("missed", Bound::AtLeast) if self.factor.is_finite() => {
                format!("missed: needs {} of today's figure", format::ratio(self.factor))
            }
            ("missed", Bound::AtLeast) => "missed: nothing measured above zero".to_owned(),
            ("missed", Bound::AtMost) => format!("missed: {} over the limit", format::ratio(self.factor)),
            (status, _) => status.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn met_missed_and_not_measured() {
        let met = TargetCheck::check("dry run >= 0.4x", "0.5x".into(), 0.5, Bound::AtLeast, 0.4);
        assert_eq!((met.status.as_str(), met.verdict()), ("met", "met".to_owned()));
        let low = TargetCheck::check("dry run >= 0.4x", "0.05x".into(), 0.05, Bound::AtLeast, 0.4);
        assert_eq!(low.status, "missed");
        assert!((low.factor - 8.0).abs() < 1e-9);
        assert_eq!(low.verdict(), "missed: needs 8.00x of today's figure");
        let high = TargetCheck::check("RSS <= 150 MiB", "300 MiB".into(), 300.0, Bound::AtMost, 150.0);
        assert_eq!(high.verdict(), "missed: 2.00x over the limit");
        let none = TargetCheck::check("flat RSS", "no soak".into(), f64::NAN, Bound::AtMost, 1.1);
        assert_eq!(none.verdict(), "not measured");
    }
}
