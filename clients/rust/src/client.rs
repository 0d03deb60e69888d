//! [`HelpdeskClient`]: every operation of the service as one typed method, over one channel, with
//! paging followed and streams turned into streams of items.

use std::time::{Duration, SystemTime};

use tokio_stream::Stream;
use tonic::{Streaming, transport::Channel};
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};

use crate::{
    audit::AuditStream,
    connect::{BearerToken, ConnectError, ConnectOptions, Transport, connect_with},
    error::ClientError,
    proto::{self, AuditServiceClient, BatchTriageServiceClient, TicketStoreServiceClient, TriageServiceClient},
    rules::{BacktestOptions, RulesText},
};

/// How one ticket is triaged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriageOptions {
    /// Decide without storing anything.
    pub dry_run: bool,
    /// Makes retries idempotent: the server answers a repeated id with the first answer.
    pub request_id: Option<String>,
}

/// A ticket to triage or store: the three required fields, the rest left to the server.
pub fn new_ticket(title: &str, description: &str, requester_email: &str) -> proto::Ticket {
    proto::Ticket {
        title: title.to_owned(),
        description: description.to_owned(),
        requester_email: requester_email.to_owned(),
        ..Default::default()
    }
}

/// A client of every service of one server. Cloning is cheap: clones share the connection.
///
/// The generated clients are public too, for what the typed methods do not cover (per-call
/// deadlines, metadata): `client.triage_service.triage_ticket(request)`.
#[derive(Debug, Clone)]
pub struct HelpdeskClient {
    /// `helpdesk.v1.TriageService`.
    pub triage_service: TriageServiceClient<Transport>,
    /// `helpdesk.v1.BatchTriageService`.
    pub batch_service: BatchTriageServiceClient<Transport>,
    /// `helpdesk.v1.TicketStoreService`.
    pub ticket_service: TicketStoreServiceClient<Transport>,
    /// `helpdesk.v1.AuditService`.
    pub audit_service: AuditServiceClient<Transport>,
    /// `grpc.health.v1.Health`.
    pub health_service: HealthClient<Transport>,
}

type Result<T> = std::result::Result<T, ClientError>;

fn timestamp(at: SystemTime) -> prost_types::Timestamp {
    prost_types::Timestamp::from(at)
}

impl HelpdeskClient {
    /// Connects to `target` (such as `http://127.0.0.1:50051`) with the defaults and the token of
    /// `HELPDESK_TOKEN`, when set ([`ConnectOptions::from_env`]).
    pub async fn connect(target: &str) -> Result<Self> {
        HelpdeskClient::connect_with(target, &ConnectOptions::from_env()).await
    }

    /// Connects to `target` within `timeout`, with the token of `HELPDESK_TOKEN` when set.
    pub async fn connect_within(target: &str, timeout: Duration) -> Result<Self> {
        HelpdeskClient::connect_with(target, &ConnectOptions { timeout, ..ConnectOptions::from_env() }).await
    }

    /// Connects to `target` as `options` say: TLS, a client certificate, a bearer token.
    pub async fn connect_with(target: &str, options: &ConnectOptions) -> Result<Self> {
        let token = BearerToken::new(options.token.as_deref())
            .map_err(|reason| ConnectError { target: target.to_owned(), reason })?;
        Ok(HelpdeskClient::with_token(connect_with(target, options).await?, token))
    }

    /// Clients over an existing channel, sending no token.
    pub fn over(channel: Channel) -> Self {
        HelpdeskClient::with_token(channel, BearerToken::default())
    }

    /// Clients over an existing channel, sending `token` with every call.
    pub fn with_token(channel: Channel, token: BearerToken) -> Self {
        let transport = Transport::new(channel, token);
        HelpdeskClient {
            triage_service: TriageServiceClient::new(transport.clone()),
            batch_service: BatchTriageServiceClient::new(transport.clone()),
            ticket_service: TicketStoreServiceClient::new(transport.clone()),
            audit_service: AuditServiceClient::new(transport.clone()),
            health_service: HealthClient::new(transport),
        }
    }

    /// Triages one ticket (TriageService/TriageTicket): the result and the ticket as stored.
    pub async fn triage(
        &mut self,
        ticket: proto::Ticket,
        options: TriageOptions,
    ) -> Result<proto::TriageTicketResponse> {
        let request = proto::TriageTicketRequest {
            ticket: Some(ticket),
            dry_run: options.dry_run,
            request_id: options.request_id.unwrap_or_default(),
        };
        Ok(self.triage_service.triage_ticket(request).await?.into_inner())
    }

