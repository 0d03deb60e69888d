// Tokens, TLS and mutual TLS against real servers: who gets in, and the errors of those who do not.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";

import {
  Code,
  HelpdeskAuthError,
  HelpdeskError,
  HelpdeskValidationError,
  createHelpdeskClient,
  type HelpdeskClientOptions,
  type TicketInit,
} from "../index.js";
import { CA_FILE, KEYS, createCredentials, startServer, type Credentials, type Server } from "./server.js";

const TICKET: TicketInit = {
  title: "Printer jams",
  description: "The printer on floor 2 jams on every page.",
  requesterEmail: "ana@example.com",
};

// A call that never reached a service: with TLS 1.3 a refused handshake shows at the first call, as
// Unavailable (or, depending on timing, another transport code: a connection the server resets is
// Aborted), never as an answer of the server.
const TRANSPORT_FAILURES = new Set([
  Code.Unavailable,
  Code.Unknown,
  Code.Internal,
  Code.Canceled,
  Code.Aborted,
  Code.DeadlineExceeded,
]);

// Clients here take HELPDESK_TOKEN only when a test sets it.
delete process.env.HELPDESK_TOKEN;

/** The HelpdeskAuthError a call rejects with. */
async function refusal(call: () => Promise<unknown>): Promise<HelpdeskAuthError> {
  const reason = await call().then(
    () => assert.fail("expected a refusal"),
    (error: unknown) => error,
  );
  assert.ok(reason instanceof HelpdeskAuthError, String(reason));
  assert.ok(reason instanceof HelpdeskError);
  assert.ok(!(reason instanceof HelpdeskValidationError));
  return reason;
}

/** The HelpdeskError of a call that failed before the server answered it. */
async function transportFailure(call: () => Promise<unknown>): Promise<HelpdeskError> {
  const reason = await call().then(
    () => assert.fail("expected the connection to fail"),
    (error: unknown) => error,
  );
  assert.ok(reason instanceof HelpdeskError, String(reason));
  assert.ok(!(reason instanceof HelpdeskAuthError), String(reason));
  assert.ok(TRANSPORT_FAILURES.has(reason.code), String(reason));
  return reason;
}

async function drain(items: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of items) {
    count += 1;
  }
  return count;
}

