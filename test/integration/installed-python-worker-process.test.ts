// The local host's process lifecycle for an installed Python worker (issue #24), as for a Node one
// (installed-worker-process.test.ts): its own process under bubblewrap that admits only its own
// caller secret (read from stdin); a crash is reported; stop() leaves no process of its sandbox;
// a parent killed with SIGKILL leaves no orphan.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { pythonSandbox, pythonWorkerCommand } from "../../cli/dev/python-sandbox.js";
import { startWorkerProcess, type WorkerProcess } from "../../cli/dev/worker-process.js";
import type { Logger } from "../../functions/core/ports/logger.js";
import { CALLER_SECRET_HEADER } from "../../plugin-protocol/caller-secret.js";

const ROOT = join(import.meta.dirname, "../..");
const SECRET = "this-workers-own-secret-0123456789";
const PARENT = new URL("../support/installed-worker-parent.ts", import.meta.url).pathname;
const DESCRIBE = "/credvend.plugin.v1.PluginService/Describe";

const probe = spawnSync("/usr/bin/python3", ["-c", "import google.protobuf"], { encoding: "utf8" });
const sandbox = probe.status === 0 ? pythonSandbox() : { unavailable: "/usr/bin/python3 with python3-protobuf is not installed" };
const missing = "unavailable" in sandbox ? sandbox.unavailable : undefined;
const skip = missing !== undefined && process.env.CREDVEND_REQUIRE_PYTHON_WORKER !== "1";

/** The template's worker with the SDK beside it: what an unpacked Python worker zip holds. */
function workerDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "credvend-python-process-"));
  for (const file of ["__main__.py", "worker.py", "lambda_function.py"])
    cpSync(join(ROOT, "plugin-workers/template-python", file), join(dir, file));
  for (const folder of ["credvend_worker", "credvend"])
    cpSync(join(ROOT, "plugin-workers/python-sdk", folder), join(dir, folder), { recursive: true });
  return dir;
}

/** Every process under `root`, from /proc. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  const found: number[] = [];
  for (let queue = [root]; queue.length > 0; ) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/** Running: a zombie is dead (bwrap's init, orphaned when bwrap ends, waits there for this machine's init to reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

const started: WorkerProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.stop()));
});

describe.skipIf(skip)(`an installed Python worker's process${skip ? ` (skipped: ${missing})` : ""}`, () => {
  const logged: { level: string; message: string; fields?: Readonly<Record<string, unknown>> }[] = [];
  const logger: Logger = { log: (level, message, fields) => logged.push({ level, message, ...(fields ? { fields } : {}) }) };

  async function start(): Promise<WorkerProcess> {
    if (!("bwrap" in sandbox)) throw new Error(sandbox.unavailable);
    const dir = workerDir();
    const worker = await startWorkerProcess({
      name: "py-probe",
      dir,
      env: {},
      callerSecret: SECRET,
      logger,
      ...pythonWorkerCommand(sandbox, dir),
    });
    started.push(worker);
    return worker;
  }

  async function describeStatus(url: string, secret?: string): Promise<number> {
    const headers: Record<string, string> = { "content-type": "application/grpc-web+proto" };
    if (secret !== undefined) headers[CALLER_SECRET_HEADER] = secret;
    const response = await fetch(`${url}${DESCRIBE}`, { method: "POST", headers, body: new Uint8Array(5) });
    await response.arrayBuffer();
    return response.status;
  }

  it("admits its own caller secret only, given on stdin", async () => {
    const worker = await start();
    expect(await describeStatus(worker.url, SECRET)).toBe(200);
    expect(await describeStatus(worker.url)).toBe(403);
    expect(await describeStatus(worker.url, `${SECRET}x`)).toBe(403);
  }, 30_000);

  it("a crash of the Python process is reported as an error naming the worker", async () => {
    logged.length = 0;
    const worker = await start();
    const inner = descendants(worker.pid);
    expect(inner.length).toBeGreaterThanOrEqual(2); // bwrap's init, python
    process.kill(inner.at(-1)!, "SIGKILL");
    expect(await until(() => logged.some((l) => l.level === "error"), 5_000)).toBe(true);
    expect(logged.find((l) => l.level === "error")).toMatchObject({ message: "installed worker exited", fields: { worker: "py-probe" } });
  }, 30_000);

  it("stop() ends its whole sandbox, and is not reported as a crash", async () => {
    logged.length = 0;
    const worker = await start();
    started.pop();
    const pids = [worker.pid, ...descendants(worker.pid)];
    expect(pids.every(alive)).toBe(true);
    await worker.stop();
    expect(await until(() => pids.every((pid) => !alive(pid)), 5_000)).toBe(true);
    expect(logged.filter((l) => l.level === "error")).toEqual([]);
  }, 30_000);

  it("does not outlive a parent killed with SIGKILL (no orphan)", async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", PARENT, workerDir(), "python"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = (await Promise.race([
        new Promise((resolve) => createInterface({ input: parent.stdout }).once("line", (l) => resolve([l]))),
        new Promise((_, reject) => setTimeout(() => reject(new Error("the parent did not start its worker")), 30_000)),
      ])) as [string];
      const pid = Number(line.split(" ")[0]);
      const pids = [pid, ...descendants(pid)];
      expect(pids.length).toBeGreaterThanOrEqual(3);
      expect(pids.every(alive)).toBe(true);
      parent.kill("SIGKILL");
      expect(await until(() => pids.every((p) => !alive(p)), 5_000)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
  }, 40_000);
});
