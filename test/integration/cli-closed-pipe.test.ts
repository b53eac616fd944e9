// `credvend audit … | head`: a reader that stops early closes the pipe under the CLI. What is left
// to print has nobody to read it, which is not a failure: the CLI ends quietly with exit 0 (it used
// to die with an unhandled EPIPE stack trace and exit 1, which the CLI's scheme reads as "not found").
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import type { AuditEvent } from "../../functions/core/records.js";
import { localDynamoClient, startDynalite } from "../support/dynalite.js";

const BIN = new URL("../../cli/bin.js", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

/** Runs the CLI with its stdout read until the first chunk, then closed, like `| head -1`. */
function credvendIntoEarlyClosingReader(args: readonly string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; signal: string | null; stderr: string; read: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let read = "";
    child.stderr.on("data", (chunk) => (stderr += String(chunk)));
    child.stdout.once("data", (chunk) => {
      read = String(chunk);
      child.stdout.destroy();
    });
    child.on("close", (code, signal) => resolve({ code, signal, stderr, read }));
  });
}

describe("credvend with its stdout closed early (EPIPE)", async () => {
  const dynamo = await startDynalite();
  const client = localDynamoClient(dynamo.endpoint);
  const tableName = `closed-pipe-${randomUUID()}`;
  await ensureLedgerTable(client, tableName);
  const ledger = new DynamoDbLedger({ client, tableName });
  // Far more than a pipe buffer (64 KiB) of table rows, so the CLI is still writing when the reader goes.
  const now = Date.now();
  const events: AuditEvent[] = Array.from({ length: 1200 }, (_, i) => ({
    eventId: `e-${String(i).padStart(5, "0")}-${randomUUID().slice(0, 8)}`,
    type: "deny",
    at: new Date(now - (i + 1) * 1000).toISOString(),
    repository: "acme/web",
    scopes: ["local:admin:billing"],
    subject: { repository: "acme/web", ref: "refs/heads/main", actor: "octocat" },
    reason: "scope_denied",
    details: { denied: "local:admin:billing" },
  }));
  for (let i = 0; i < events.length; i += 50) await Promise.all(events.slice(i, i + 50).map((event) => ledger.appendAudit(event)));
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  it("audit events | head: exit 0, no stack trace (EPIPE crashed the CLI with exit 1)", async () => {
    const run = await credvendIntoEarlyClosingReader(["audit", "events", "--table", tableName, "--since", "1d"], {
      ...process.env,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
    expect(run.read).toContain("TIME");
    expect(run.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
  }, 60_000);
});
