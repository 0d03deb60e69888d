//! `helpdesk.v1.TriageService`: triage one ticket, and the rules in force, checks, trials and
//! backtests. Each method converts its message, calls the service layer and converts the answer.

use chrono::Utc;
use tonic::{Request, Response, Status};

use super::{
    convert::{
        backtest_to_proto, candidate_from_proto, check_to_proto, result_to_proto, rules_to_proto, ticket_from_proto,
        ticket_to_proto, trial_to_proto,
    },
    request::{actor, caller_timeout, record_ticket, time},
    status::{bad_field, to_status},
};
use crate::{
    domain::limits::check_request_id,
    privacy::Masked,
    proto::{
        BacktestRulesRequest, BacktestRulesResponse, CheckRulesRequest, CheckRulesResponse, GetRulesRequest,
        GetRulesResponse, TestRulesRequest, TestRulesResponse, TriageTicketRequest, TriageTicketResponse,
        triage_service_server::TriageService,
    },
    service::{BacktestRequest, IntakeOptions, ServiceError, Services},
};

/// The TriageService implementation.
pub struct TriageApi {
    services: Services,
}

impl TriageApi {
    /// The service over `services`.
    pub fn new(services: Services) -> Self {
        TriageApi { services }
    }
}

/// A required ticket field as a draft; violations are named under `ticket`.
fn draft(ticket: Option<crate::proto::Ticket>) -> Result<crate::domain::TicketDraft, Status> {
    let ticket = ticket.ok_or_else(|| bad_field("ticket", "is required"))?;
    ticket_from_proto(ticket).map_err(|e| to_status(ServiceError::Invalid(e.prefixed("ticket"))))
}

#[tonic::async_trait]
impl TriageService for TriageApi {
    async fn triage_ticket(
        &self,
        request: Request<TriageTicketRequest>,
    ) -> Result<Response<TriageTicketResponse>, Status> {
        let actor = actor(&request);
        let message = request.into_inner();
        let request_id = message.request_id.trim();
        check_request_id(request_id, &self.services.intake.limits().fields)
            .map_err(|e| to_status(ServiceError::Invalid(e)))?;
        let draft = draft(message.ticket)?;
        let options = IntakeOptions { dry_run: message.dry_run, request_id: Some(request_id), actor: &actor };
        let accepted = self
            .services
            .intake
            .accept(draft, options, Utc::now())
            .await
            .map_err(|e| to_status(e.in_field("ticket")))?;
        record_ticket(accepted.ticket.ticket_id.as_str());
        let result = &accepted.result;
        tracing::debug!(
            queue = %result.queue,
            score = result.score,
            replayed = accepted.replayed,
            requester = %Masked(&accepted.ticket.requester_email),
            "ticket triaged"
        );
        Ok(Response::new(TriageTicketResponse {
            result: Some(result_to_proto(result)),
            ticket: Some(ticket_to_proto(&accepted.ticket)),
            replayed: accepted.replayed,
        }))
    }

    async fn get_rules(&self, _request: Request<GetRulesRequest>) -> Result<Response<GetRulesResponse>, Status> {
        Ok(Response::new(rules_to_proto(&self.services.rules.in_force())))
    }

    async fn check_rules(&self, request: Request<CheckRulesRequest>) -> Result<Response<CheckRulesResponse>, Status> {
        let candidate = candidate_from_proto(request.into_inner().rules)?;
        let report = self.services.rules.check(candidate).await.map_err(to_status)?;
        Ok(Response::new(check_to_proto(&report)))
    }

    async fn test_rules(&self, request: Request<TestRulesRequest>) -> Result<Response<TestRulesResponse>, Status> {
        let actor = actor(&request);
        let message = request.into_inner();
        let candidate = candidate_from_proto(message.rules)?;
        let draft = draft(message.ticket)?;
        let trial = self.services.rules.test(candidate, draft, &actor, Utc::now()).await.map_err(to_status)?;
        Ok(Response::new(trial_to_proto(&trial)))
    }

    async fn backtest_rules(
        &self,
        request: Request<BacktestRulesRequest>,
    ) -> Result<Response<BacktestRulesResponse>, Status> {
        let actor = actor(&request);
        let caller_timeout = caller_timeout(&request);
        let m = request.into_inner();
        let candidate = candidate_from_proto(m.rules)?;
        let window = BacktestRequest {
            created_after: time("created_after", m.created_after)?,
            created_before: time("created_before", m.created_before)?,
            limit: m.limit,
            max_examples: m.max_examples,
            caller_timeout,
        };
        let (report, findings) = self.services.rules.backtest(candidate, window, &actor).await.map_err(to_status)?;
        Ok(Response::new(backtest_to_proto(report, &findings)))
    }
}
