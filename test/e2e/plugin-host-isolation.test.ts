// A hostile plugin under `credvend dev` (issue #21, findings 1 and 2): made from `plugin init`,
// signed, published to a local registry, installed, and run by the local stack, it tries to find a
// caller secret, call local-tokens / aws-sts / github with it (and mint local:admin:*), read
// .credvend (dev issuer key, ledger, other secrets) and the parent's environment, spawn a
// process, start a thread, load an addon — and reports what it saw through its Vend token. Each
// attempt must fail; its honest Vend must still work; Ctrl-C must leave no process behind.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/main.js";
import { captureOutput } from "../support/capture-output.js";
import { hostileWorkerSource, type HostileObservations } from "../support/hostile-worker.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "cli/bin.js");
const HOST_SCRIPT = "lambda-host-process.mjs";
const run = promisify(execFile);
/** In credvend dev's environment only: the worker must never see it. */
const CANARY = { CREDVEND_TEST_PARENT_CANARY: "parent-env-canary-value-0123456789" };

let tmp = "";
let dataDir = "";
let dev: ChildProcess | undefined;
let output = "";
let url = "";
let observed: HostileObservations;
const ports: Record<string, string> = {};

async function cli(...argv: string[]): Promise<void> {
  const io = captureOutput();
  try {
    const code = await main(argv);
    expect(code, io.err()).toBe(0);
  } finally {
    vi.restoreAllMocks();
  }
}

let token = "";
async function vend(scope: string): Promise<{ status: number; body: { credential?: { token?: string } } }> {
  if (!token) {
    const { stdout } = await run(
      process.execPath,
      [BIN, "dev", "token", "--data-dir", dataDir, "--repository", "acme/web", "--ref", "refs/heads/main"],
      { cwd: ROOT },
    );
    token = stdout.trim();
  }
  const response = await fetch(`${url}/v1/vend`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ scopes: [scope], ttlSeconds: 600 }),
  });
  return { status: response.status, body: (await response.json()) as { credential?: { token?: string } } };
}

/** The pids of the installed-worker hosts whose parent is `parent` (read from /proc, as ps would). */
function workerPids(parent: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === parent && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(HOST_SCRIPT);
      } catch {
        return false;
      }
    })
    .map(Number);
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
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "credvend-hostile-"));
  for (const name of ["registry", "publisher"]) await cli("keys", "generate", "--out", join(tmp, name));
  const source = join(tmp, "evil-probe");
  await cli("plugin", "init", "evil-probe", "--provider", "evil", "--dir", source);
  writeFileSync(
    join(source, "worker.ts"),
    hostileWorkerSource("evil", {
      sdk: relative(source, join(ROOT, "plugin-workers/sdk")),
      functions: relative(source, join(ROOT, "functions")),
    }),
  );
  await cli("plugin", "sign", "--key", join(tmp, "publisher", "publisher.key"), "--out", join(tmp, "dist"), source);
  const registry = join(tmp, "registry-out");
  await cli(
    "registry",
    "build",
    "--key",
    join(tmp, "registry", "publisher.key"),
    "--out",
    registry,
    "--publisher",
    join(tmp, "publisher", "publisher.pub.json"),
    join(tmp, "dist", "evil-probe"),
  );
  const project = join(tmp, "project");
  mkdirSync(project);
  cpSync(join(ROOT, "credvend.policy.yaml"), join(project, "credvend.policy.yaml"));
  await cli(
    "plugin",
    "install",
    "evil-probe",
    "--registry",
    registry,
    "--registry-key",
    join(tmp, "registry", "publisher.pub.json"),
    "--trust",
    join(tmp, "publisher", "publisher.pub.json"),
    "--dir",
    project,
  );
  // The policy allows only the hostile worker's own scopes: local:admin:* is never granted.
  const policy = join(project, "evil.policy.yaml");
  writeFileSync(
    policy,
    `version: 1\naudience: credvend\nissuers: [https://token.actions.githubusercontent.com]\nrules:\n  - name: evil\n    when: { repository: acme/web, ref: refs/heads/main }\n    allow: ["evil:read:*"]\n    maxTtl: 15m\n`,
  );
  dataDir = join(project, ".credvend");
  dev = spawn(
    process.execPath,
    [
      BIN,
      "dev",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--policy",
      policy,
      "--plugins",
      join(project, "credvend.plugins.json"),
      "--trust",
      join(tmp, "publisher", "publisher.pub.json"),
    ],
    // Its own process group, as a terminal's foreground job: Ctrl-C signals the whole group.
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...CANARY }, detached: true },
  );
  dev.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  expect(await until(() => /vend API\s+http:\/\/127\.0\.0\.1:\d+/.test(output), 60_000), output).toBe(true);
  url = /vend API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
  expect(output).toMatch(/^\s+evil-probe\s+verified\b/m);
  const { workers } = JSON.parse(readFileSync(join(dataDir, "workers.json"), "utf8")) as { workers: { name: string; url: string }[] };
  for (const w of workers) ports[w.name] = new URL(w.url).port;

  const { dynamoEndpoint } = JSON.parse(readFileSync(join(dataDir, "dev-server.json"), "utf8")) as { dynamoEndpoint: string };
  const probe = await vend(
    `evil:read:probe.${ports["local-tokens"]}.${ports["aws-sts"]}.${ports.github}.db${new URL(dynamoEndpoint).port}`,
  );
  expect(probe.status, JSON.stringify(probe.body)).toBe(200);
  observed = JSON.parse(Buffer.from(probe.body.credential!.token!.slice("evil_".length), "base64url").toString()) as HostileObservations;
}, 180_000);

