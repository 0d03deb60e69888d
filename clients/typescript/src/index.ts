export {
  createHelpdeskClient,
  type HelpdeskClient,
  type HelpdeskClientOptions,
  type ListAuditFilters,
  type ListTicketsFilters,
  type StreamTriageOptions,
  type TicketInit,
  type TriageOptions,
} from "./client.js";
export {
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
