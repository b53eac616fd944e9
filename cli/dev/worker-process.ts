// One installed worker in its own OS process (lambda-host-process.mjs under Node's permission
// model, or a Python worker's own loopback server under bubblewrap), as on-call expects of it: its output goes to our stderr under its name, a crash is
// logged as an error, stop() ends it (SIGTERM, then SIGKILL), and it ends by itself when we are
// gone — its stdin is a pipe from us, and the host exits when that pipe closes, even if we were
// killed with SIGKILL.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../functions/core/ports/logger.js";
import { CALLER_SECRET_HEADER } from "../../plugin-protocol/caller-secret.js";
import { sandboxArgs, type PermissionFlag } from "./node-sandbox.js";

const HOST_SCRIPT = fileURLToPath(new URL("./lambda-host-process.mjs", import.meta.url));
/** The role the local stack's core calls installed workers as (CREDVEND_ALLOWED_CALLERS names it). */
export const LOCAL_CORE_ROLE = "arn:aws:iam::000000000000:role/credvend-local-core";
const LOCAL_CORE_SESSION = "arn:aws:sts::000000000000:assumed-role/credvend-local-core/local";
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 2_000;

interface NodeWorker {
  readonly modulePath: string;
  readonly exportName: string;
  /** undefined: unsandboxed (the operator passed --unsandboxed-plugins). */
  readonly permission: PermissionFlag | undefined;
}

/** A worker that is its own host (the Python SDK's run_loopback --caller-secret-stdin). */
interface CommandWorker {
  readonly command: string;
  readonly args: readonly string[];
}

export type WorkerProcessOptions = WorkerProcessCommon & (NodeWorker | CommandWorker);

interface WorkerProcessCommon {
  readonly name: string;
  /** The unpacked worker: the only folder it may read, and its working directory. */
  readonly dir: string;
  /** Its whole environment: nothing else of ours is inherited. */
  readonly env: Readonly<Record<string, string>>;
  /** Its own caller secret: sent on its stdin, never in its environment or a file. */
  readonly callerSecret: string;
  readonly logger: Logger;
}

export interface WorkerProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const { command, args } = "command" in options ? options : nodeHost(options);
  // A command worker gets its own process group: Ctrl-C at the terminal would end bwrap at once,
  // and we stop our workers ourselves, in order (the Node host ignores SIGINT for the same reason).
  const child = spawn(command, args, {
    cwd: options.dir,
    env: { ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
    detached: "command" in options,
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let stopping = false;
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  forward(child.stderr, options.name);
  child.stdin.on("error", () => undefined); // a worker that died before reading its secret
  child.stdin.write(`${options.callerSecret}\n`);

  const stop = async () => {
    stopping = true;
    process.off("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    const port = await readyPort(child, options.name, exited);
    void exited.then(([code, signal]) => {
      process.off("exit", killOnExit);
      if (!stopping) options.logger.log("error", "installed worker exited", { worker: options.name, code, signal });
    });
    return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function nodeHost(options: NodeWorker & WorkerProcessCommon): { command: string; args: string[] } {
  const args = [
    ...sandboxArgs(options.permission, [options.dir, HOST_SCRIPT]),
    HOST_SCRIPT,
    options.modulePath,
    options.exportName,
    CALLER_SECRET_HEADER,
    LOCAL_CORE_SESSION,
  ];
  return { command: process.execPath, args };
}

/** Waits for the host's ready line; everything else the worker prints goes to our stderr. */
async function readyPort(
  child: ChildProcessWithoutNullStreams,
  name: string,
  exited: Promise<[number | null, NodeJS.Signals | null]>,
): Promise<number> {
  let stderrTail = "";
  child.stderr.on("data", (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout });
  let ready: ((port: number) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  const result = new Promise<number>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  lines.on("line", (line) => {
    const message = ready ? hostMessage(line) : undefined;
    if (!message) return void process.stderr.write(`[${name}] ${line}\n`);
    if (typeof message.port === "number") ready?.(message.port);
    else failed?.(new Error(`installed worker ${name} did not start: ${message.error ?? "no port"}`));
    ready = undefined;
  });
  const timer = setTimeout(
    () => failed?.(new Error(`installed worker ${name} did not start within ${START_TIMEOUT_MS} ms`)),
    START_TIMEOUT_MS,
  );
  void exited.then(([code, signal]) =>
    failed?.(new Error(`installed worker ${name} exited before listening (${signal ?? `code ${code}`}): ${stderrTail.trim()}`)),
  );
  try {
    return await result;
  } finally {
    clearTimeout(timer);
    failed = undefined;
  }
}

function hostMessage(line: string): { port?: unknown; error?: string } | undefined {
  if (!line.startsWith('{"credvendHost":')) return undefined;
  try {
    return (JSON.parse(line) as { credvendHost: { port?: unknown; error?: string } }).credvendHost;
  } catch {
    return undefined;
  }
}

function forward(stream: NodeJS.ReadableStream, name: string): void {
  createInterface({ input: stream }).on("line", (line) => process.stderr.write(`[${name}] ${line}\n`));
}
