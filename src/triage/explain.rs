//! The triage decision in a few sentences: category, score, priority, queue, escalation, SLA.

use std::fmt::{self, Write as _};

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

/// Starts the explanation's last sentence, the one the clock decides.
const DUE: &str = " First response due ";

/// The decision in words, written into one buffer.
pub fn explain(d: &Decision<'_>) -> String {
    let mut out = String::with_capacity(320);
    // Writing into a String cannot fail.
    let _ = write_decision(&mut out, d);
    push_due(&mut out, d.sla_due_at);
    out
}

/// The same explanation with its last sentence saying `sla_due_at` (a cached decision for a ticket
/// created at another time).
pub fn with_due(explanation: &str, sla_due_at: DateTime<Utc>) -> String {
    let head = explanation.rfind(DUE).unwrap_or(explanation.len());
    let mut out = String::with_capacity(head + DUE.len() + 21);
    out.push_str(&explanation[..head]);
    push_due(&mut out, sla_due_at);
    out
}

/// Appends the sentence that says when the first response is due.
fn push_due(out: &mut String, sla_due_at: DateTime<Utc>) {
    out.push_str(DUE);
    let _ = write!(out, "{}.", sla_due_at.to_rfc3339_opts(SecondsFormat::Secs, true));
}

/// Every sentence but the last.
fn write_decision(out: &mut String, d: &Decision<'_>) -> fmt::Result {
    let c = d.classification;
    match c.source {
        CategorySource::Requester => write!(out, "Category {} (given by the requester).", c.category)?,
        CategorySource::Predicted => write!(out, "Category {} (predicted, {:.2}).", c.category, c.confidence)?,
        CategorySource::Model => write!(out, "Category {} (predicted by the model, {:.2}).", c.category, c.confidence)?,
        CategorySource::Fallback => {
            write!(out, "Category {} (fallback: nothing in the text pointed elsewhere).", c.category)?
        }
    }
    if c.disagreement {
        write!(out, " The text suggests {} instead ({:.2}).", c.predicted_category, c.predicted_confidence)?;
    }
    write!(out, " Score {:.2}: ", d.score)?;
    for (i, p) in d.components.iter().enumerate() {
        out.push_str(if i == 0 { "" } else { ", " });
        out.extend(p.name.chars().map(|c| if c == '_' { ' ' } else { c }));
        write!(out, " {:.2}", shown(p.contribution))?;
    }
    out.push('.');
    if d.banded > d.declared {
        let band = if d.banded == Priority::Critical { d.bands.critical } else { d.bands.high };
        write!(out, " Priority raised from {} to {} (score >= {band:.2}).", d.declared, d.banded)?;
    } else if d.priority_given {
        write!(out, " Priority {} as declared.", d.declared)?;
    } else {
        write!(out, " Priority {} (the default).", d.declared)?;
    }
    if let Some((priority, rule)) = &d.routing.set_priority {
        write!(out, " Priority set to {priority} by rule {rule:?}.")?;
    }
    let queue = &d.routing.queue;
    match (d.queue_source, d.queue_prediction) {
        (QueueSource::Rule, _) => write!(out, " Routed to {queue} by rule {:?}.", d.routing.matched_rule)?,
        (QueueSource::Model, Some(p)) => write!(out, " Routed to {queue} by the queue model ({:.2}).", p.confidence)?,
        (_, Some(p)) => write!(
            out,
            " Routed to {queue} (the default queue; the queue model's {} at {:.2} is below its threshold).",
            p.queue, p.confidence
        )?,
        (_, None) => write!(out, " Routed to {queue} (the default queue).")?,
    }
    if let Some((hours, rule)) = &d.routing.sla_hours {
        write!(out, " Response target {hours} h set by rule {rule:?}.")?;
    }
    if let Some(first) = d.similar.first() {
        write!(out, " Looks like {} earlier ticket(s): ", d.similar.len())?;
        for (i, s) in d.similar.iter().enumerate() {
            out.push_str(if i == 0 { "" } else { ", " });
            out.push_str(&s.ticket_id);
        }
        write!(out, " (similarity up to {:.2}).", first.similarity)?;
    }
    if !d.routing.tags.is_empty() {
        write!(out, " Tagged {}.", d.routing.tags.join(", "))?;
    }
    match d.escalation.level {
        EscalationLevel::None => out.push_str(" Not escalated."),
        EscalationLevel::Supervisor => write!(out, " Escalated to a supervisor: {}.", d.escalation.reason)?,
        EscalationLevel::OnCall => write!(out, " Escalated to on-call: {}.", d.escalation.reason)?,
    }
    Ok(())
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
    fn only_the_due_sentence_changes_with_the_time() {
        let text = "Category GENERAL (given by the requester). Routed to q. First response due 2026-11-27T12:00:00Z.";
        let later = now() + chrono::Duration::hours(3);
        assert_eq!(
            with_due(text, later),
            "Category GENERAL (given by the requester). Routed to q. First response due 2026-11-27T15:00:00Z."
        );
    }

    #[test]
    fn a_contribution_that_rounds_to_zero_has_no_minus_sign() {
        assert_eq!(format!("{:.2}", shown(-0.0001)), "0.00");
        assert_eq!(format!("{:.2}", shown(-0.013)), "-0.01");
        assert_eq!(format!("{:.2}", shown(0.456)), "0.46");
    }
}