    /// Triages up to 1,000 tickets in one call (BatchTriageService/BatchTriage): one outcome each,
    /// a result or an error with field violations, in order.
    pub async fn batch_triage(
        &mut self,
        tickets: Vec<proto::Ticket>,
        dry_run: bool,
    ) -> Result<proto::BatchTriageResponse> {
        let request = proto::BatchTriageRequest { tickets, dry_run };
        Ok(self.batch_service.batch_triage(request).await?.into_inner())
    }

    /// Triages any number of tickets over one stream (BatchTriageService/StreamTriage). The items
    /// are sent as `items` yields them; the answer streams one outcome per item, correlated by
    /// index and `client_id`. An invalid item does not end the stream.
    pub async fn stream_triage(
        &mut self,
        items: impl Stream<Item = proto::StreamTriageRequest> + Send + 'static,
    ) -> Result<Streaming<proto::StreamTriageResponse>> {
        Ok(self.batch_service.stream_triage(items).await?.into_inner())
    }

    /// The rules in force: name, version, default queue, where they came from, every rule.
    pub async fn get_rules(&mut self) -> Result<proto::GetRulesResponse> {
        Ok(self.triage_service.get_rules(proto::GetRulesRequest {}).await?.into_inner())
    }

    /// Checks and lints a candidate rules file; an invalid file is an answer (`valid: false` with
    /// the findings), not an error.
    pub async fn check_rules(&mut self, rules: RulesText) -> Result<proto::CheckRulesResponse> {
        let request = proto::CheckRulesRequest { rules: Some(rules.into_proto()) };
        Ok(self.triage_service.check_rules(request).await?.into_inner())
    }

    /// Triages `ticket` under the candidate rules and under the rules in force; nothing is stored.
    pub async fn test_rules(&mut self, rules: RulesText, ticket: proto::Ticket) -> Result<proto::TestRulesResponse> {
        let request = proto::TestRulesRequest { rules: Some(rules.into_proto()), ticket: Some(ticket) };
        Ok(self.triage_service.test_rules(request).await?.into_inner())
    }

    /// Replays stored tickets under the candidate rules and under the rules in force.
    pub async fn backtest_rules(
        &mut self,
        rules: RulesText,
        options: BacktestOptions,
    ) -> Result<proto::BacktestRulesResponse> {
        let request = proto::BacktestRulesRequest {
            rules: Some(rules.into_proto()),
            created_after: options.created_after.map(timestamp),
            created_before: options.created_before.map(timestamp),
            limit: options.limit,
            max_examples: options.max_examples,
        };
        Ok(self.triage_service.backtest_rules(request).await?.into_inner())
    }

    /// Stores a ticket without triage; returns it with its id and times.
    pub async fn create_ticket(&mut self, ticket: proto::Ticket) -> Result<proto::Ticket> {
        let request = proto::CreateTicketRequest { ticket: Some(ticket) };
        let answer = self.ticket_service.create_ticket(request).await?.into_inner();
        answer.ticket.ok_or_else(|| missing("CreateTicket", "ticket"))
    }

    /// A stored ticket and its latest triage result.
    pub async fn get_ticket(&mut self, ticket_id: &str) -> Result<proto::GetTicketResponse> {
        let request = proto::GetTicketRequest { ticket_id: ticket_id.to_owned() };
        Ok(self.ticket_service.get_ticket(request).await?.into_inner())
    }

    /// Changes the fields `paths` names (a field mask such as `["status", "assigned_queue"]`) of the
    /// ticket `ticket.ticket_id`; returns the ticket as stored.
    pub async fn update_ticket(&mut self, ticket: proto::Ticket, paths: &[&str]) -> Result<proto::Ticket> {
        let update_mask = prost_types::FieldMask { paths: paths.iter().map(|p| (*p).to_owned()).collect() };
        let request = proto::UpdateTicketRequest { ticket: Some(ticket), update_mask: Some(update_mask) };
        let answer = self.ticket_service.update_ticket(request).await?.into_inner();
        answer.ticket.ok_or_else(|| missing("UpdateTicket", "ticket"))
    }

    /// Deletes a ticket with its results; returns its id.
    pub async fn delete_ticket(&mut self, ticket_id: &str) -> Result<String> {
        let request = proto::DeleteTicketRequest { ticket_id: ticket_id.to_owned() };
        Ok(self.ticket_service.delete_ticket(request).await?.into_inner().ticket_id)
    }

    /// Every ticket `filter` selects, newest first, following the pages (`filter.page_size` sets
    /// their size; its `page_token` is where to start).
    pub async fn list_tickets(&mut self, mut filter: proto::ListTicketsRequest) -> Result<Vec<proto::Ticket>> {
        let mut tickets = Vec::new();
        loop {
            let page = self.ticket_service.list_tickets(filter.clone()).await?.into_inner();
            tickets.extend(page.tickets);
            if page.next_page_token.is_empty() {
                return Ok(tickets);
            }
            filter.page_token = page.next_page_token;
        }
    }

