// The operators' reader on both DynamoDB API servers: newest first through the indexes, paged
// lazily, never a Scan; and `credvend audit --table` against DynamoDB Local as against AWS (the
// SDK's own endpoint variable), including its errors for a missing table and missing credentials.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoDbAuditReader, type ReadProgress } from "../../functions/adapters/ledger/dynamodb-audit-reader.js";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import type { AuditEvent, AuditEventType } from "../../functions/core/records.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { startDynamoDbLocal } from "../support/dynamodb-local.js";

const BIN = new URL("../../cli/bin.js", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;
const END = Date.parse("2026-11-28T12:00:00.000Z");
const RANGE = { from: new Date(END - 3 * 86_400_000).toISOString(), to: new Date(END).toISOString() };
const TYPES: readonly AuditEventType[] = ["vend", "vend", "vend", "deny", "detect"];

/** 150 events over three days (across UTC midnights), two repositories, a few types. */
function history(): AuditEvent[] {
  return Array.from({ length: 150 }, (_, i) => ({
    eventId: `e-${String(i).padStart(4, "0")}-${randomUUID().slice(0, 8)}`,
    type: TYPES[i % TYPES.length] as AuditEventType,
    at: new Date(END - (i + 1) * 28 * 60_000).toISOString(),
    repository: i % 3 === 0 ? "acme/api" : "acme/web",
    scopes: ["local:read:billing"],
    subject: { repository: i % 3 === 0 ? "acme/api" : "acme/web", ref: "refs/heads/main" },
  }));
}

async function collect(events: AsyncIterable<AuditEvent>, limit = Number.POSITIVE_INFINITY): Promise<AuditEvent[]> {
  const taken: AuditEvent[] = [];
  for await (const event of events) {
    if (taken.length >= limit) break;
    taken.push(event);
  }
  return taken;
}

const dynamoDbLocal = await startDynamoDbLocal();
afterAll(async () => {
  if ("close" in dynamoDbLocal) await dynamoDbLocal.close();
});
const servers: { name: string; start: () => Promise<LocalDynamo> }[] = [{ name: "dynalite", start: () => startDynalite() }];
if ("skipped" in dynamoDbLocal) {
  describe.skip(`audit reader on DynamoDB Local — skipped: ${dynamoDbLocal.skipped}`, () => {
    it("reads newest first", () => {});
  });
} else {
  const { endpoint } = dynamoDbLocal;
  servers.push({ name: "DynamoDB Local", start: async () => ({ endpoint, close: async () => {} }) });
}

for (const server of servers) {
  describe(`DynamoDbAuditReader on ${server.name}`, async () => {
    const dynamo = await server.start();
    const client = localDynamoClient(dynamo.endpoint);
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: "initialize", name: "recordCommands" },
    );
    const tableName = `audit-${randomUUID()}`;
    await ensureLedgerTable(client, tableName);
    const ledger = new DynamoDbLedger({ client, tableName });
    const events = history();
    for (const event of events) await ledger.appendAudit(event);
    const reader = new DynamoDbAuditReader({ client, tableName });
    afterAll(async () => {
      client.destroy();
      await dynamo.close();
    });

    it("byTime: every event of the range, newest first, the same as the ledger's oldest-first list reversed", async () => {
      commands.length = 0;
      const read = await collect(reader.byTime(RANGE, { pageSize: 7 }));
      const expected = (await ledger.auditByTime(RANGE)).reverse();
      expect(read.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
      expect(read).toHaveLength(events.length);
      expect(commands.filter((name) => name !== "QueryCommand")).toEqual([]);
    });

    it("byRepository: one repository, newest first, paged", async () => {
      const pages: ReadProgress[] = [];
      const read = await collect(reader.byRepository("acme/api", RANGE, { pageSize: 10, onPage: (p) => pages.push(p) }));
      expect(read.map((e) => e.eventId)).toEqual(events.filter((e) => e.repository === "acme/api").map((e) => e.eventId));
      expect(pages.length).toBeGreaterThanOrEqual(5);
      expect(pages.at(-1)?.scanned).toBe(50);
    });

    it("reads only the pages the caller takes: the newest 5 of a repository cost one page", async () => {
      const pages: ReadProgress[] = [];
      const read = await collect(reader.byRepository("acme/web", RANGE, { pageSize: 10, onPage: (p) => pages.push(p) }), 5);
      expect(read.map((e) => e.eventId)).toEqual(
        events
          .filter((e) => e.repository === "acme/web")
          .slice(0, 5)
          .map((e) => e.eventId),
      );
      expect(pages).toEqual([{ pages: 1, scanned: 10 }]);
    });

    it("types: only the asked types, in the same order", async () => {
      const read = await collect(reader.byTime(RANGE, { types: ["deny", "detect"], pageSize: 25 }));
      expect(read.map((e) => e.eventId)).toEqual(events.filter((e) => e.type === "deny" || e.type === "detect").map((e) => e.eventId));
    });

    it("a window inside one day reads that day only and keeps its bounds ([from, to))", async () => {
      const window = { from: events[9]?.at as string, to: events[2]?.at as string };
      const read = await collect(reader.byTime(window));
      expect(read.map((e) => e.eventId)).toEqual(events.slice(3, 10).map((e) => e.eventId));
    });
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function credvend(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf("skipped" in dynamoDbLocal)("credvend audit --table on DynamoDB Local", async () => {
  const endpoint = "endpoint" in dynamoDbLocal ? dynamoDbLocal.endpoint : "";
  const { PATH, HOME } = process.env;
  const aws = {
    PATH,
    HOME,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: "/nonexistent",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const tableName = `audit-cli-${randomUUID()}`;
  const events = history();
  if (endpoint) {
    const client = localDynamoClient(endpoint);
    await ensureLedgerTable(client, tableName);
    const ledger = new DynamoDbLedger({ client, tableName });
    for (const event of events.slice(0, 40)) await ledger.appendAudit(event);
    client.destroy();
  }

  it("audit repo --limit: the newest events of the repository, as NDJSON", async () => {
    const run = await credvend(
      [
        "audit",
        "repo",
        "acme/web",
        "--table",
        tableName,
        "--since",
        "2026-11-25",
        "--until",
        "2026-11-28T12:00:00Z",
        "--limit",
        "4",
        "--ndjson",
      ],
      aws,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as AuditEvent);
    expect(lines.map((e) => e.eventId)).toEqual(
      events
        .filter((e) => e.repository === "acme/web")
        .slice(0, 4)
        .map((e) => e.eventId),
    );
  }, 30_000);

  it("a table that does not exist: exit 5, names the table and what to check", async () => {
    const run = await credvend(["audit", "events", "--table", "no-such-ledger"], aws);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("table no-such-ledger in us-east-1: no such table (check --table and --region");
  }, 30_000);

  it("no AWS credentials in the shell: exit 5, says how to get them", async () => {
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutCredentials } = aws;
    const run = await credvend(["audit", "events", "--table", tableName], withoutCredentials);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("no AWS credentials in this shell");
  }, 30_000);
});
