import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

import { AuditService, type ListAuditEntriesRequestSchema } from "./gen/helpdesk/v1/audit_service_pb.js";
import { BatchTriageService } from "./gen/helpdesk/v1/batch_triage_service_pb.js";
import type { AuditEntry, Ticket, TicketSchema, TriageOutcome, TriageResult } from "./gen/helpdesk/v1/ticket_pb.js";
import {
  TicketStoreService,
  type GetStatsResponse,
  type GetTicketResponse,
  type ListTicketsRequestSchema,
} from "./gen/helpdesk/v1/ticket_store_service_pb.js";
import { TriageService } from "./gen/helpdesk/v1/triage_service_pb.js";
import { translateError } from "./errors.js";
import { Health, HealthCheckResponse_ServingStatus } from "./gen/grpc/health/v1/health_pb.js";

/** A ticket: a `Ticket` message or a plain object with its fields (camelCase, enums as numbers). */
export type TicketInit = MessageInitShape<typeof TicketSchema>;

/** The plain-object half of a message's init shape (without the message type itself). */
type PlainInit<Desc extends DescMessage> = Exclude<MessageInitShape<Desc>, MessageShape<Desc>>;

/** `ListTicketsRequest` fields except the page token: status, category, priority, queue, createdAfter, createdBefore, pageSize. */
export type ListTicketsFilters = Omit<PlainInit<typeof ListTicketsRequestSchema>, "pageToken" | "$typeName">;

/** `ListAuditEntriesRequest` fields except the page token: ticketId, action, actor, startTime, endTime, pageSize. */
export type ListAuditFilters = Omit<PlainInit<typeof ListAuditEntriesRequestSchema>, "pageToken" | "$typeName">;

export interface HelpdeskClientOptions {
  /** Deadline of each call in milliseconds (of the whole stream for `streamTriage`). Default 10000. */
  timeoutMs?: number;
}

export interface TriageOptions {
  /** Triage without storing anything. */
  dryRun?: boolean;
  /** Makes retries idempotent: the server replays the first answer for the same id. */
  requestId?: string;
}

export interface StreamTriageOptions {
  /** Triage without storing anything. */
  dryRun?: boolean;
}

/** One method per common helpdesk operation; failures throw HelpdeskError / HelpdeskValidationError. */
export interface HelpdeskClient {
  /** TriageService/TriageTicket: triages one ticket and returns its `TriageResult`. */
  triage(ticket: TicketInit, options?: TriageOptions): Promise<TriageResult>;
  /**
   * BatchTriageService/StreamTriage: yields one `TriageOutcome` per ticket
   * (`outcome.case` is `"result"` or `"error"`); an invalid ticket does not end
   * the stream. `clientId` is the ticket's position in `tickets`, as a string.
   */
  streamTriage(
    tickets: AsyncIterable<TicketInit> | Iterable<TicketInit>,
    options?: StreamTriageOptions,
  ): AsyncGenerator<TriageOutcome>;
  /** TicketStoreService/CreateTicket: stores a ticket without triaging it. */
  createTicket(ticket: TicketInit): Promise<Ticket>;
  /** TicketStoreService/GetTicket: the stored ticket and its latest triage result. */
  getTicket(ticketId: string): Promise<GetTicketResponse>;
  /** TicketStoreService/ListTickets: yields tickets, following `nextPageToken` to the last page. */
  listTickets(filters?: ListTicketsFilters): AsyncGenerator<Ticket>;
  /** AuditService/ListAuditEntries: yields audit entries, following `nextPageToken` to the last page. */
  listAudit(filters?: ListAuditFilters): AsyncGenerator<AuditEntry>;
  /** TicketStoreService/GetStats: `total` and the maps byStatus, byCategory, byPriority, byQueue. */
  stats(): Promise<GetStatsResponse>;
  /**
   * grpc.health.v1.Health/Check: the status name (`SERVING`, `NOT_SERVING`, ...) of the server as a
   * whole, or of one service such as `helpdesk.v1.TriageService`.
   */
  health(service?: string): Promise<string>;
}

/** Adds `http://` when `baseUrl` is a bare `host:port`. */
function normalizeBaseUrl(baseUrl: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(baseUrl) ? baseUrl : `http://${baseUrl}`;
}

async function* toAsync<T>(items: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/**
 * Creates a client for the server at `baseUrl` (for example
 * `"http://127.0.0.1:50051"`; a bare `host:port` means plaintext http), speaking
 * the gRPC protocol over HTTP/2.
 */
export function createHelpdeskClient(baseUrl: string, options: HelpdeskClientOptions = {}): HelpdeskClient {
  // connect-node's gRPC transport always speaks HTTP/2 (it has no httpVersion option).
  const transport = createGrpcTransport({
    baseUrl: normalizeBaseUrl(baseUrl),
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
  });
  const triageClient: Client<typeof TriageService> = createClient(TriageService, transport);
  const batchClient: Client<typeof BatchTriageService> = createClient(BatchTriageService, transport);
  const storeClient: Client<typeof TicketStoreService> = createClient(TicketStoreService, transport);
  const auditClient: Client<typeof AuditService> = createClient(AuditService, transport);
  const healthClient: Client<typeof Health> = createClient(Health, transport);

  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (reason) {
      throw translateError(reason);
    }
  }

  return {
    async triage(ticket, { dryRun = false, requestId = "" } = {}) {
      const response = await call(() => triageClient.triageTicket({ ticket, dryRun, requestId }));
      if (response.result === undefined) {
        throw new Error("TriageTicket returned no result");
      }
      return response.result;
    },

    async *streamTriage(tickets, { dryRun = false } = {}) {
      async function* requests() {
        let index = 0;
        for await (const ticket of toAsync(tickets)) {
          yield { ticket, clientId: String(index), dryRun };
          index += 1;
        }
      }
      try {
        for await (const response of batchClient.streamTriage(requests())) {
          if (response.outcome !== undefined) {
            yield response.outcome;
          }
        }
      } catch (reason) {
        throw translateError(reason);
      }
    },

    async createTicket(ticket) {
      const response = await call(() => storeClient.createTicket({ ticket }));
      if (response.ticket === undefined) {
        throw new Error("CreateTicket returned no ticket");
      }
      return response.ticket;
    },

    getTicket(ticketId) {
      return call(() => storeClient.getTicket({ ticketId }));
    },

    async *listTickets(filters = {}) {
      let pageToken = "";
      do {
        const response = await call(() => storeClient.listTickets({ ...filters, pageToken }));
        yield* response.tickets;
        pageToken = response.nextPageToken;
      } while (pageToken !== "");
    },

    async *listAudit(filters = {}) {
      let pageToken = "";
      do {
        const response = await call(() => auditClient.listAuditEntries({ ...filters, pageToken }));
        yield* response.entries;
        pageToken = response.nextPageToken;
      } while (pageToken !== "");
    },

    stats() {
      return call(() => storeClient.getStats({}));
    },

    async health(service = "") {
      const response = await call(() => healthClient.check({ service }));
      return HealthCheckResponse_ServingStatus[response.status] ?? "UNKNOWN";
    },
  };
}
