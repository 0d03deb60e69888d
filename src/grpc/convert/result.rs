//! Result and audit conversions: triage results and audit entries to their proto form.

use super::{category_to_proto, priority_to_proto, status_to_proto, timestamp};
use crate::{
    domain::{AuditEntry, ChainSignature, SignatureKind},
    grpc::convert::enums::{level_to_proto, predictor_to_proto, queue_source_to_proto, source_to_proto},
    proto,
    triage::TriageResult,
};

/// The proto form of a triage result.
pub fn result_to_proto(result: &TriageResult) -> proto::TriageResult {
    let c = &result.classification;
    proto::TriageResult {
        ticket_id: result.ticket_id.clone(),
        classification: Some(proto::Classification {
            category: category_to_proto(Some(c.category)),
            source: source_to_proto(c.source),
            confidence: c.confidence,
            predicted_category: category_to_proto(Some(c.predicted_category)),
            predicted_confidence: c.predicted_confidence,
            disagreement: c.disagreement,
            predicted_by: predictor_to_proto(c.predicted_by),
        }),
        priority: priority_to_proto(result.priority),
        declared_priority: result.declared_priority.map_or(0, priority_to_proto),
        score: result.score,
        score_components: result
            .components
            .iter()
            .map(|c| proto::ScoreComponent {
                name: c.name.clone(),
                raw_value: c.raw_value,
                weight: c.weight,
                contribution: c.contribution,
                detail: c.detail.clone(),
            })
            .collect(),
        queue: result.queue.clone(),
        matched_rule: result.matched_rule.clone(),
        escalation: Some(proto::Escalation {
            escalated: result.escalation.escalated,
            level: level_to_proto(result.escalation.level),
            reason: result.escalation.reason.clone(),
        }),
        sla_due_at: Some(timestamp(result.sla_due_at)),
        signals: Some(proto::Signals {
            urgency_phrases: result.signals.urgency_phrases.clone(),
            urgency: result.signals.urgency,
            sentiment: result.signals.sentiment,
            language: result.signals.language.clone(),
        }),
        explanation: result.explanation.clone(),
        from_cache: result.from_cache,
        rules_version: result.rules_version.clone(),
        tags: result.tags.clone(),
        status: status_to_proto(result.status),
        triaged_at: Some(timestamp(result.triaged_at)),
        queue_source: queue_source_to_proto(result.queue_source),
        queue_prediction: result.queue_prediction.as_ref().map(|p| proto::QueuePrediction {
            queue: p.queue.clone(),
            confidence: p.confidence,
            confident: p.confident,
        }),
        matched_rules: result.matched_rules.clone(),
        similar_tickets: result
            .similar_tickets
            .iter()
            .map(|s| proto::SimilarTicket { ticket_id: s.ticket_id.clone(), similarity: s.similarity })
            .collect(),
    }
}

/// A chain signature as sent in an export.
pub fn signature_to_proto(signature: &ChainSignature) -> proto::ChainSignature {
    let kind = match signature.head.kind {
        SignatureKind::Commit => proto::ChainSignatureKind::Commit,
        SignatureKind::Export => proto::ChainSignatureKind::Export,
    };
    proto::ChainSignature {
        kind: kind as i32,
        sequence: u64::try_from(signature.head.sequence).unwrap_or_default(),
        head_hash: signature.head.head_hash.clone(),
        first_sequence: u64::try_from(signature.head.first_sequence).unwrap_or_default(),
        anchor_sequence: u64::try_from(signature.head.anchor_sequence).unwrap_or_default(),
        anchor_hash: signature.head.anchor_hash.clone(),
        key_id: signature.key_id.clone(),
        signature: signature.signature.clone(),
        signed_at: Some(timestamp(signature.signed_at)),
    }
}

/// The proto form of an audit entry.
pub fn audit_to_proto(entry: &AuditEntry) -> proto::AuditEntry {
    let r = &entry.record;
    proto::AuditEntry {
        sequence: u64::try_from(entry.sequence).unwrap_or_default(),
        ticket_id: r.ticket_id.clone().unwrap_or_default(),
        action: r.action.clone(),
        actor: r.actor.clone(),
        created_at: Some(timestamp(r.created_at)),
        details_json: r.details_json.clone(),
        rules_version: r.rules_version.clone().unwrap_or_default(),
        prev_hash: entry.prev_hash.clone(),
        hash: entry.hash.clone(),
    }
}
