//! Local triage for `helpdesk triage`: validate each record, triage it with an engine built from the
//! settings and, with `--store`, record it in the configured store as actor `cli`.

use chrono::Utc;

use super::{record::Record, report::Outcome};
use crate::{
    cli::{CliError, ticket_store::open_store},
    config::Settings,
    domain::{FieldViolation, Limits, validate_draft},
    intake::engine_from_settings,
    store::Store,
    triage::TriageEngine,
};

/// Who the audit log says stored the tickets.
const ACTOR: &str = "cli";

/// The engine, the limits, and the store when tickets are kept.
pub struct LocalTriage {
    engine: TriageEngine,
    limits: Limits,
    store: Option<Store>,
}

impl LocalTriage {
    /// Loads the rules (`rules_path` or the built-in ones), builds the engine and, when `store` is
    /// true, opens the configured store.
    pub async fn open(settings: &Settings, store: bool) -> Result<Self, CliError> {
        let engine = engine_from_settings(settings)
            .map_err(|e| CliError::Setup(format!("cannot load the routing rules: {e}")))?;
        let limits = settings.triage_settings().limits;
        let store = if store { Some(open_store(settings).await?) } else { None };
        Ok(LocalTriage { engine, limits, store })
    }

    /// Decides one record: its result, or every reason it was refused.
    pub async fn decide(&self, record: Record) -> Outcome {
        let given_id = record.given_ticket_id();
        let Record { number, line, draft, mut problems } = record;
        let Some(draft) = draft else { return Outcome::failed(number, line, given_id, problems) };
        let now = Utc::now();
        let ticket = match validate_draft(draft, &self.limits, now, &mut rand::rng()) {
            Ok(ticket) if problems.is_empty() => ticket,
            Ok(_) => return Outcome::failed(number, line, given_id, problems),
            Err(invalid) => {
                problems.extend(invalid.violations);
                return Outcome::failed(number, line, given_id, problems);
            }
        };
        let result = self.engine.triage(&ticket, now);
        let Some(store) = &self.store else { return Outcome::triaged(number, line, result) };
        match store.record_triage(&ticket, &result, ACTOR, None).await {
            Ok(stored) => Outcome::triaged(number, line, stored.result),
            Err(e) => {
                let error = FieldViolation { field: "store".into(), description: e.to_string() };
                Outcome::failed(number, line, Some(ticket.ticket_id.to_string()), vec![error])
            }
        }
    }
}
