export {
  TOKEN_VARIABLE,
  createHelpdeskClient,
  type AuditWatch,
  type BacktestOptions,
  type BatchTriageOptions,
  type HelpdeskClient,
  type HelpdeskClientOptions,
  type ListAuditFilters,
  type ListTicketsFilters,
  type Pem,
  type PurgeAuditOptions,
  type PurgeTicketsOptions,
  type RulesOptions,
  type StreamTriageOptions,
  type TicketInit,
  type TimeInit,
  type TriageOptions,
  type WatchAuditFilters,
  type WatchAuditOptions,
} from "./client.js";
export {
  HelpdeskAuthError,
  HelpdeskError,
  HelpdeskValidationError,
  badRequestViolations,
  type FieldViolation,
} from "./errors.js";
export { Code, ConnectError } from "@connectrpc/connect";
export * from "./gen/helpdesk/v1/ticket_pb.js";
export * from "./gen/helpdesk/v1/triage_service_pb.js";
export * from "./gen/helpdesk/v1/batch_triage_service_pb.js";
export * from "./gen/helpdesk/v1/ticket_store_service_pb.js";
export * from "./gen/helpdesk/v1/audit_service_pb.js";
