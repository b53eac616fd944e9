// Lambda runs one request per environment, so two deliveries of one leak race in two processes,
// not two promises: here two OS processes, each its own leak handler, on one DynamoDB API server,
// calling one worker whose upstream counts revokes. The ledger's conditional writes must decide.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { listenOnLoopback, servePlugin, type LoopbackServer } from "../../plugin-workers/sdk/index.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { createUpstream, upstreamWorker } from "../support/leak-fixture.js";
import { makeRecord } from "./ledger-contract.js";

const CHILD = new URL("../support/leak-handler-process.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;
const PROCESSES = 2;
const ATTEMPTS_EACH = 4;

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let worker: LoopbackServer;
const upstream = createUpstream();

beforeAll(async () => {
  dynamo = await startDynalite();
  client = localDynamoClient(dynamo.endpoint);
  worker = await listenOnLoopback(servePlugin(upstreamWorker(upstream)).app);
});
afterAll(async () => {
  await worker?.close();
  client?.destroy();
  await dynamo?.close();
});

function handleInChild(config: Record<string, unknown>): Promise<{ outcomes: string[]; alerts: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(config)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`leak handler process exited ${code}: ${err.slice(-2_000)}`));
      else resolve(JSON.parse(out.trim().split("\n").at(-1)!) as { outcomes: string[]; alerts: string[] });
    });
  });
}

describe("leak response across OS processes", () => {
  it("two processes racing on one detection (four deliveries each): one upstream revoke, one outcome, one alert", {
    timeout: 60_000,
  }, async () => {
    const table = `ledger-${randomUUID()}`;
    await ensureLedgerTable(client, table);
    const ledger = new DynamoDbLedger({ client, tableName: table });
    const secret = `test_${randomUUID()}`;
    const credentialId = randomUUID();
    await ledger.recordIssued(
      makeRecord({
        credentialId,
        provider: "test",
        worker: "test-worker",
        scopes: ["test:read:thing"],
        issuedAt: new Date(Date.now() - 60_000).toISOString(),
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        upstreamRef: credentialId,
        tokenHashes: [tokenHash(secret)],
        revocable: true,
      }),
    );
    // Both processes load first, then start together.
    const startAt = Date.now() + 6_000;
    const config = {
      dynamoEndpoint: dynamo.endpoint,
      table,
      workerUrl: worker.url,
      tokenHash: tokenHash(secret),
      startAt,
      attempts: ATTEMPTS_EACH,
    };
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => handleInChild(config)));

    expect(upstream.calls).toEqual([credentialId]);
    expect(upstream.revoked).toEqual([credentialId]);
    const outcomes = results.flatMap((r) => r.outcomes);
    expect(outcomes).toHaveLength(PROCESSES * ATTEMPTS_EACH);
    expect(outcomes.filter((o) => o === "revoked_on_detection")).toHaveLength(1);
    expect(results.flatMap((r) => r.alerts)).toEqual(["revoked_on_detection"]);
    expect(await ledger.getCredential(credentialId)).toMatchObject({ state: "revoked", outcome: "revoked_on_detection" });
  });
});
