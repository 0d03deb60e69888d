import { isMessage, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { TimestampSchema, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { readFileSync } from "node:fs";
import type { SecureClientSessionOptions } from "node:http2";

import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

import {
  AuditService,
  type ListAuditEntriesRequestSchema,
  type VerifyAuditChainResponse,
  type WatchAuditEntriesRequestSchema,
} from "./gen/helpdesk/v1/audit_service_pb.js";
import { BatchTriageService, type BatchTriageResponse } from "./gen/helpdesk/v1/batch_triage_service_pb.js";
import type { AuditEntry, Ticket, TicketSchema, TriageOutcome, TriageResult } from "./gen/helpdesk/v1/ticket_pb.js";
import {
  TicketStoreService,
  type GetStatsResponse,
  type GetTicketResponse,
  type ListTicketsRequestSchema,
} from "./gen/helpdesk/v1/ticket_store_service_pb.js";
import {
  RulesFormat,
  TriageService,
  type BacktestRulesResponse,
  type CandidateRulesSchema,
  type CheckRulesResponse,
  type GetRulesResponse,
  type TestRulesResponse,
} from "./gen/helpdesk/v1/triage_service_pb.js";
import { translateError } from "./errors.js";
import { Health, HealthCheckResponse_ServingStatus } from "./gen/grpc/health/v1/health_pb.js";

/** A ticket: a `Ticket` message or a plain object with its fields (camelCase, enums as numbers). */
export type TicketInit = MessageInitShape<typeof TicketSchema>;

/** The plain-object half of a message's init shape (without the message type itself). */
type PlainInit<Desc extends DescMessage> = Exclude<MessageInitShape<Desc>, MessageShape<Desc>>;

/** `ListTicketsRequest` fields except the page token: status, category, priority, queue, createdAfter, createdBefore, requesterEmail, pageSize. */
export type ListTicketsFilters = Omit<PlainInit<typeof ListTicketsRequestSchema>, "pageToken" | "$typeName">;

/** `ListAuditEntriesRequest` fields except the page token: ticketId, action, actor, startTime, endTime, pageSize. */
export type ListAuditFilters = Omit<PlainInit<typeof ListAuditEntriesRequestSchema>, "pageToken" | "$typeName">;

/** `WatchAuditEntriesRequest` fields: ticketId, action. */
export type WatchAuditFilters = Omit<PlainInit<typeof WatchAuditEntriesRequestSchema>, "$typeName">;

/** A point in time: a `Date` or a `Timestamp` message. */
export type TimeInit = Date | Timestamp;

/** The environment variable a client takes its bearer token from when no `token` is given. */
export const TOKEN_VARIABLE = "HELPDESK_TOKEN";

/** PEM text, as a string or the bytes of a file. */
export type Pem = string | Uint8Array;

export interface HelpdeskClientOptions {
  /** Deadline of each call in milliseconds (of the whole stream for `streamTriage`). Default 10000. */
  timeoutMs?: number;
  /**
   * A bearer token (or a JWT), sent as `authorization: Bearer ...` with every call. When not given,
   * `process.env.HELPDESK_TOKEN` is used; an empty token means none.
   */
  token?: string;
  /** The CA that signed the server's certificate (PEM); Node's root CAs when neither this nor `caFile` is given. */
  ca?: Pem;
  /** A file holding `ca`. */
  caFile?: string;
  /** A client certificate (PEM), for servers that require mutual TLS; needs `key` or `keyFile`. */
  cert?: Pem;
  /** A file holding `cert`. */
  certFile?: string;
  /** The client certificate's private key (PEM). */
  key?: Pem;
  /** A file holding `key`. */
  keyFile?: string;
  /** The name to check the server's certificate against, when it is not the URL's host. */
  serverName?: string;
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

export interface BatchTriageOptions {
  /** Triage without storing anything. */
  dryRun?: boolean;
}

export interface PurgeTicketsOptions {
  /** Remove nothing; the count says what would be removed. */
  dryRun?: boolean;
}

export interface PurgeAuditOptions {
  /** Purge even when no export covered the entries. */
  force?: boolean;
}

export interface WatchAuditOptions {
  /** Deadline of the whole watch in milliseconds; by default it has none. */
  timeoutMs?: number;
}

export interface RulesOptions {
  /** The rules text's language; YAML by default. */
  format?: RulesFormat;
}

export interface BacktestOptions extends RulesOptions {
  /** Only tickets created at or after this time. */
  createdAfter?: TimeInit;
  /** Only tickets created before this time. */
  createdBefore?: TimeInit;
  /** Most tickets replayed, newest first; 0 (default) means 1000. */
  limit?: number;
  /** Most changed decisions listed as examples; 0 (default) means 20. */
  maxExamples?: number;
}

/**
 * An open AuditService/WatchAuditEntries stream: iterate it (`for await`) for
 * each new `AuditEntry`. `cancel()`, or leaving the loop early, ends the
 * stream; iteration then just stops.
 */
export interface AuditWatch extends AsyncIterable<AuditEntry> {
  /** Ends the stream; entries not yet read are dropped. Calling it again does nothing. */
  cancel(): void;
  /** True once the stream was cancelled or has ended. */
  readonly closed: boolean;
}

/**
 * One method per common helpdesk operation; failures throw HelpdeskError, HelpdeskValidationError
 * (InvalidArgument) or HelpdeskAuthError (Unauthenticated, PermissionDenied).
 */
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
  /**
   * BatchTriageService/BatchTriage: triages up to 1,000 tickets in one call. `outcomes` has one
   * `TriageOutcome` per ticket, in order (`index` is its position); `succeeded` and `failed` count them.
   */
  batchTriage(tickets: Iterable<TicketInit>, options?: BatchTriageOptions): Promise<BatchTriageResponse>;
  /** TriageService/GetRules: the rules in force (`version`, `name`, `defaultQueue`, `source`, `rules`). */
  getRules(): Promise<GetRulesResponse>;
  /**
   * TriageService/CheckRules: checks and lints a rules text. Rules that do not load are an answer
   * (`valid` false, `findings` saying why), not an error; an empty text throws HelpdeskValidationError.
   */
  checkRules(text: string, options?: RulesOptions): Promise<CheckRulesResponse>;
  /**
   * TriageService/TestRules: `ticket` triaged under the candidate rules and the rules in force
   * (`candidateResult`, `currentResult`, `changed`); stores nothing.
   */
  testRules(text: string, ticket: TicketInit, options?: RulesOptions): Promise<TestRulesResponse>;
  /** TriageService/BacktestRules: replays a candidate rules text over stored tickets and counts what changes. */
  backtestRules(text: string, options?: BacktestOptions): Promise<BacktestRulesResponse>;
  /** TicketStoreService/CreateTicket: stores a ticket without triaging it. */
  createTicket(ticket: TicketInit): Promise<Ticket>;
  /** TicketStoreService/GetTicket: the stored ticket and its latest triage result. */
  getTicket(ticketId: string): Promise<GetTicketResponse>;
  /**
   * TicketStoreService/UpdateTicket: updates the fields named by `paths` (a field mask, such as
   * `["status"]`) of the ticket `ticket.ticketId`; returns the updated ticket.
   */
  updateTicket(ticket: TicketInit, paths: string[]): Promise<Ticket>;
  /** TicketStoreService/DeleteTicket: deletes a ticket and returns its id. */
  deleteTicket(ticketId: string): Promise<string>;
  /** TicketStoreService/PurgeTickets: removes the tickets created before `createdBefore`; returns how many. */
  purgeTickets(createdBefore: TimeInit, options?: PurgeTicketsOptions): Promise<bigint>;
  /** TicketStoreService/ListTickets: yields tickets, following `nextPageToken` to the last page. */
  listTickets(filters?: ListTicketsFilters): AsyncGenerator<Ticket>;
  /** AuditService/ListAuditEntries: yields audit entries, following `nextPageToken` to the last page. */
  listAudit(filters?: ListAuditFilters): AsyncGenerator<AuditEntry>;
  /**
   * AuditService/WatchAuditEntries: follows the audit log from now on. Resolves once the server has
   * accepted the watch; no deadline unless `timeoutMs` is given.
   */
  watchAudit(filters?: WatchAuditFilters, options?: WatchAuditOptions): Promise<AuditWatch>;
  /**
   * AuditService/ExportAuditEntries: yields the entries written before `before` (all if absent), oldest first.
   * The chain signatures a signing server sends between them are skipped.
   */
  exportAudit(before?: TimeInit): AsyncGenerator<AuditEntry>;
  /**
   * AuditService/PurgeAuditEntries: removes the entries written before `before`; returns how many.
   * Refused (FailedPrecondition) unless an export covered them or `force` is set.
   */
  purgeAudit(before: TimeInit, options?: PurgeAuditOptions): Promise<bigint>;
  /**
   * AuditService/VerifyAuditChain: `valid`, `entriesChecked`, `firstBrokenSequence` (0 if intact), `reason`,
   * and for a signing server `signaturesChecked` and `unsignedEntries`; `strict` counts entries written
   * before signing was turned on as broken.
   */
  verifyAudit(options?: { strict?: boolean }): Promise<VerifyAuditChainResponse>;
  /** TicketStoreService/GetStats: `total` and the maps byStatus, byCategory, byPriority, byQueue. */
  stats(): Promise<GetStatsResponse>;
  /**
   * grpc.health.v1.Health/Check: the status name (`SERVING`, `NOT_SERVING`, ...) of the server as a
   * whole, or of one service such as `helpdesk.v1.TriageService`.
   */
  health(service?: string): Promise<string>;
}

/** The token to send: `token`, else `$HELPDESK_TOKEN`; an empty one means none. */
function bearerToken(token: string | undefined): string | undefined {
  const value = (token ?? process.env[TOKEN_VARIABLE] ?? "").trim();
  if (value === "") {
    return undefined;
  }
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new TypeError("the token holds characters a header cannot carry (spaces, control or non-ASCII)");
  }
  return value;
}

/** PEM given inline or by file (not both). */
function pem(name: string, inline: Pem | undefined, file: string | undefined): Pem | undefined {
  if (inline !== undefined && file !== undefined) {
    throw new TypeError(`give ${name} or ${name}File, not both`);
  }
  return file === undefined ? inline : readFileSync(file);
}

/** The TLS options of the HTTP/2 connection, or undefined when none was given. */
function tlsOptions(options: HelpdeskClientOptions): SecureClientSessionOptions | undefined {
  const ca = pem("ca", options.ca, options.caFile);
  const cert = pem("cert", options.cert, options.certFile);
  const key = pem("key", options.key, options.keyFile);
  if ((cert === undefined) !== (key === undefined)) {
    throw new TypeError("a client certificate needs its key, and a key its certificate");
  }
  if (ca === undefined && cert === undefined && options.serverName === undefined) {
    return undefined;
  }
  const tls: SecureClientSessionOptions = {};
  if (ca !== undefined) tls.ca = toNodePem(ca);
  if (cert !== undefined) tls.cert = toNodePem(cert);
  if (key !== undefined) tls.key = toNodePem(key);
  if (options.serverName !== undefined) tls.servername = options.serverName;
  return tls;
}

function toNodePem(value: Pem): string | Buffer {
  return typeof value === "string" ? value : Buffer.from(value);
}

/**
 * The URL to connect to: `baseUrl`, with `http://` added to a bare `host:port`, or `https://` when
 * TLS options are given. TLS options with an `http://` URL are a contradiction, refused.
 */
function normalizeBaseUrl(baseUrl: string, tls: boolean): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(baseUrl)) {
    return `${tls ? "https" : "http"}://${baseUrl}`;
  }
  if (tls && /^http:\/\//i.test(baseUrl)) {
    throw new TypeError(`${baseUrl} asks for plaintext but TLS options were given; use host:port or https://`);
  }
  return baseUrl;
}

