// Every HelpdeskClient method against a running server.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";

import {
  Code,
  HelpdeskError,
  HelpdeskValidationError,
  Priority,
  Status,
  createHelpdeskClient,
  type HelpdeskClient,
  type TicketInit,
  type TriageOutcome,
} from "../index.js";
import { startServer, type Server } from "./server.js";

const BREACH: TicketInit = {
  title: "Data breach: admin account hacked",
  description: "Someone exported all customer records.",
  requesterEmail: "a@example.com",
};

function ticket(n: number): TicketInit {
  return {
    title: `Printer ${n} jams`,
    description: `The printer number ${n} on floor 2 jams on every page.`,
    requesterEmail: `user${n}@example.com`,
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) {
    all.push(item);
  }
  return all;
}

describe("HelpdeskClient", () => {
  let server: Server;
  let client: HelpdeskClient;

  beforeEach(async () => {
    server = await startServer();
    client = createHelpdeskClient(`http://${server.address}`, { timeoutMs: 10_000 });
  });

  afterEach(async () => {
    await server.stop();
  });

  it("reports health for the server and each service", async () => {
    assert.equal(await client.health(), "SERVING");
    assert.equal(await client.health("helpdesk.v1.TriageService"), "SERVING");
    await assert.rejects(client.health("nope.v1.Nothing"), (error: unknown) => error instanceof Error);
  });

  it("triages a breach to the security queue as critical", async () => {
    const result = await client.triage(BREACH);
    assert.equal(result.queue, "security");
    assert.equal(result.priority, Priority.CRITICAL);
    assert.ok(result.escalation?.escalated);
    assert.match(result.ticketId, /^TKT-/);
  });

  it("stores nothing on a dry run and replays a request id", async () => {
    const dry = await client.triage(BREACH, { dryRun: true });
    assert.equal(dry.queue, "security");
    assert.equal((await client.stats()).total, 0n);

    const first = await client.triage(BREACH, { requestId: "req-42" });
    const again = await client.triage(BREACH, { requestId: "req-42" });
    assert.equal(again.ticketId, first.ticketId);
    assert.equal((await client.stats()).total, 1n);
  });

  it("throws HelpdeskValidationError with the field violations", async () => {
    const error = await client
      .triage({ title: "", description: "", requesterEmail: "not-an-address" })
      .then(
        () => assert.fail("expected a validation error"),
        (reason: unknown) => reason,
      );
    assert.ok(error instanceof HelpdeskValidationError);
    assert.ok(error instanceof HelpdeskError);
    assert.equal(error.code, Code.InvalidArgument);
    assert.deepEqual(error.fields, ["ticket.title", "ticket.description", "ticket.requester_email"]);
    assert.ok(error.violations.every((v) => v.description.length > 0));
    assert.match(error.message, /ticket\.title/);
  });

  it("streams outcomes: two results and one error", async () => {
    const outcomes: TriageOutcome[] = await collect(
      client.streamTriage([ticket(1), { ...ticket(2), title: "" }, BREACH]),
    );
    assert.equal(outcomes.length, 3);
    const results = outcomes.filter((o) => o.outcome.case === "result");
    const errors = outcomes.filter((o) => o.outcome.case === "error");
    assert.equal(results.length, 2);
    assert.equal(errors.length, 1);

    const failed = errors[0]!;
    assert.equal(failed.clientId, "1");
    assert.ok(failed.outcome.case === "error");
    assert.equal(failed.outcome.value.code, Code.InvalidArgument);
    assert.deepEqual(
      failed.outcome.value.fieldViolations.map((v) => v.field),
      ["ticket.title"],
    );
    assert.deepEqual(results.map((o) => o.clientId).sort(), ["0", "2"]);
    const breach = results.find((o) => o.clientId === "2")!;
    assert.ok(breach.outcome.case === "result");
    assert.equal(breach.outcome.value.queue, "security");
    assert.equal((await client.stats()).total, 2n);
  });

  it("accepts an async iterable of tickets", async () => {
    async function* tickets() {
      yield ticket(1);
      yield ticket(2);
    }
    const outcomes = await collect(client.streamTriage(tickets(), { dryRun: true }));
    assert.deepEqual(outcomes.map((o) => o.outcome.case), ["result", "result"]);
    assert.equal((await client.stats()).total, 0n);
  });

  it("creates and gets tickets; a missing one is NotFound", async () => {
    const created = await client.createTicket(ticket(1));
    assert.ok(created.ticketId);
    assert.equal(created.title, "Printer 1 jams");
    assert.equal(created.status, Status.NEW);

    const fetched = await client.getTicket(created.ticketId);
    assert.equal(fetched.ticket?.ticketId, created.ticketId);
    assert.equal(fetched.ticket?.requesterEmail, "user1@example.com");
    assert.equal(fetched.latestResult, undefined);

    const error = await client.getTicket("TKT-20200101-AAAAAAAA").then(
      () => assert.fail("expected NotFound"),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof HelpdeskError);
    assert.ok(!(error instanceof HelpdeskValidationError));
    assert.equal(error.code, Code.NotFound);
  });

  it("gets the latest triage result of a ticket", async () => {
    const result = await client.triage(BREACH);
    const fetched = await client.getTicket(result.ticketId);
    assert.equal(fetched.latestResult?.queue, "security");
    assert.equal(fetched.ticket?.title, BREACH.title);
  });

  it("lists tickets following page tokens", async () => {
    const ids = new Set<string>();
    for (let n = 0; n < 5; n++) {
      ids.add((await client.createTicket(ticket(n))).ticketId);
    }
    const listed = await collect(client.listTickets({ pageSize: 2 }));
    assert.equal(listed.length, 5);
    assert.deepEqual(new Set(listed.map((t) => t.ticketId)), ids);
  });

  it("filters tickets", async () => {
    await client.triage(BREACH);
    for (let n = 0; n < 3; n++) {
      await client.createTicket(ticket(n));
    }
    const security = await collect(client.listTickets({ queue: "security" }));
    assert.deepEqual(security.map((t) => t.title), [BREACH.title]);
    const fresh = await collect(client.listTickets({ status: Status.NEW, pageSize: 1 }));
    assert.equal(fresh.length, 3);
  });

  it("reports stats", async () => {
    await client.triage(BREACH);
    await client.createTicket(ticket(1));
    const stats = await client.stats();
    assert.equal(stats.total, 2n);
    assert.equal(stats.byQueue["security"], 1n);
    assert.equal(stats.byPriority["CRITICAL"], 1n);
  });

  it("lists audit entries", async () => {
    const triaged = await client.triage(BREACH);
    const created = await client.createTicket(ticket(1));

    const entries = await collect(client.listAudit({ pageSize: 1 }));
    assert.ok(entries.length > 0);
    assert.deepEqual(entries.map((e) => e.action).sort(), ["ticket.created", "ticket.triaged"]);
    assert.equal(new Set(entries.map((e) => e.sequence)).size, entries.length);

    const forTicket = await collect(client.listAudit({ ticketId: created.ticketId }));
    assert.deepEqual(forTicket.map((e) => e.action), ["ticket.created"]);
    const triageEntries = await collect(client.listAudit({ action: "ticket.triaged" }));
    assert.deepEqual(triageEntries.map((e) => e.ticketId), [triaged.ticketId]);
  });
});
