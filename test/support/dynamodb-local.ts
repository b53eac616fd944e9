// AWS DynamoDB Local (Java) as a child process on a free loopback port, for running the ledger
// contract against AWS's own emulator. Needs `java` on PATH and the jar fetched by
// `node test/support/fetch-dynamodb-local.mjs`; without them it reports why it skipped.
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import type { LocalDynamo } from "./dynalite.js";

const EMULATOR_DIR = fileURLToPath(new URL("../../.cache/dynamodb-local/emulator/", import.meta.url));
const JAR = join(EMULATOR_DIR, "DynamoDBLocal.jar");
const READY_TIMEOUT_MS = 30_000;

// The JVM must not outlive this process however it ends: vitest stops its workers with SIGTERM,
// which runs no exit handlers. So java runs under a shell watchdog that holds our stdin pipe
// (as fd 3) and kills java when the pipe closes: on close(), or when this process dies.
const WATCHDOG = [
  "exec 3<&0",
  '"$@" </dev/null 3<&- & pid=$!',
  "(cat <&3 >/dev/null; kill -9 $pid 2>/dev/null) &",
  "wait $pid",
].join("\n");

/** Starts DynamoDB Local, or says why it cannot; CI sets CREDVEND_REQUIRE_DYNAMODB_LOCAL=1 to
 *  turn that reason into an error, so the contract on DynamoDB Local cannot silently skip there. */
export async function startDynamoDbLocal(): Promise<LocalDynamo | { skipped: string }> {
  if (!onPath("java")) return skip("java is not on PATH");
  if (!existsSync(JAR)) {
    return skip("DynamoDB Local is not in .cache/dynamodb-local: run `node test/support/fetch-dynamodb-local.mjs`");
  }
  const port = await freePort();
  const java = [
    "java", `-Djava.library.path=${join(EMULATOR_DIR, "DynamoDBLocal_lib")}`, "-jar", JAR,
    "-inMemory", "-sharedDb", "-port", String(port),
  ];
  const child = spawn("sh", ["-c", WATCHDOG, "sh", ...java], { cwd: EMULATOR_DIR, stdio: ["pipe", "pipe", "pipe"] });

  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4_000);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  let hasExited = false;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      hasExited = true;
      resolve();
    }),
  );

  const close = async () => {
    child.stdin.end(); // the watchdog kills java (if still running), then exits itself
    if (hasExited) return;
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, () => hasExited);
  } catch (error) {
    await close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`DynamoDB Local did not start: ${reason}\n${output}`);
  }
  return { endpoint, close };
}

function skip(reason: string): { skipped: string } {
  if (process.env.CREDVEND_REQUIRE_DYNAMODB_LOCAL === "1") {
    throw new Error(`DynamoDB Local is required here (CREDVEND_REQUIRE_DYNAMODB_LOCAL=1): ${reason}`);
  }
  return { skipped: reason };
}

async function waitUntilAnswering(endpoint: string, hasExited: () => boolean): Promise<void> {
  const client = localDynamoClient(endpoint, { maxAttempts: 1 });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (hasExited()) throw new Error("the java process exited");
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`no answer within ${READY_TIMEOUT_MS} ms`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
