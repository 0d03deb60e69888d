//! The triage decision in a few sentences: category, score, priority, queue, escalation, SLA.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{
    result::{
        CategorySource, Classification, Escalation, EscalationLevel, QueuePrediction, QueueSource, ScoreComponent,
        SimilarTicket,
    },
    rules::Routing,
    settings::PriorityBands,
};
use crate::domain::Priority;

/// Everything the explanation speaks of.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    /// Category decision.
    pub classification: &'a Classification,
    /// Score.
    pub score: f64,
    /// Score components.
    pub components: &'a [ScoreComponent],
    /// Priority declared (or defaulted) on the ticket.
    pub declared: Priority,
    /// Whether the requester declared it.
    pub priority_given: bool,
    /// Priority after the score bands.
    pub banded: Priority,
    /// Bands in force.
    pub bands: &'a PriorityBands,
    /// Routing decision.
    pub routing: &'a Routing,
    /// Where the queue came from.
    pub queue_source: QueueSource,
    /// What the queue model predicted.
    pub queue_prediction: Option<&'a QueuePrediction>,
    /// Earlier tickets that look like the same request.
    pub similar: &'a [SimilarTicket],
    /// Escalation decision.
    pub escalation: &'a Escalation,
    /// First response due.
    pub sla_due_at: DateTime<Utc>,
}

/// `x` rounded to two decimals, with a negative value that rounds to zero shown as 0.00, not -0.00.
fn shown(x: f64) -> f64 {
    let rounded = (x * 100.0).round() / 100.0;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// The decision in words.
pub fn explain(d: &Decision<'_>) -> String {
    let c = d.classification;
    let mut out = match c.source {
        CategorySource::Requester => format!("Category {} (given by the requester).", c.category),
        CategorySource::Predicted => format!("Category {} (predicted, {:.2}).", c.category, c.confidence),
        CategorySource::Model => format!("Category {} (predicted by the model, {:.2}).", c.category, c.confidence),
        CategorySource::Fallback => {
            format!("Category {} (fallback: nothing in the text pointed elsewhere).", c.category)
        }
    };
    if c.disagreement {
        out.push_str(&format!(" The text suggests {} instead ({:.2}).", c.predicted_category, c.predicted_confidence));
    }
    let parts: Vec<String> =
        d.components.iter().map(|p| format!("{} {:.2}", p.name.replace('_', " "), shown(p.contribution))).collect();
    out.push_str(&format!(" Score {:.2}: {}.", d.score, parts.join(", ")));
    if d.banded > d.declared {
        let band = if d.banded == Priority::Critical { d.bands.critical } else { d.bands.high };
        out.push_str(&format!(" Priority raised from {} to {} (score >= {band:.2}).", d.declared, d.banded));
    } else if d.priority_given {
        out.push_str(&format!(" Priority {} as declared.", d.declared));
    } else {
        out.push_str(&format!(" Priority {} (the default).", d.declared));
    }
    if let Some((priority, rule)) = &d.routing.set_priority {
        out.push_str(&format!(" Priority set to {priority} by rule {rule:?}."));
    }
    match (d.queue_source, d.queue_prediction) {
        (QueueSource::Rule, _) => {
            out.push_str(&format!(" Routed to {} by rule {:?}.", d.routing.queue, d.routing.matched_rule))
        }
        (QueueSource::Model, Some(p)) => {
            out.push_str(&format!(" Routed to {} by the queue model ({:.2}).", d.routing.queue, p.confidence))
        }
        (_, Some(p)) => out.push_str(&format!(
            " Routed to {} (the default queue; the queue model's {} at {:.2} is below its threshold).",
            d.routing.queue, p.queue, p.confidence
        )),
        (_, None) => out.push_str(&format!(" Routed to {} (the default queue).", d.routing.queue)),
    }
    if let Some((hours, rule)) = &d.routing.sla_hours {
        out.push_str(&format!(" Response target {hours} h set by rule {rule:?}."));
    }
    if let Some(first) = d.similar.first() {
        let ids: Vec<&str> = d.similar.iter().map(|s| s.ticket_id.as_str()).collect();
        out.push_str(&format!(
            " Looks like {} earlier ticket(s): {} (similarity up to {:.2}).",
            d.similar.len(),
            ids.join(", "),
            first.similarity
        ));
    }
    if !d.routing.tags.is_empty() {
        out.push_str(&format!(" Tagged {}.", d.routing.tags.join(", ")));
    }
    match d.escalation.level {
        EscalationLevel::None => out.push_str(" Not escalated."),
        EscalationLevel::Supervisor => out.push_str(&format!(" Escalated to a supervisor: {}.", d.escalation.reason)),
        EscalationLevel::OnCall => out.push_str(&format!(" Escalated to on-call: {}.", d.escalation.reason)),
    }
    out.push_str(&format!(" First response due {}.", d.sla_due_at.to_rfc3339_opts(SecondsFormat::Secs, true)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{domain::Category, testing::now};

    fn component(name: &str, contribution: f64) -> ScoreComponent {
        ScoreComponent { name: name.into(), raw_value: 0.0, weight: 0.0, contribution, detail: String::new() }
    }

    #[test]
    fn the_explanation_names_every_decision() {
        let classification = Classification {
            category: Category::Billing,
            source: CategorySource::Requester,
            confidence: 1.0,
            predicted_category: Category::Technical,
            predicted_confidence: 0.82,
            predicted_by: Default::default(),
            disagreement: true,
        };
        let components = [component("priority", 0.2), component("category_risk", 0.09)];
        let routing = Routing {
            queue: "incident-response".into(),
            matched_rule: "outages".into(),
            matched_rules: vec!["outages".into()],
            set_priority: None,
            tags: vec!["outage".into()],
            escalated_by: None,
            sla_hours: None,
        };
        let escalation =
            Escalation::new(EscalationLevel::OnCall, vec![crate::triage::result::EscalationCause::CriticalPriority]);
        let text = explain(&Decision {
            classification: &classification,
            score: 0.81,
            components: &components,
            declared: Priority::Medium,
            priority_given: true,
            banded: Priority::Critical,
            bands: &PriorityBands::default(),
            routing: &routing,
            queue_source: QueueSource::Rule,
            queue_prediction: None,
            similar: &[],
            escalation: &escalation,
            sla_due_at: now(),
        });
        assert_eq!(
            text,
            "Category BILLING (given by the requester). The text suggests TECHNICAL instead (0.82). \
             Score 0.81: priority 0.20, category risk 0.09. Priority raised from MEDIUM to CRITICAL (score >= 0.80). \
             Routed to incident-response by rule \"outages\". Tagged outage. Escalated to on-call: critical priority. \
             First response due 2026-11-27T12:00:00Z."
        );
    }

    #[test]
    fn a_contribution_that_rounds_to_zero_has_no_minus_sign() {
        assert_eq!(format!("{:.2}", shown(-0.0001)), "0.00");
        assert_eq!(format!("{:.2}", shown(-0.013)), "-0.01");
        assert_eq!(format!("{:.2}", shown(0.456)), "0.46");
    }
}
