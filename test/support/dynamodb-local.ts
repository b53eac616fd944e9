// AWS DynamoDB Local (Java) as a child process on a free loopback port, for running the ledger
// contract against AWS's own emulator. Needs `java` on PATH and the jar fetched by
// `node test/support/fetch-dynamodb-local.mjs`; without them it reports why it skipped.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import type { LocalDynamo } from "./dynalite.js";
import { freePort, onPath, spawnWatched, waitUntilReady } from "./watched-process.js";

const EMULATOR_DIR = fileURLToPath(new URL("../../.cache/dynamodb-local/emulator/", import.meta.url));
const JAR = join(EMULATOR_DIR, "DynamoDBLocal.jar");
const READY_TIMEOUT_MS = 30_000;

/** Starts DynamoDB Local, or says why it cannot; CI sets CREDVEND_REQUIRE_DYNAMODB_LOCAL=1 to
 *  turn that reason into an error, so the contract on DynamoDB Local cannot silently skip there. */
export async function startDynamoDbLocal(): Promise<LocalDynamo | { skipped: string }> {
  if (!onPath("java")) return skip("java is not on PATH");
  if (!existsSync(JAR)) {
    return skip("DynamoDB Local is not in .cache/dynamodb-local: run `node test/support/fetch-dynamodb-local.mjs`");
  }
  const port = await freePort();
  const command = [
    "java",
    `-Djava.library.path=${join(EMULATOR_DIR, "DynamoDBLocal_lib")}`,
    "-jar",
    JAR,
    "-inMemory",
    "-sharedDb",
    "-port",
    String(port),
  ];
  // The JVM must not outlive this process however it ends (see watched-process.ts).
  const emulator = spawnWatched(command, { cwd: EMULATOR_DIR });
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
