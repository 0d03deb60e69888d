//! `helpdesk.v1.TriageService`: triage one ticket; the rules RPCs are in [`super::rules_api`].

use chrono::Utc;
use tonic::{Request, Response, Status};

use super::{
    convert::{result_to_proto, ticket_from_proto, ticket_to_proto},
    request::{actor, record_ticket},
    rules_api::RulesApi,
    status::ApiError,
};
use crate::{
    intake::{Intake, IntakeOptions},
    proto::{
        BacktestRulesRequest, BacktestRulesResponse, CheckRulesRequest, CheckRulesResponse, GetRulesRequest,
        GetRulesResponse, TestRulesRequest, TestRulesResponse, TriageTicketRequest, TriageTicketResponse,
        triage_service_server::TriageService,
    },
};

/// The TriageService implementation.
pub struct TriageApi {
    intake: Intake,
    rules: RulesApi,
}

impl TriageApi {
    /// The service over `intake`; `rules_source` names where the rules in force came from.
    pub fn new(intake: Intake, rules_source: String) -> Self {
        TriageApi { rules: RulesApi::new(intake.clone(), rules_source), intake }
    }
}

#[tonic::async_trait]
impl TriageService for TriageApi {
    async fn triage_ticket(
        &self,
        request: Request<TriageTicketRequest>,
    ) -> Result<Response<TriageTicketResponse>, Status> {
        let actor = actor(&request);
        let message = request.into_inner();
        let ticket = message.ticket.ok_or_else(|| ApiError::field("ticket", "is required"))?;
        let draft = ticket_from_proto(ticket).map_err(|e| ApiError::from(e.prefixed("ticket")))?;
        let options =
            IntakeOptions { dry_run: message.dry_run, request_id: Some(message.request_id.as_str()), actor: &actor };
        let accepted = self.intake.accept(draft, options, Utc::now()).await.map_err(|e| match e {
            crate::intake::IntakeError::Invalid(v) => ApiError::Invalid(v.prefixed("ticket")),
            other => ApiError::from(other),
        })?;
        record_ticket(accepted.ticket.ticket_id.as_str());
        let result = &accepted.result;
        tracing::debug!(queue = %result.queue, score = result.score, replayed = accepted.replayed, "ticket triaged");
        Ok(Response::new(TriageTicketResponse {
            result: Some(result_to_proto(&accepted.result)),
            ticket: Some(ticket_to_proto(&accepted.ticket)),
            replayed: accepted.replayed,
        }))
    }

    async fn get_rules(&self, _request: Request<GetRulesRequest>) -> Result<Response<GetRulesResponse>, Status> {
        Ok(Response::new(self.rules.get()))
    }

    async fn check_rules(&self, request: Request<CheckRulesRequest>) -> Result<Response<CheckRulesResponse>, Status> {
        Ok(Response::new(self.rules.check(request.into_inner())?))
    }

    async fn test_rules(&self, request: Request<TestRulesRequest>) -> Result<Response<TestRulesResponse>, Status> {
        Ok(Response::new(self.rules.test(request.into_inner()).await?))
    }

    async fn backtest_rules(
        &self,
        request: Request<BacktestRulesRequest>,
    ) -> Result<Response<BacktestRulesResponse>, Status> {
        Ok(Response::new(self.rules.backtest(request.into_inner()).await?))
    }
}