describe("tokens and TLS", () => {
  let credentials: Credentials;
  let server: Server;

  before(async () => {
    credentials = await createCredentials();
  });

  after(async () => {
    await credentials.remove();
  });

  beforeEach(async () => {
    server = await startServer({ principalsFile: credentials.principalsFile });
  });

  afterEach(async () => {
    delete process.env.HELPDESK_TOKEN;
    await server.stop();
  });

  /** A client of the TLS server with the test CA and `options`. */
  function connect(options: HelpdeskClientOptions = {}) {
    return createHelpdeskClient(`https://${server.address}`, { timeoutMs: 5_000, caFile: CA_FILE, ...options });
  }

  it("refuses a call without a token as Unauthenticated; health stays open", async () => {
    const client = connect();
    const error = await refusal(() => client.stats());
    assert.equal(error.code, Code.Unauthenticated);
    assert.match(error.message, /^Unauthenticated: a valid credential is required/);
    assert.equal(error.scope, undefined);
    assert.ok(error.cause.code === Code.Unauthenticated);
    assert.equal(await client.health(), "SERVING");
  });

  it("refuses a wrong token as Unauthenticated, on unary calls and streams", async () => {
    const client = connect({ token: `hdk_${"A".repeat(43)}` });
    const calls: Array<() => Promise<unknown>> = [
      () => client.triage(TICKET),
      () => drain(client.listTickets()),
      () => drain(client.streamTriage([TICKET])),
      () => drain(client.exportAudit()),
      () => client.watchAudit({}, { timeoutMs: 5_000 }),
    ];
    for (const call of calls) {
      assert.equal((await refusal(call)).code, Code.Unauthenticated);
    }
  });

  it("refuses a token without the scope as PermissionDenied naming it", async () => {
    const client = connect({ token: credentials.reader });
    assert.equal((await client.stats()).total, 0n); // tickets.read: allowed
    assert.equal(await drain(client.listTickets()), 0);
    const needed: Array<[string, () => Promise<unknown>]> = [
      ["triage", () => client.triage(TICKET)],
      ["tickets.write", () => client.createTicket(TICKET)],
      ["rules", () => client.getRules()],
      ["audit.read", () => drain(client.listAudit())],
      ["admin", () => client.purgeTickets(new Date())],
      // Streams are refused the same way, when they open.
      ["triage", () => drain(client.streamTriage([TICKET]))],
      ["audit.read", () => client.watchAudit({}, { timeoutMs: 5_000 })],
      ["audit.read", () => drain(client.exportAudit())],
    ];
    for (const [scope, call] of needed) {
      const error = await refusal(call);
      assert.equal(error.code, Code.PermissionDenied, scope);
      assert.equal(error.message, `PermissionDenied: this call needs the scope ${scope}`);
      assert.equal(error.scope, scope);
    }
  });

  it("takes the token from HELPDESK_TOKEN unless one is given", async () => {
    process.env.HELPDESK_TOKEN = `  ${credentials.reader}\n`; // surrounding space is dropped
    const fromEnv = connect();
    assert.equal((await fromEnv.stats()).total, 0n);
    assert.equal((await refusal(() => fromEnv.createTicket(TICKET))).scope, "tickets.write"); // the reader's
    const given = connect({ token: credentials.admin });
    assert.ok((await given.createTicket(TICKET)).ticketId); // the option wins over the variable
    const none = connect({ token: "" });
    assert.equal((await refusal(() => none.stats())).code, Code.Unauthenticated); // "" means no token
    process.env.HELPDESK_TOKEN = "";
    assert.equal((await refusal(() => connect().stats())).code, Code.Unauthenticated);
  });

  it("trusts the server only through its CA", async () => {
    const token = credentials.admin;
    // Node's root CAs do not hold the test CA, nor does another CA; plaintext gets nowhere.
    const systemRoots = createHelpdeskClient(`https://${server.address}`, { timeoutMs: 5_000, token });
    await transportFailure(() => systemRoots.stats());
    const foreign = connect({ token, caFile: join(KEYS, "foreign-ca.crt") });
    await transportFailure(() => foreign.stats());
    const plaintext = createHelpdeskClient(`http://${server.address}`, { timeoutMs: 5_000, token });
    await transportFailure(() => plaintext.health());
    // A bare host:port with TLS options is https; the CA may be given as PEM text too.
    const bare = createHelpdeskClient(server.address, { timeoutMs: 5_000, token, ca: readFileSync(CA_FILE, "utf8") });
    assert.equal((await bare.stats()).total, 0n);
  });

  it("checks the server's certificate against serverName", async () => {
    const token = credentials.admin;
    assert.equal((await connect({ token, serverName: "localhost" }).stats()).total, 0n);
    await transportFailure(() => connect({ token, serverName: "helpdesk.example.com" }).stats());
  });

  it("refuses options that cannot work at once", () => {
    assert.throws(() => createHelpdeskClient("http://127.0.0.1:1", { caFile: CA_FILE }), /plaintext/);
    assert.throws(() => createHelpdeskClient("127.0.0.1:1", { certFile: join(KEYS, "client-ops.crt") }), /key/);
    assert.throws(() => createHelpdeskClient("127.0.0.1:1", { ca: "x", caFile: CA_FILE }), /not both/);
    assert.throws(() => createHelpdeskClient("127.0.0.1:1", { token: "hdk_two\nlines" }), /header/);
    assert.throws(() => createHelpdeskClient("127.0.0.1:1", { caFile: join(KEYS, "no-such.crt") }), /ENOENT/);
  });
});

describe("mutual TLS", () => {
  let credentials: Credentials;
  let server: Server;

  before(async () => {
    credentials = await createCredentials();
    server = await startServer({ principalsFile: credentials.mtlsPrincipalsFile, mutualTls: true });
  });

  after(async () => {
    await server.stop();
    await credentials.remove();
  });

  it("takes the client certificate as the principal", async () => {
    const ops = createHelpdeskClient(`https://${server.address}`, {
      timeoutMs: 5_000,
      caFile: CA_FILE,
      certFile: join(KEYS, "client-ops.crt"),
      keyFile: join(KEYS, "client-ops.key"),
    });
    assert.equal((await ops.stats()).total, 0n); // ops.internal.example.com holds tickets.read
    assert.equal(await drain(ops.listTickets()), 0);
    const error = await refusal(() => ops.createTicket(TICKET));
    assert.deepEqual([error.code, error.scope], [Code.PermissionDenied, "tickets.write"]);
  });

  it("fails the handshake without a client certificate or with one from another CA", async () => {
    const without = createHelpdeskClient(`https://${server.address}`, { timeoutMs: 5_000, caFile: CA_FILE });
    await transportFailure(() => without.stats());
    const foreign = createHelpdeskClient(`https://${server.address}`, {
      timeoutMs: 5_000,
      caFile: CA_FILE,
      cert: readFileSync(join(KEYS, "foreign-client.crt")),
      key: readFileSync(join(KEYS, "foreign-client.key")),
    });
    await transportFailure(() => foreign.stats());
  });
});
