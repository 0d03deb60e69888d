//! Local triage for `helpdesk triage`: validate each record and triage it with an engine built from
//! the settings; with `--store`, records are stored a chunk at a time (one transaction per chunk) in
//! the configured store as actor `cli`.

use std::sync::Arc;

use chrono::Utc;

use super::{record::Record, report::Outcome};
use crate::{
    cli::{CliError, ticket_store::open_store},
    config::Settings,
    domain::Actor,
    domain::{FieldViolation, TicketLimits, validate_draft},
    service::{BatchItem, Intake, ServiceError, ServiceErrorCode, decide_off_runtime, engine_from_settings},
    triage::TriageEngine,
};

/// Who the audit log says stored the tickets.
const ACTOR: &str = "cli";

/// Records triaged (and stored) together.
pub const CHUNK: usize = 100;

/// The engine, the limits, and the intake when tickets are kept.
pub struct LocalTriage {
    engine: Arc<TriageEngine>,
    limits: TicketLimits,
    intake: Option<Intake>,
}

/// A record that can be triaged: where its outcome goes and what it said.
struct Pending {
    number: usize,
    line: usize,
    given_id: Option<String>,
}

impl LocalTriage {
    /// Loads the rules (`rules_path` or the built-in ones), builds the engine and, when `store` is
    /// true, opens the configured store.
    pub async fn open(settings: &Settings, store: bool) -> Result<Self, CliError> {
        let engine = Arc::new(engine_from_settings(settings).map_err(|e| CliError::Setup(e.to_string()))?);
        let limits = settings.ticket_limits();
        let intake = match store {
            true => Some(
                Intake::new(engine.clone(), open_store(settings).await?, limits).with_duplicates(settings.duplicates),
            ),
            false => None,
        };
        Ok(LocalTriage { engine, limits, intake })
    }

    /// Decides a chunk of records, in order: each one's result, or every reason it was refused.
    pub async fn decide_chunk(&self, records: Vec<Record>) -> Vec<Outcome> {
        let now = Utc::now();
        let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(records.len());
        let mut pending = Vec::new();
        let mut items = Vec::new();
        for record in records {
            let given_id = record.given_ticket_id();
            let Record { number, line, draft, mut problems } = record;
            match draft {
                Some(draft) if problems.is_empty() => {
                    pending.push((outcomes.len(), Pending { number, line, given_id }));
                    items.push(draft);
                    outcomes.push(None);
                }
                draft => {
                    if let Some(Err(invalid)) = draft.map(|d| validate_draft(d, &self.limits, now, &mut rand::rng())) {
                        problems.extend(invalid.violations);
                    }
                    outcomes.push(Some(Outcome::failed(number, line, given_id, problems)));
                }
            }
        }
        let decided: Vec<Result<crate::triage::TriageResult, ServiceError>> = match &self.intake {
            Some(intake) => {
                let batch = items.into_iter().map(|draft| BatchItem { draft, dry_run: false }).collect();
                intake
                    .accept_many(batch, &Actor::named(ACTOR), now)
                    .await
                    .into_iter()
                    .map(|r| r.map(|a| a.result))
                    .collect()
            }
            None => {
                let batch = items.into_iter().map(|draft| BatchItem { draft, dry_run: true }).collect();
                let decided = decide_off_runtime(&self.engine, self.limits, batch, now).await;
                decided.into_iter().map(|(decision, _)| decision.map(|(_, result)| result)).collect()
            }
        };
        for ((slot, p), decision) in pending.into_iter().zip(decided) {
            outcomes[slot] = Some(match decision {
                Ok(result) => Outcome::triaged(p.number, p.line, result),
                Err(ServiceError::Invalid(invalid)) => {
                    Outcome::failed(p.number, p.line, p.given_id, invalid.violations)
                }
                Err(other) => {
                    if matches!(other.code(), ServiceErrorCode::Internal | ServiceErrorCode::Unavailable) {
                        tracing::error!(error = %other.cause_chain(), record = p.number, "the record could not be stored");
                    }
                    let error = FieldViolation { field: "store".into(), description: other.to_string() };
                    Outcome::failed(p.number, p.line, p.given_id, vec![error])
                }
            });
        }
        outcomes.into_iter().flatten().collect()
    }
}