    /// Removes the tickets created before `created_before` (or counts them, on a dry run).
    pub async fn purge_tickets(&mut self, created_before: SystemTime, dry_run: bool) -> Result<u64> {
        let request = proto::PurgeTicketsRequest { created_before: Some(timestamp(created_before)), dry_run };
        Ok(self.ticket_service.purge_tickets(request).await?.into_inner().purged_count)
    }

    /// Ticket counts: the total and by status, category, priority and queue.
    pub async fn stats(&mut self) -> Result<proto::GetStatsResponse> {
        Ok(self.ticket_service.get_stats(proto::GetStatsRequest {}).await?.into_inner())
    }

    /// Every audit entry `filter` selects, newest first, following the pages.
    pub async fn list_audit(&mut self, mut filter: proto::ListAuditEntriesRequest) -> Result<Vec<proto::AuditEntry>> {
        let mut entries = Vec::new();
        loop {
            let page = self.audit_service.list_audit_entries(filter.clone()).await?.into_inner();
            entries.extend(page.entries);
            if page.next_page_token.is_empty() {
                return Ok(entries);
            }
            filter.page_token = page.next_page_token;
        }
    }

    /// Follows the audit log from now on (optionally one ticket's entries, or one action's). When
    /// this returns the server has accepted the watch: every entry committed afterwards arrives.
    pub async fn watch_audit(&mut self, ticket_id: Option<&str>, action: Option<&str>) -> Result<AuditStream> {
        self.watch_audit_after(ticket_id, action, None).await
    }

    /// Follows the audit log from after `after_sequence` (the last entry a previous watch delivered:
    /// entries committed since arrive first), or from now on when `None`. A watch the server ends at
    /// shutdown fails with UNAVAILABLE; resuming from the last sequence seen, on this server once it
    /// is back or on another over the same store, misses nothing.
    pub async fn watch_audit_after(
        &mut self,
        ticket_id: Option<&str>,
        action: Option<&str>,
        after_sequence: Option<i64>,
    ) -> Result<AuditStream> {
        let request = proto::WatchAuditEntriesRequest {
            ticket_id: ticket_id.unwrap_or_default().to_owned(),
            action: action.unwrap_or_default().to_owned(),
            after_sequence,
        };
        Ok(AuditStream::new(self.audit_service.watch_audit_entries(request).await?.into_inner()))
    }

    /// Every audit entry written before `before` (all when `None`), oldest first. A complete export
    /// is recorded, and lets [`purge_audit`](Self::purge_audit) remove those entries without force.
    pub async fn export_audit(&mut self, before: Option<SystemTime>) -> Result<AuditStream> {
        let request = proto::ExportAuditEntriesRequest { before: before.map(timestamp) };
        Ok(AuditStream::new(self.audit_service.export_audit_entries(request).await?.into_inner()))
    }

    /// Removes the audit entries written before `before`; refused (FAILED_PRECONDITION) unless an
    /// export covered them or `force` is set.
    pub async fn purge_audit(&mut self, before: SystemTime, force: bool) -> Result<u64> {
        let request = proto::PurgeAuditEntriesRequest { before: Some(timestamp(before)), force };
        Ok(self.audit_service.purge_audit_entries(request).await?.into_inner().purged_count)
    }

    /// Checks the audit log's hash chain, and its signatures when the server signs it, and names
    /// the first broken entry.
    pub async fn verify_audit(&mut self) -> Result<proto::VerifyAuditChainResponse> {
        self.verify_audit_with(false).await
    }

    /// [`verify_audit`](Self::verify_audit); `strict` counts entries written before signing was turned
    /// on as broken.
    pub async fn verify_audit_with(&mut self, strict: bool) -> Result<proto::VerifyAuditChainResponse> {
        let request = proto::VerifyAuditChainRequest { strict };
        Ok(self.audit_service.verify_audit_chain(request).await?.into_inner())
    }

    /// The serving status of `service` (`""`: the server as a whole).
    pub async fn health(&mut self, service: &str) -> Result<ServingStatus> {
        let request = HealthCheckRequest { service: service.to_owned() };
        let status = self.health_service.check(request).await?.into_inner().status;
        Ok(ServingStatus::try_from(status).unwrap_or(ServingStatus::Unknown))
    }
}

fn missing(method: &str, field: &str) -> ClientError {
    ClientError::Status(tonic::Status::internal(format!("{method} answered without {field}")))
}
