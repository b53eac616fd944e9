// An emulator (DynamoDB Local, moto) as a child process that cannot outlive the test process, on a
// free loopback port, and the checks a test needs before starting one.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { delimiter, join } from "node:path";

// vitest stops its workers with SIGTERM, which runs no exit handlers. So the command runs under a
// shell watchdog that holds our stdin pipe (as fd 3) and kills the command when the pipe closes:
// on close(), or when this process dies.
const WATCHDOG = ["exec 3<&0", '"$@" </dev/null 3<&- & pid=$!', "(cat <&3 >/dev/null; kill -9 $pid 2>/dev/null) &", "wait $pid"].join("\n");

export interface WatchedProcess {
  /** True once the process has exited (by itself or through close). */
  hasExited(): boolean;
  /** The last 4,000 characters it wrote, for error messages. */
  output(): string;
  /** Stops it and waits until it is gone. Safe to call twice. */
  close(): Promise<void>;
}

export function spawnWatched(command: readonly string[], options: { cwd?: string } = {}): WatchedProcess {
  const child = spawn("sh", ["-c", WATCHDOG, "sh", ...command], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ["pipe", "pipe", "pipe"],
  });
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
  return {
    hasExited: () => exited,
    output: () => output,
    close: async () => {
      child.stdin.end(); // the watchdog kills the command (if still running), then exits itself
      if (exited) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Polls `ready` every 100 ms until it resolves true, the process exits, or `timeoutMs` passes. */
export async function waitUntilReady(process: WatchedProcess, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (process.hasExited()) throw new Error("the process exited");
    try {
      if (await ready()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`no answer within ${timeoutMs} ms`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A loopback port that was free a moment ago (bound to port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
