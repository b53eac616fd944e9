// AWS DynamoDB Local (Java) as a child process on a free loopback port, for running the ledger
// contract against AWS's own emulator. Needs `java` on PATH and the jar fetched by
// `node test/support/fetch-dynamodb-local.mjs`; without them it reports why it skipped.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import type { LocalDynamo } from "./dynalite.js";
import { freePort, onPath, spawnWatched, waitUntilReady } from "./watched-process.js";

/** Where fetch-dynamodb-local.mjs puts it: .cache/dynamodb-local, or CREDVEND_DYNAMODB_LOCAL_DIR. */
export function dynamoDbLocalDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CREDVEND_DYNAMODB_LOCAL_DIR
    ? resolve(env.CREDVEND_DYNAMODB_LOCAL_DIR)
    : fileURLToPath(new URL("../../.cache/dynamodb-local", import.meta.url));
}

/** The jar that makes DynamoDB Local runnable; absent on a fresh clone. */
export const dynamoDbLocalJar = (env: NodeJS.ProcessEnv = process.env) => join(dynamoDbLocalDir(env), "emulator", "DynamoDBLocal.jar");
const READY_TIMEOUT_MS = 30_000;

/** Starts DynamoDB Local, or says why it cannot; CI sets CREDVEND_REQUIRE_DYNAMODB_LOCAL=1 to
 *  turn that reason into an error, so the contract on DynamoDB Local cannot silently skip there. */
export async function startDynamoDbLocal(): Promise<LocalDynamo | { skipped: string }> {
  if (!onPath("java")) return skip("java is not on PATH");
  const jar = dynamoDbLocalJar();
  const emulatorDir = join(dynamoDbLocalDir(), "emulator");
  if (!existsSync(jar)) {
    return skip("DynamoDB Local is not in .cache/dynamodb-local: run `node test/support/fetch-dynamodb-local.mjs`");
  }
  const port = await freePort();
  const command = [
    "java",
    `-Djava.library.path=${join(emulatorDir, "DynamoDBLocal_lib")}`,
    "-jar",
    jar,
    "-inMemory",
    "-sharedDb",
    "-port",
    String(port),
  ];
  // The JVM must not outlive this process however it ends (see watched-process.ts).
  const emulator = spawnWatched(command, { cwd: emulatorDir });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint, { maxAttempts: 1 });
  try {
    await waitUntilReady(
      emulator,
      async () => {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return true;
      },
      READY_TIMEOUT_MS,
    );
  } catch (error) {
    await emulator.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`DynamoDB Local did not start: ${reason}\n${emulator.output()}`);
  } finally {
    client.destroy();
  }
  return { endpoint, close: emulator.close };
}

function skip(reason: string): { skipped: string } {
  if (process.env.CREDVEND_REQUIRE_DYNAMODB_LOCAL === "1") {
    throw new Error(`DynamoDB Local is required here (CREDVEND_REQUIRE_DYNAMODB_LOCAL=1): ${reason}`);
  }
  return { skipped: reason };
}
