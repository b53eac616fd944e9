// The local host's process lifecycle, as on-call expects it (issue #21): an installed worker runs
// in its own process that admits only its own caller secret; a crash is reported; stop() leaves
// no process; a parent killed with SIGKILL leaves no orphan; a Node without the permission model
// refuses installed workers unless the operator opts out, and says why.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { startInstalledWorkers } from "../../cli/dev/installed-workers.js";
import { permissionFlag, SandboxUnavailableError, sandboxArgs } from "../../cli/dev/node-sandbox.js";
import { startWorkerProcess, type WorkerProcess } from "../../cli/dev/worker-process.js";
import { TrustStore } from "../../functions/core/plugin-trust/index.js";
import type { Logger } from "../../functions/core/ports/logger.js";
import { CALLER_SECRET_HEADER } from "../../plugin-protocol/caller-secret.js";

const SECRET = "this-workers-own-secret-0123456789";
const PARENT = new URL("../support/installed-worker-parent.ts", import.meta.url).pathname;

function workerDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "credvend-worker-process-"));
  writeFileSync(
    join(dir, "index.mjs"),
    'export const handler = async (event) => ({ statusCode: 200, headers: { "content-type": "text/plain" }, body: event.requestContext.authorizer.iam.userArn });\n',
  );
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
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

describe("an installed worker's process", () => {
  const logged: { level: string; message: string; fields?: Readonly<Record<string, unknown>> }[] = [];
  const logger: Logger = { log: (level, message, fields) => logged.push({ level, message, ...(fields ? { fields } : {}) }) };

  async function start(): Promise<WorkerProcess> {
    const dir = workerDir();
    const worker = await startWorkerProcess({
      name: "lifecycle",
      dir,
      modulePath: join(dir, "index.mjs"),
      exportName: "handler",
      env: {},
      callerSecret: SECRET,
      permission: permissionFlag(),
      logger,
    });
    started.push(worker);
    return worker;
  }

  it("admits its own caller secret only, as the local core's role", async () => {
    const worker = await start();
    const call = (secret?: string) =>
      fetch(`${worker.url}/x`, { method: "POST", headers: secret ? { [CALLER_SECRET_HEADER]: secret } : {} });
    const admitted = await call(SECRET);
    expect(admitted.status).toBe(200);
    expect(await admitted.text()).toBe("arn:aws:sts::000000000000:assumed-role/credvend-local-core/local");
    expect((await call()).status).toBe(403);
    expect((await call(`${SECRET}x`)).status).toBe(403);
  });

  it("a crash is reported as an error naming the worker and its signal", async () => {
    const worker = await start();
    process.kill(worker.pid, "SIGKILL");
    expect(await until(() => logged.some((l) => l.message === "installed worker exited"), 5_000)).toBe(true);
    expect(logged.find((l) => l.message === "installed worker exited")).toMatchObject({
      level: "error",
      fields: { worker: "lifecycle", signal: "SIGKILL" },
    });
  });

  it("stop() ends the process, and is not reported as a crash", async () => {
    const before = logged.length;
    const worker = await start();
    await worker.stop();
    expect(alive(worker.pid)).toBe(false);
    expect(logged.slice(before).filter((l) => l.message === "installed worker exited")).toEqual([]);
  });

  it("does not outlive a parent killed with SIGKILL (no orphan)", async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", PARENT, workerDir()], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = (await Promise.race([
        new Promise((resolve) => createInterface({ input: parent.stdout }).once("line", (l) => resolve([l]))),
        new Promise((_, reject) => setTimeout(() => reject(new Error("the parent did not start its worker")), 30_000)),
      ])) as [string];
      const pid = Number(line.split(" ")[0]);
      expect(alive(pid)).toBe(true);
      parent.kill("SIGKILL");
      expect(await until(() => !alive(pid), 5_000)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
  }, 40_000);
});

describe("where Node has no permission model", () => {
  it("detects the flag this Node has, and none where it has neither", () => {
    expect(permissionFlag(new Set(["--permission", "--experimental-permission"]))).toBe("--permission");
    expect(permissionFlag(new Set(["--experimental-permission"]))).toBe("--experimental-permission");
    expect(permissionFlag(new Set(["--no-addons"]))).toBeUndefined();
    // This machine's Node 20 has it: the tests above ran under it.
    expect(permissionFlag()).toMatch(/^--(experimental-)?permission$/);
  });

  it("refuses installed workers unless the operator passed --unsandboxed-plugins, and says why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "credvend-nosandbox-"));
    writeFileSync(
      join(dir, "credvend.plugins.json"),
      JSON.stringify({ version: 1, plugins: [{ name: "x", version: "1.0.0", providers: ["x"], dir: "plugins/x/1.0.0" }] }),
    );
    const options = {
      pluginsFile: join(dir, "credvend.plugins.json"),
      runDir: join(dir, "run"),
      trust: new TrustStore(),
      logger: { log: () => undefined },
    };
    await expect(startInstalledWorkers({ ...options, permission: undefined })).rejects.toThrow(SandboxUnavailableError);
    await expect(startInstalledWorkers({ ...options, permission: undefined })).rejects.toThrow(
      /pass --unsandboxed-plugins to run them anyway/,
    );
  });

  it("never grants a path with a comma (Node 20 splits --allow-fs-read at commas)", () => {
    expect(() => sandboxArgs("--experimental-permission", ["/tmp/a,/"])).toThrow(/comma/);
    expect(sandboxArgs("--permission", ["/w"], new Set(["--disable-warning"]))).toEqual([
      "--permission",
      "--allow-fs-read=/w",
      "--no-addons",
      "--disable-warning=ExperimentalWarning",
    ]);
    // Where the permission model covers the network too, a worker keeps it (it listens, calls upstream).
    expect(sandboxArgs("--permission", ["/w"], new Set(["--allow-net"]))).toEqual([
      "--permission",
      "--allow-fs-read=/w",
      "--allow-net",
      "--no-addons",
    ]);
    // Unsandboxed: no permission flags at all, addons still off.
    expect(sandboxArgs(undefined, ["/w"], new Set())).toEqual(["--no-addons"]);
  });
});
