// Bench part: how many DynamoDB round trips a vend waits for after the worker answered, i.e. the
// longest chain of ledger requests where each starts after the one before it ended (requests in
// parallel count once). Counted by an SDK middleware on the ledger's client, with the real
// pipeline, the local-tokens worker in memory and the ledger as each store is configured:
// dynalite (the embedded default: ordered writes) and DynamoDB Local (AWS's own emulator, where
// the ledger is configured as on AWS). Target: 1 on AWS DynamoDB.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import { startDynalite } from "../../cli/embedded-dynamodb.js";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import type { PluginClient } from "../../functions/core/ports/plugin-client.js";
import { VendPipeline } from "../../functions/core/vend-pipeline.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { createLocalTokensWorker } from "../../plugin-workers/local-tokens/worker.js";
import { dynamoDbLocalForBench } from "./bench-dynamodb-local.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { StaticPluginDirectory } from "../support/static-plugin-directory.js";

const VENDS = 50;
const POLICY = `version: 1
audience: credvend
issuers: [https://issuer.test]
rules:
  - name: bench
    when: { repository: acme/web }
    allow: ["local:read:*"]
    maxTtl: 15m
`;

interface Sent {
  readonly command: string;
  readonly start: number;
  end: number;
}

/** Every command the client sends, with when it started and ended. */
function recordCommands(client: DynamoDBClient): Sent[] {
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const entry: Sent = { command: context.commandName ?? "unknown", start: performance.now(), end: Number.POSITIVE_INFINITY };
      sent.push(entry);
      try {
        return await next(args);
      } finally {
        entry.end = performance.now();
      }
    },
    { step: "initialize", name: "benchRoundTrips" },
  );
  return sent;
}

/** The longest chain of requests each starting after the previous one ended. */
function sequentialDepth(requests: readonly Sent[]): number {
  const sorted = [...requests].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let best = 0;
    for (let j = 0; j < i; j++) if (sorted[j]!.end <= sorted[i]!.start) best = Math.max(best, depth[j]!);
    depth.push(best + 1);
  }
  return Math.max(0, ...depth);
}

async function measure(ledger: DynamoDbLedger, sent: Sent[]): Promise<{ depth: number; calls: string }> {
  const worker = inMemoryWorkerClient(createLocalTokensWorker({ store: new MemoryLocalTokenStore() }));
  let answeredAt = Number.POSITIVE_INFINITY;
  const timed: PluginClient = {
    name: worker.name,
    describe: () => worker.describe(),
    prepare: (request) => worker.prepare(request),
    revoke: (request) => worker.revoke(request),
    vend: async (request) => {
      const result = await worker.vend(request);
      answeredAt = performance.now();
      return result;
    },
  };
  const pipeline = new VendPipeline({
    policy: loadPolicyYaml(POLICY),
    plugins: new StaticPluginDirectory([{ client: timed, providers: ["local"] }]),
    ledger,
    notifier: { notify: async () => undefined },
  });
  const claims = { ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }), iss: "https://issuer.test" };
  let depth = 0;
  const calls = new Map<string, number>();
  for (let i = 0; i < VENDS; i++) {
    sent.length = 0;
    answeredAt = Number.POSITIVE_INFINITY;
    await pipeline.vend(claims, { scopes: [`local:read:bench-${i}`], ttlSeconds: 600 });
    const after = sent.filter((request) => request.start >= answeredAt);
    depth = Math.max(depth, sequentialDepth(after));
    const names = after.map((request) => request.command.replace(/Command$/, "")).join(" + ");
    calls.set(names, (calls.get(names) ?? 0) + 1);
  }
  return { depth, calls: [...calls.keys()].join(" | ") };
}

export async function benchLedgerRoundTrips(): Promise<void> {
  const rows: Record<string, { "sequential round trips": string; "requests after the worker answered": string; target: string }> = {};
  const tableName = `ledger-${randomUUID()}`;

  const dynalite = await startDynalite();
  const dynaliteClient = localDynamoClient(dynalite.endpoint);
  try {
    const sent = recordCommands(dynaliteClient);
    await ensureLedgerTable(dynaliteClient, tableName);
    const { depth, calls } = await measure(new DynamoDbLedger({ client: dynaliteClient, tableName, transactions: false }), sent);
    rows["dynalite (embedded default, no transactions)"] = {
      "sequential round trips": String(depth),
      "requests after the worker answered": calls,
      target: "",
    };
  } finally {
    dynaliteClient.destroy();
    await dynalite.close();
  }

  const local = await dynamoDbLocalForBench();
  if ("skipped" in local) {
    rows["DynamoDB Local (transactions, as on AWS)"] = {
      "sequential round trips": "skipped",
      "requests after the worker answered": local.skipped,
      target: "1",
    };
  } else {
    const client = localDynamoClient(local.endpoint);
    try {
      const sent = recordCommands(client);
      await ensureLedgerTable(client, tableName);
      const { depth, calls } = await measure(new DynamoDbLedger({ client, tableName, transactions: true }), sent);
      rows["DynamoDB Local (transactions, as on AWS)"] = {
        "sequential round trips": String(depth),
        "requests after the worker answered": calls,
        target: "1",
      };
    } finally {
      client.destroy();
      await local.close();
    }
  }
  console.log(`\nDynamoDB round trips on the vend path after the worker answers (${VENDS} vends each; parallel requests count once)`);
  console.table(rows);
}

if (process.argv[1] === new URL(import.meta.url).pathname) await benchLedgerRoundTrips();
