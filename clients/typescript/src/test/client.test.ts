// Every HelpdeskClient method against a running server.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { timestampFromDate } from "@bufbuild/protobuf/wkt";

import {
  Code,
  HelpdeskError,
  HelpdeskValidationError,
  LintSeverity,
  Priority,
  RulesFormat,
  Status,
  createHelpdeskClient,
  type HelpdeskClient,
  type TicketInit,
  type TriageOutcome,
} from "../index.js";
import { CA_FILE, createCredentials, startServer, type Credentials, type Server } from "./server.js";

// This file runs from dist/test/, two levels below clients/typescript.
const CLIENT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

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

const CANDIDATE = `name: candidate
default_queue: general-support
rules:
  - id: refunds
    name: Refunds go to finance
    priority: 10
    when: { field: text, op: contains_any, value: [refund, charged twice] }
    then: { queue: finance, set_priority: HIGH }
`;

const REFUND: TicketInit = {
  title: "Refund for double charge",
  description: "We were charged twice on invoice 2026-118.",
  requesterEmail: "billing@example.com",
};

/** The error a promise rejects with (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail("expected an error"),
    (reason: unknown) => reason,
  );
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) {
    all.push(item);
  }
  return all;
}

// Clients here take HELPDESK_TOKEN only when a test sets it.
delete process.env.HELPDESK_TOKEN;

describe("HelpdeskClient", () => {
  let credentials: Credentials;
  let server: Server;
  let client: HelpdeskClient;

  before(async () => {
    credentials = await createCredentials();
  });

  after(async () => {
    await credentials.remove();
  });

  // Over TLS with the admin token: every call is allowed.
  beforeEach(async () => {
    server = await startServer({ principalsFile: credentials.principalsFile });
    client = createHelpdeskClient(`https://${server.address}`, {
      timeoutMs: 10_000,
      token: credentials.admin,
      caFile: CA_FILE,
    });
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
  it("batch-triages tickets with one outcome each, in order", async () => {
    const response = await client.batchTriage([BREACH, { ...ticket(1), requesterEmail: "nope" }, ticket(2)]);
    assert.deepEqual([response.succeeded, response.failed], [2, 1]);
    assert.deepEqual(response.outcomes.map((o) => o.index), [0, 1, 2]);
    assert.deepEqual(response.outcomes.map((o) => o.outcome.case), ["result", "error", "result"]);
    const first = response.outcomes[0]!.outcome;
    assert.ok(first.case === "result");
    assert.equal(first.value.queue, "security");
    const failed = response.outcomes[1]!.outcome;
    assert.ok(failed.case === "error");
    assert.equal(failed.value.code, Code.InvalidArgument);
    assert.deepEqual(failed.value.fieldViolations.map((v) => v.field), ["tickets[1].requester_email"]);
    assert.equal((await client.stats()).total, 2n);

    const dry = await client.batchTriage([ticket(3)], { dryRun: true });
    assert.equal(dry.succeeded, 1);
    assert.equal((await client.stats()).total, 2n);
  });

  it("updates and deletes a ticket", async () => {
    const created = await client.createTicket(ticket(1));
    const updated = await client.updateTicket(
      { ticketId: created.ticketId, status: Status.IN_PROGRESS, title: "ignored" },
      ["status"],
    );
    assert.equal(updated.status, Status.IN_PROGRESS);
    assert.equal(updated.title, "Printer 1 jams");
    assert.equal((await client.getTicket(created.ticketId)).ticket?.status, Status.IN_PROGRESS);

    const bad = await rejection(client.updateTicket({ ticketId: created.ticketId, title: "" }, ["title"]));
    assert.ok(bad instanceof HelpdeskValidationError);
    assert.deepEqual(bad.fields, ["ticket.title"]);

    assert.equal(await client.deleteTicket(created.ticketId), created.ticketId);
    const gone = await rejection(client.getTicket(created.ticketId));
    assert.ok(gone instanceof HelpdeskError);
    assert.equal(gone.code, Code.NotFound);
  });

  it("purges tickets created before a time", async () => {
    for (let n = 0; n < 3; n++) {
      await client.createTicket(ticket(n));
    }
    assert.equal(await client.purgeTickets(new Date(Date.now() - 86_400_000)), 0n);
    const future = new Date(Date.now() + 60_000);
    assert.equal(await client.purgeTickets(future, { dryRun: true }), 3n);
    assert.equal((await client.stats()).total, 3n);
    assert.equal(await client.purgeTickets(timestampFromDate(future)), 3n);
    assert.equal((await client.stats()).total, 0n);
    assert.deepEqual(await collect(client.listTickets()), []);
  });

  it("watches the audit log: receives a new entry, then cancels cleanly", async () => {
    await client.triage(ticket(1)); // written before the watch: not delivered
    const watch = await client.watchAudit({ action: "ticket.triaged" }, { timeoutMs: 30_000 });
    const triaged = await client.triage(BREACH);
    const iterator = watch[Symbol.asyncIterator]();
    const next = await iterator.next();
    assert.ok(!next.done);
    assert.equal(next.value.ticketId, triaged.ticketId);
    assert.equal(next.value.action, "ticket.triaged");
    assert.equal(next.value.rulesVersion, triaged.rulesVersion);

    watch.cancel();
    assert.ok(watch.closed);
    assert.deepEqual(await collect(watch), []); // a cancelled watch just ends, no error
    assert.equal(await client.health(), "SERVING");
  });

  it("stops watching when the loop is left", async () => {
    const created = await client.createTicket(ticket(1));
    const watch = await client.watchAudit({ ticketId: created.ticketId });
    await client.createTicket(ticket(2)); // another ticket: filtered out
    await client.updateTicket({ ticketId: created.ticketId, status: Status.CLOSED }, ["status"]);
    const seen: string[] = [];
    for await (const entry of watch) {
      seen.push(`${entry.ticketId} ${entry.action}`);
      break;
    }
    assert.deepEqual(seen, [`${created.ticketId} ticket.updated`]);
    assert.ok(watch.closed);
  });

  it("exports, purges and verifies the audit log", async () => {
    const ids: string[] = [];
    for (let n = 0; n < 4; n++) {
      ids.push((await client.triage(ticket(n))).ticketId);
    }
    const report = await client.verifyAudit();
    assert.ok(report.valid, report.reason);
    assert.equal(report.entriesChecked, 4n);
    assert.equal(report.firstBrokenSequence, 0n);
    // No signing key on this server: hashes only, and strictness changes nothing.
    assert.equal(report.signaturesRequired, false);
    assert.ok((await client.verifyAudit({ strict: true })).valid);

    const cutoff = new Date(Date.now() + 1_000);
    const refused = await rejection(client.purgeAudit(cutoff));
    assert.ok(refused instanceof HelpdeskError);
    assert.equal(refused.code, Code.FailedPrecondition);

    const exported = await collect(client.exportAudit(cutoff));
    assert.deepEqual(exported.map((e) => e.sequence), [1n, 2n, 3n, 4n, 5n, 6n]); // oldest first
    // The four triages, then the two verifications: each is an audit entry of its own.
    assert.deepEqual(exported.map((e) => e.action), [
      ...Array<string>(4).fill("ticket.triaged"),
      "audit.verified",
      "audit.verified",
    ]);
    assert.deepEqual(exported.slice(0, 4).map((e) => e.ticketId), ids);
    assert.ok(exported.every((e) => e.hash !== ""));

    assert.equal(await client.purgeAudit(cutoff), 6n);
    const left = (await collect(client.listAudit())).map((e) => e.action);
    assert.ok(left.includes("audit.purged"), left.join());
    assert.ok(!left.includes("ticket.triaged"));
    const after = await client.verifyAudit();
    assert.ok(after.valid, after.reason);
    assert.equal(after.entriesChecked, BigInt(left.length));
  });

  it("purges unexported audit entries only with force", async () => {
    await client.createTicket(ticket(1));
    await client.createTicket(ticket(2));
    assert.equal((await collect(client.exportAudit())).length, 2); // no cutoff: everything so far
    assert.equal(await client.purgeAudit(new Date("2000-01-01T00:00:00Z"), { force: true }), 0n);
    await client.createTicket(ticket(3)); // written after the export
    // 2 created + the export's own entry + 1 created, not all exported: needs force.
    assert.equal(await client.purgeAudit(new Date(Date.now() + 1_000), { force: true }), 4n);
    assert.deepEqual((await collect(client.listAudit())).map((e) => e.action), ["audit.purged"]);
    const report = await client.verifyAudit();
    assert.deepEqual([report.valid, report.entriesChecked], [true, 1n]);
  });

  it("gets the rules in force", async () => {
    const rules = await client.getRules();
    assert.match(rules.version, /^default@[0-9a-f]{12}$/);
    assert.deepEqual([rules.name, rules.source, rules.defaultQueue], ["default", "built-in", "general-support"]);
    const byId = new Map(rules.rules.map((r) => [r.id, r]));
    assert.equal(byId.get("security-incidents")?.queue, "security");
    assert.equal(byId.get("security-incidents")?.enabled, true);
    assert.equal(byId.get("key-account-domains")?.enabled, false);
    const priorities = rules.rules.map((r) => r.priority);
    assert.deepEqual(priorities, [...priorities].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    assert.equal((await client.triage(BREACH)).rulesVersion, rules.version);
  });

  it("checks rules: valid ones get a version, bad ones findings naming the problem", async () => {
    const ok = await client.checkRules(CANDIDATE);
    assert.ok(ok.valid);
    assert.match(ok.version, /^candidate@/);
    assert.deepEqual(ok.rules.map((r) => [r.id, r.queue]), [["refunds", "finance"]]);

    const tied = `${CANDIDATE}  - id: other\n    name: Same priority\n    priority: 10\n    when: { all: [] }\n    then: { queue: x }\n`;
    const bad = await client.checkRules(tied);
    assert.ok(!bad.valid);
    assert.equal(bad.version, "");
    assert.equal(bad.rules.length, 0);
    const errors = bad.findings.filter((f) => f.severity === LintSeverity.ERROR);
    assert.ok(errors.some((f) => f.message.includes("priority") || f.path.includes("priority")), JSON.stringify(errors));

    const unknown = await client.checkRules(CANDIDATE.replace("field: text", "field: nope"));
    assert.ok(!unknown.valid);
    assert.equal(unknown.findings.length, 1);
    const finding = unknown.findings[0]!;
    assert.equal(finding.severity, LintSeverity.ERROR);
    assert.deepEqual([finding.ruleId, finding.path], ["refunds", "when.field"]);
    assert.match(finding.message, /nope/);

    const json = await client.checkRules('{"name": "j", "default_queue": "q", "rules": []}', {
      format: RulesFormat.JSON,
    });
    assert.ok(json.valid);
    assert.match(json.version, /^j@/);
    const empty = await rejection(client.checkRules("   "));
    assert.ok(empty instanceof HelpdeskValidationError);
    assert.deepEqual(empty.fields, ["rules.text"]);
  });

  it("tests rules on one ticket and stores nothing", async () => {
    const tested = await client.testRules(CANDIDATE, REFUND);
    assert.ok(tested.changed);
    assert.equal(tested.candidateResult?.queue, "finance");
    assert.equal(tested.candidateResult?.matchedRule, "refunds");
    assert.equal(tested.candidateResult?.priority, Priority.HIGH);
    assert.match(tested.candidateResult?.rulesVersion ?? "", /^candidate@/);
    assert.equal(tested.currentResult?.queue, "billing");
    assert.equal(tested.currentResult?.rulesVersion, (await client.getRules()).version);
    assert.equal((await client.stats()).total, 0n);

    const broken = await rejection(client.testRules(CANDIDATE.replace("field: text", "field: nope"), REFUND));
    assert.ok(broken instanceof HelpdeskValidationError);
    assert.deepEqual(broken.fields, ["rules.text"]);
    assert.match(broken.message, /nope/);
  });

  it("backtests rules over stored tickets", async () => {
    await client.triage(REFUND);
    await client.triage({ ...REFUND, title: "Refund please", description: "I want a refund for the annual plan." });
    await client.triage(ticket(1));
    const report = await client.backtestRules(CANDIDATE, { maxExamples: 1 });
    assert.deepEqual(
      [report.replayed, report.changed, report.queueChanged, report.priorityChanged],
      [3n, 2n, 2n, 2n],
    );
    assert.equal(report.currentVersion, (await client.getRules()).version);
    assert.match(report.candidateVersion, /^candidate@/);
    const queues = new Map(report.queues.map((q) => [q.name, [q.before, q.after]]));
    assert.deepEqual(queues.get("finance"), [0n, 2n]);
    assert.deepEqual(queues.get("billing"), [2n, 0n]);
    assert.equal(report.examples.length, 1);
    const example = report.examples[0]!;
    assert.deepEqual([example.queueBefore, example.queueAfter, example.ruleAfter], ["billing", "finance", "refunds"]);

    const later = new Date(Date.now() + 3_600_000);
    assert.equal((await client.backtestRules(CANDIDATE, { createdAfter: later })).replayed, 0n);
    assert.equal((await client.backtestRules(CANDIDATE, { limit: 1 })).replayed, 1n);
    const tooMany = await rejection(client.backtestRules(CANDIDATE, { limit: 1_000_000 }));
    assert.ok(tooMany instanceof HelpdeskValidationError);
    assert.deepEqual(tooMany.fields, ["limit"]);
  });

  it("runs the README example as written", async () => {
    const readme = await readFile(resolve(CLIENT_ROOT, "README.md"), "utf8");
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, "the README has a js example");
    assert.equal(example.split("127.0.0.1:50051").length, 2);
    assert.equal(example.split('caFile: "ca.crt"').length, 2);
    assert.ok(example.split("\n").filter((line) => line.trim() !== "").length <= 11, "about ten lines");
    // Inside the package, so the example's import of "@helpdesk-ai/client" resolves to this build.
    // As a reader runs it: the token in HELPDESK_TOKEN, the CA file at hand; only the address and the
    // CA's path change.
    const file = resolve(CLIENT_ROOT, "dist", "readme-example.mjs");
    const code = example
      .replace("127.0.0.1:50051", server.address)
      .replace('caFile: "ca.crt"', `caFile: ${JSON.stringify(CA_FILE)}`);
    await writeFile(file, code);
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("HELPDESK_")),
    );
    env.HELPDESK_TOKEN = credentials.admin;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 60_000, env });
      const lines = stdout.trimEnd().split("\n");
      assert.match(lines[0]!, /^TKT-\S+ security CRITICAL$/);
      assert.deepEqual(lines.slice(1), ["ticket.triaged", "[ { field: 'ticket.title', description: 'is required' } ]"]);
    } finally {
      await rm(file, { force: true });
    }
  });
});
