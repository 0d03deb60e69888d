//! A server's triage result (proto) back in the domain form, so `--server` writes the same JSON as
//! a local run.

use crate::{
    domain::FieldViolation,
    grpc::convert::{category_from_proto, from_timestamp, priority_from_proto, status_from_proto},
    proto,
    triage::{
        TriageResult,
        result::{
            CategorySource, Classification, Escalation, EscalationLevel, Predictor, QueuePrediction, QueueSource,
            ScoreComponent, Signals, SimilarTicket,
        },
    },
};

/// The domain result of a proto result, or which field of it is wrong.
pub fn result_from_proto(result: proto::TriageResult) -> Result<TriageResult, FieldViolation> {
    let bad = |field: &str, description: String| FieldViolation { field: format!("result.{field}"), description };
    let missing = |field: &str| bad(field, "missing in the server's answer".into());
    let c = result.classification.ok_or_else(|| missing("classification"))?;
    let category =
        |field: &str, value: i32| category_from_proto(value).map_err(|e| bad(field, e))?.ok_or_else(|| missing(field));
    let escalation = result.escalation.ok_or_else(|| missing("escalation"))?;
    let signals = result.signals.unwrap_or_default();
    let time = |field: &str, ts: Option<prost_types::Timestamp>| {
        ts.ok_or_else(|| missing(field)).and_then(|ts| from_timestamp(&ts).map_err(|e| bad(field, e)))
    };
    Ok(TriageResult {
        ticket_id: result.ticket_id,
        classification: Classification {
            category: category("classification.category", c.category)?,
            source: source_from_proto(c.source).map_err(|e| bad("classification.source", e))?,
            confidence: c.confidence,
            predicted_category: category("classification.predicted_category", c.predicted_category)?,
            predicted_confidence: c.predicted_confidence,
            disagreement: c.disagreement,
            predicted_by: match proto::PredictionSource::try_from(c.predicted_by) {
                Ok(proto::PredictionSource::Model) => Predictor::Model,
                _ => Predictor::Lexicon,
            },
        },
        priority: priority_from_proto(result.priority)
            .map_err(|e| bad("priority", e))?
            .ok_or_else(|| missing("priority"))?,
        declared_priority: priority_from_proto(result.declared_priority).ok().flatten(),
        score: result.score,
        components: result
            .score_components
            .into_iter()
            .map(|c| ScoreComponent {
                name: c.name,
                raw_value: c.raw_value,
                weight: c.weight,
                contribution: c.contribution,
                detail: c.detail,
            })
            .collect(),
        queue: result.queue,
        matched_rule: result.matched_rule,
        queue_source: match proto::QueueSource::try_from(result.queue_source) {
            Ok(proto::QueueSource::Rule) => QueueSource::Rule,
            Ok(proto::QueueSource::Model) => QueueSource::Model,
            _ => QueueSource::Default,
        },
        queue_prediction: result.queue_prediction.map(|p| QueuePrediction {
            queue: p.queue,
            confidence: p.confidence,
            confident: p.confident,
        }),
        matched_rules: result.matched_rules,
        similar_tickets: result
            .similar_tickets
            .into_iter()
            .map(|s| SimilarTicket { ticket_id: s.ticket_id, similarity: s.similarity })
            .collect(),
        escalation: Escalation {
            escalated: escalation.escalated,
            level: level_from_proto(escalation.level).map_err(|e| bad("escalation.level", e))?,
            reason: escalation.reason,
            // The wire carries the reason in words only.
            causes: Vec::new(),
        },
        sla_due_at: time("sla_due_at", result.sla_due_at)?,
        signals: Signals {
            urgency_phrases: signals.urgency_phrases,
            urgency: signals.urgency,
            sentiment: signals.sentiment,
            language: signals.language,
        },
        explanation: result.explanation,
        from_cache: result.from_cache,
        rules_version: result.rules_version,
        tags: result.tags,
        status: status_from_proto(result.status).map_err(|e| bad("status", e))?.ok_or_else(|| missing("status"))?,
        triaged_at: time("triaged_at", result.triaged_at)?,
    })
}

fn source_from_proto(value: i32) -> Result<CategorySource, String> {
    use proto::CategorySource as P;
    match P::try_from(value) {
        Ok(P::Requester) => Ok(CategorySource::Requester),
        Ok(P::Predicted) => Ok(CategorySource::Predicted),
        Ok(P::Fallback) => Ok(CategorySource::Fallback),
        Ok(P::Model) => Ok(CategorySource::Model),
        _ => Err(format!("unexpected value {value}")),
    }
}

fn level_from_proto(value: i32) -> Result<EscalationLevel, String> {
    use proto::EscalationLevel as P;
    match P::try_from(value) {
        Ok(P::None) => Ok(EscalationLevel::None),
        Ok(P::Supervisor) => Ok(EscalationLevel::Supervisor),
        Ok(P::OnCall) => Ok(EscalationLevel::OnCall),
        _ => Err(format!("unexpected value {value}")),
    }
}
