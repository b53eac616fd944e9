// moto's server (a Python emulator of AWS APIs) as a child process on a free loopback port, for
// tests that need Lambda's own answers (GetFunctionConfiguration after UpdateFunctionConfiguration).
// moto stores functions without running them, so no Docker is needed. Without `moto_server` on
// PATH (or CREDVEND_MOTO_SERVER) it reports why it skipped.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { delimiter, join } from "node:path";

export interface MotoServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
// The server must not outlive this process (vitest stops workers with SIGTERM, which runs no exit
// handlers): it runs under a shell watchdog holding our stdin pipe, killing it when that closes.
const WATCHDOG = ["exec 3<&0", '"$@" </dev/null 3<&- & pid=$!', "(cat <&3 >/dev/null; kill -9 $pid 2>/dev/null) &", "wait $pid"].join("\n");

/** Where moto_server is, or why it is not there. */
export function findMotoServer(): { path: string } | { missing: string } {
  const configured = process.env.CREDVEND_MOTO_SERVER;
  if (configured)
    return executable(configured) ? { path: configured } : { missing: `CREDVEND_MOTO_SERVER=${configured} is not executable` };
  const found = (process.env.PATH ?? "")
    .split(delimiter)
    .map((dir) => join(dir, "moto_server"))
    .find(executable);
  return found ? { path: found } : { missing: "moto_server is not on PATH (pip install 'moto[server]')" };
}

export async function startMotoServer(path: string): Promise<MotoServer> {
  const port = await freePort();
  const child = spawn("sh", ["-c", WATCHDOG, "sh", path, "-H", "127.0.0.1", "-p", String(port)], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4_000);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const close = async () => {
    child.stdin.end();
    if (exited) return;
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exit;
    clearTimeout(timer);
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`moto_server exited:\n${output}`);
    const ready = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { endpoint, close };
    if (Date.now() > deadline) {
      await close();
      throw new Error(`moto_server did not answer within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
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