afterAll(() => {
  if (dev && dev.exitCode === null) process.kill(-dev.pid!, "SIGKILL");
});

describe("a hostile installed worker under credvend dev", () => {
  it("installed worker steals the caller secret and mints local:admin:* (#21 finding 1): it finds no other worker's secret, and every secret it holds is refused", () => {
    expect(observed.workerDataSecret).toBe(false);
    expect(observed.foundSecrets).toBe(0);
    // It does learn its own secret (the core sends it on every call), which opens no other worker.
    expect(observed.ownSecret).toBe(true);
    expect(observed.calls.length).toBeGreaterThanOrEqual(6);
    for (const call of observed.calls) {
      expect(call.describe, JSON.stringify(call)).toBe(403);
      expect(call.mint, JSON.stringify(call)).toMatch(/^refused:/);
    }
    expect(observed.calls.map((c) => c.port).sort()).toEqual(
      [ports["local-tokens"], ports["aws-sts"], ports.github].flatMap((p) => [p, p]).sort(),
    );
  });

  it("cannot read .credvend: dev issuer key, dev publisher key, ledger files, caller secrets, state", () => {
    for (const file of [
      "worker-caller-secrets.json",
      "workers.json",
      "dev-server.json",
      "dev-oidc",
      "dev-publisher/publisher.key",
      "dynamodb",
    ]) {
      expect(observed.reads[file], file).toBe("ERR_ACCESS_DENIED");
    }
    expect(observed.reads["/etc/passwd"]).toBe("ERR_ACCESS_DENIED");
  });

  it("cannot read the ledger through the embedded DynamoDB's loopback port either", () => {
    expect(observed.dynamo).toEqual({ status: 400, listedLedger: false });
  });

  it("cannot read the parent's environment through /proc, and its own holds only what its manifest declares", () => {
    expect(observed.reads["/proc/self/environ"]).toBe("ERR_ACCESS_DENIED");
    expect(Object.entries(observed.reads).find(([file]) => /^\/proc\/\d+\/environ$/.test(file))?.[1]).toBe("ERR_ACCESS_DENIED");
    expect(observed.env).toEqual(["CREDVEND_ALLOWED_CALLERS"]);
    // Seen from outside: the worker process's whole environment.
    const [pid] = workerPids(dev!.pid!);
    expect(pid, output).toBeDefined();
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
    expect(environ.map((line) => line.split("=")[0])).toEqual(["CREDVEND_ALLOWED_CALLERS"]);
    expect(environ.join("\n")).not.toContain(CANARY.CREDVEND_TEST_PARENT_CANARY);
  });

  it("cannot spawn a process, start a thread or load an addon", () => {
    expect(observed.spawn).toBe("ERR_ACCESS_DENIED");
    expect(observed.thread).toBe("ERR_ACCESS_DENIED");
    expect(observed.addon).toMatch(/^ERR_(DLOPEN_DISABLED|ACCESS_DENIED)$/);
  });

  it("its honest Vend still works through the stack, and local:admin:* is still denied by policy", async () => {
    const honest = await vend("evil:read:reports");
    expect(honest.status).toBe(200);
    expect(honest.body.credential?.token).toMatch(/^evil_[A-Za-z0-9_-]{32}$/);
    expect((await vend("local:admin:*")).status).toBe(403);
  }, 30_000);

  it("Ctrl-C stops credvend dev and every worker process: no orphan", async () => {
    const pids = workerPids(dev!.pid!);
    expect(pids.length).toBe(1);
    const exited = new Promise<number | null>((resolve) => dev!.once("exit", (code) => resolve(code)));
    process.kill(-dev!.pid!, "SIGINT");
    expect(await exited).toBe(0);
    expect(await until(() => pids.every((pid) => !alive(pid)), 5_000)).toBe(true);
    expect(output).toContain("stopped.");
  }, 30_000);
});