function toTimestamp(time: TimeInit): Timestamp {
  return isMessage(time, TimestampSchema) ? time : timestampFromDate(time);
}

function optionalTimestamp(time: TimeInit | undefined): Timestamp | undefined {
  return time === undefined ? undefined : toTimestamp(time);
}

function candidate(text: string, format: RulesFormat = RulesFormat.YAML): MessageInitShape<typeof CandidateRulesSchema> {
  return { text, format };
}

async function* toAsync<T>(items: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/**
 * Creates a client for the server at `baseUrl`, speaking the gRPC protocol over HTTP/2:
 * `"https://host:port"` for TLS, `"http://host:port"` for plaintext (only for a server on the same
 * machine: the token would travel unencrypted); a bare `"host:port"` means https when any TLS option
 * (`ca`/`caFile`, `cert`/`certFile` with `key`/`keyFile`, `serverName`) is given, else http.
 * The bearer token (`token`, else `$HELPDESK_TOKEN`) goes with every call.
 */
export function createHelpdeskClient(baseUrl: string, options: HelpdeskClientOptions = {}): HelpdeskClient {
  const token = bearerToken(options.token);
  const tls = tlsOptions(options);
  const interceptors: Interceptor[] = [];
  if (token !== undefined) {
    const authorization = `Bearer ${token}`;
    interceptors.push((next) => (request) => {
      request.header.set("authorization", authorization);
      return next(request);
    });
  }
  // connect-node's gRPC transport always speaks HTTP/2 (it has no httpVersion option); the TLS
  // options go to Node's http2.connect, used for https:// URLs.
  const transport = createGrpcTransport({
    baseUrl: normalizeBaseUrl(baseUrl, tls !== undefined),
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
    interceptors,
    ...(tls === undefined ? {} : { nodeOptions: tls }),
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

    async batchTriage(tickets, { dryRun = false } = {}) {
      return call(() => batchClient.batchTriage({ tickets: [...tickets], dryRun }));
    },

    getRules() {
      return call(() => triageClient.getRules({}));
    },

    checkRules(text, { format } = {}) {
      return call(() => triageClient.checkRules({ rules: candidate(text, format) }));
    },

    testRules(text, ticket, { format } = {}) {
      return call(() => triageClient.testRules({ rules: candidate(text, format), ticket }));
    },

    backtestRules(text, { format, createdAfter, createdBefore, limit = 0, maxExamples = 0 } = {}) {
      return call(() =>
        triageClient.backtestRules({
          rules: candidate(text, format),
          createdAfter: optionalTimestamp(createdAfter),
          createdBefore: optionalTimestamp(createdBefore),
          limit,
          maxExamples,
        }),
      );
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

    async updateTicket(ticket, paths) {
      const response = await call(() => storeClient.updateTicket({ ticket, updateMask: { paths } }));
      if (response.ticket === undefined) {
        throw new Error("UpdateTicket returned no ticket");
      }
      return response.ticket;
    },

    async deleteTicket(ticketId) {
      return (await call(() => storeClient.deleteTicket({ ticketId }))).ticketId;
    },

    async purgeTickets(createdBefore, { dryRun = false } = {}) {
      const response = await call(() => storeClient.purgeTickets({ createdBefore: toTimestamp(createdBefore), dryRun }));
      return response.purgedCount;
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

    async watchAudit(filters = {}, { timeoutMs = 0 } = {}) {
      const abort = new AbortController();
      // The transport resolves once the response headers arrive, i.e. once the server has accepted
      // the watch; a timeout of 0 means no deadline.
      const response = await call(() =>
        transport.stream(AuditService.method.watchAuditEntries, abort.signal, timeoutMs, undefined, toAsync([filters])),
      );
      async function* entries(): AsyncGenerator<AuditEntry> {
        try {
          for await (const message of response.message) {
            if (message.entry !== undefined) {
              yield message.entry;
            }
          }
        } catch (reason) {
          if (!abort.signal.aborted) {
            throw translateError(reason);
          }
        } finally {
          abort.abort();
        }
      }
      const iterator = entries();
      return {
        [Symbol.asyncIterator]: () => iterator,
        cancel: () => abort.abort(),
        get closed() {
          return abort.signal.aborted;
        },
      };
    },

    async *exportAudit(before) {
      try {
        for await (const response of auditClient.exportAuditEntries({ before: optionalTimestamp(before) })) {
          if (response.entry !== undefined) {
            yield response.entry;
          }
        }
      } catch (reason) {
        throw translateError(reason);
      }
    },

    async purgeAudit(before, { force = false } = {}) {
      const response = await call(() => auditClient.purgeAuditEntries({ before: toTimestamp(before), force }));
      return response.purgedCount;
    },

    verifyAudit({ strict = false } = {}) {
      return call(() => auditClient.verifyAuditChain({ strict }));
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
