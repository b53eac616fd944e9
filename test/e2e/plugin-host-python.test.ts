// An installed Python worker under `credvend dev` (issue #24): made with `plugin init --lang python`
// in a temp dir, signed, published to a local registry, installed, and run by the local stack from
// its verified zip — its own process under bubblewrap, its caller secret on stdin, a minimal
// environment. Its vend goes through the stack and returns 200; a probe scope makes it report what
// it can see (the data dir, the parent's environment, /proc, a write) through its token. Ctrl-C
// leaves no process behind.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startInstalledWorkers } from "../../cli/dev/installed-workers.js";
import { localTrustedKeys } from "../../cli/dev/local-trust.js";
import { SandboxUnavailableError } from "../../cli/dev/node-sandbox.js";
import { pythonSandbox } from "../../cli/dev/python-sandbox.js";
import { TrustStore } from "../../functions/core/plugin-trust/trust-store.js";
import { main } from "../../cli/main.js";
import { captureOutput } from "../support/capture-output.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "cli/bin.js");
const run = promisify(execFile);
/** In credvend dev's environment only: the worker must never see it. */
const CANARY = { CREDVEND_TEST_PARENT_CANARY: "parent-env-canary-value-0123456789" };
const DATA_FILES = ["worker-caller-secrets.json", "workers.json", "dev-server.json", "dev-oidc", "dev-publisher/publisher.key", "dynamodb"];

const probe = spawnSync("/usr/bin/python3", ["-c", "import google.protobuf"], { encoding: "utf8" });
const missing = probe.error ? "/usr/bin/python3 not found" : probe.status !== 0 ? "python3-protobuf is not installed" : undefined;
const skip = missing !== undefined && process.env.CREDVEND_REQUIRE_PYTHON_WORKER !== "1";
const sandbox = missing ? { unavailable: missing } : pythonSandbox();
const confined = "bwrap" in sandbox;

/** Appended to the generated worker.py: a `<provider>:read:probe` vend reports what it sees. */
function probeSource(dataDir: string): string {
  return `

import base64 as _b64, os as _os
_DATA_DIR = ${JSON.stringify(dataDir)}
_DATA_FILES = ${JSON.stringify(DATA_FILES)}


def _attempt(action):
    try:
        action()
        return "ok"
    except Exception as error:  # noqa: BLE001 - the kind of refusal is what is reported
        return type(error).__name__


def _read(path):
    return _attempt(lambda: _os.listdir(path) if _os.path.isdir(path) else open(path, "rb").read())


def _observations():
    reads = {name: _read(_os.path.join(_DATA_DIR, name)) for name in _DATA_FILES}
    reads["."] = _read(_DATA_DIR)
    reads["/etc/passwd"] = _read("/etc/passwd")
    reads["/root"] = _read("/root")
    pids = sorted(int(p) for p in _os.listdir("/proc") if p.isdigit())
    return {
        "reads": reads,
        "env": sorted(_os.environ),
        "canary": any("parent-env-canary" in v for v in _os.environ.values()),
        "pids": pids,
        "environs": {str(p): _read("/proc/%d/environ" % p) for p in pids},
        "writes": {p: _attempt(lambda: open(p, "w").write("x")) for p in ["written", "/written", "/dev/written", "/dev/shm/written", "/tmp/written"]},
        "uid": _os.getuid(),
    }


def _probing(vend):
    def probing_vend(self, request):
        result = vend(self, request)
        if request.scopes[0].resource == "probe":
            report = _b64.urlsafe_b64encode(json.dumps(_observations()).encode()).decode()
            return VendResult(credential={"token": "probe_" + report}, expires_at=result.expires_at, revocable=False, upstream_ref=result.upstream_ref)
        return result
    return probing_vend


for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, Worker) and _cls is not Worker:
        _cls.vend = _probing(_cls.vend)
`;
}

interface Observations {
  reads: Record<string, string>;
  env: string[];
  canary: boolean;
  pids: number[];
  environs: Record<string, string>;
  writes: Record<string, string>;
  uid: number;
}

let tmp = "";
let dataDir = "";
let dev: ChildProcess | undefined;
let output = "";
let url = "";
let token = "";
let project = "";
let publisher = "";

async function cli(...argv: string[]): Promise<void> {
  const io = captureOutput();
  try {
    const code = await main(argv);
    expect(code, io.err()).toBe(0);
  } finally {
    vi.restoreAllMocks();
  }
}

async function vend(scope: string): Promise<{ status: number; body: { credential?: { token?: string } } }> {
  if (!token) {
    const args = [BIN, "dev", "token", "--data-dir", dataDir, "--repository", "acme/web", "--ref", "refs/heads/main"];
    token = (await run(process.execPath, args, { cwd: ROOT })).stdout.trim();
  }
  const response = await fetch(`${url}/v1/vend`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ scopes: [scope], ttlSeconds: 600 }),
  });
  return { status: response.status, body: (await response.json()) as { credential?: { token?: string } } };
}

/** The processes credvend dev started whose command line names `needle` (read from /proc). */
function childPids(parent: number, needle: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === parent && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Every process under `root` (its descendants), from /proc. */
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
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

describe.skipIf(skip)(`an installed Python worker under credvend dev${skip ? ` (skipped: ${missing})` : ""}`, () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "credvend-py-host-"));
    project = join(tmp, "project");
    mkdirSync(project);
    dataDir = join(project, ".credvend");
    for (const name of ["registry", "publisher"]) await cli("keys", "generate", "--out", join(tmp, name));
    const source = join(tmp, "acme-py");
    await cli("plugin", "init", "acme-py", "--lang", "python", "--provider", "acmepy", "--dir", source);
    appendFileSync(join(source, "worker.py"), probeSource(dataDir));
    await cli("plugin", "sign", "--key", join(tmp, "publisher", "publisher.key"), "--out", join(tmp, "dist"), source);
    const registry = join(tmp, "registry-out");
    publisher = join(tmp, "publisher", "publisher.pub.json");
    await cli(
      "registry",
      "build",
      "--key",
      join(tmp, "registry", "publisher.key"),
      "--out",
      registry,
      "--publisher",
      publisher,
      join(tmp, "dist", "acme-py"),
    );
    cpSync(join(ROOT, "credvend.policy.yaml"), join(project, "credvend.policy.yaml"));
    const registryKey = join(tmp, "registry", "publisher.pub.json");
    await cli(
      "plugin",
      "install",
      "acme-py",
      "--registry",
      registry,
      "--registry-key",
      registryKey,
      "--trust",
      publisher,
      "--dir",
      project,
    );
    const policy = join(project, "acme.policy.yaml");
    writeFileSync(
      policy,
      `version: 1\naudience: credvend\nissuers: [https://token.actions.githubusercontent.com]\nrules:\n  - name: acme-py\n    when: { repository: acme/web, ref: refs/heads/main }\n    allow: ["acmepy:read:*"]\n    maxTtl: 15m\n`,
    );
    const args = ["dev", "--port", "0", "--data-dir", dataDir, "--policy", policy, "--plugins", join(project, "credvend.plugins.json")];
    dev = spawn(process.execPath, [BIN, ...args, "--trust", publisher, ...(confined ? [] : ["--unsandboxed-plugins"])], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...CANARY },
      detached: true, // its own process group, as a terminal's foreground job: Ctrl-C signals the whole group
    });
    dev.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    expect(await until(() => /vend API\s+http:\/\/127\.0\.0\.1:\d+/.test(output), 60_000), output).toBe(true);
    url = /vend API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
    expect(output).toMatch(/^\s+acme-py\s+verified\b/m);
  }, 180_000);

  afterAll(() => {
    if (dev && dev.exitCode === null) process.kill(-dev.pid!, "SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  it("vends through the stack from its signed zip: 200 with its token", async () => {
    const vended = await vend("acmepy:read:reports");
    expect(vended.status, JSON.stringify(vended.body)).toBe(200);
    expect(vended.body.credential?.token).toMatch(/^acmepy_[A-Za-z0-9_-]{32}$/);
  }, 30_000);

  describe.skipIf(!confined)(
    `confined by bubblewrap${confined ? "" : ` (skipped: ${"unavailable" in sandbox ? sandbox.unavailable : ""})`}`,
    () => {
      let observed: Observations;
      beforeAll(async () => {
        const probed = await vend("acmepy:read:probe");
        expect(probed.status, `${JSON.stringify(probed.body)}\n${output}`).toBe(200);
        const report = probed.body.credential!.token!.slice("probe_".length);
        observed = JSON.parse(Buffer.from(report, "base64url").toString()) as Observations;
      }, 30_000);

      it("installed Python worker reads the data dir: nothing under .credvend exists for it, nor /etc/passwd or /root", () => {
        for (const name of [...DATA_FILES, "."]) expect(observed.reads[name], name).toBe("FileNotFoundError");
        expect(observed.reads["/etc/passwd"]).toBe("FileNotFoundError");
        expect(observed.reads["/root"]).toBe("FileNotFoundError");
      });

      it("sees no parent environment: its own holds only what its manifest declares, and /proc shows no parent", () => {
        // PWD is bwrap's (the worker's own folder).
        expect(observed.env.filter((name) => name !== "LC_CTYPE")).toEqual(["CREDVEND_ALLOWED_CALLERS", "PWD"]);
        expect(observed.canary).toBe(false);
        // Its PID namespace: bwrap's init and the worker only.
        expect(observed.pids).toEqual([1, 2]);
        expect(observed.uid).toBe(65534);
        // Seen from outside: the sandbox's whole environment, inherited by the worker.
        const [pid] = childPids(dev!.pid!, "bwrap");
        expect(pid, output).toBeDefined();
        const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
        expect(environ.map((line) => line.split("=")[0])).toEqual(["CREDVEND_ALLOWED_CALLERS"]);
        expect(environ.join("\n")).not.toContain(CANARY.CREDVEND_TEST_PARENT_CANARY);
      });

      it("cannot write anywhere: its own folder, the sandbox's root, /dev, /tmp", () => {
        expect(Object.keys(observed.writes)).toHaveLength(5);
        for (const [path, result] of Object.entries(observed.writes))
          expect(result, path).toMatch(/^(OSError|PermissionError|FileNotFoundError)$/);
      });
    },
  );

  it("Ctrl-C stops credvend dev and the worker's whole sandbox: no orphan", async () => {
    const [host] = childPids(dev!.pid!, confined ? "bwrap" : "--caller-secret-stdin");
    expect(host, output).toBeDefined();
    const pids = [host!, ...descendants(host!)];
    expect(pids.length).toBeGreaterThanOrEqual(confined ? 3 : 1); // bwrap, its init, python
    expect(pids.every(alive)).toBe(true);
    const exited = new Promise<number | null>((resolve) => dev!.once("exit", (code) => resolve(code)));
    process.kill(-dev!.pid!, "SIGINT");
    expect(await exited).toBe(0);
    expect(await until(() => pids.every((pid) => !alive(pid)), 5_000)).toBe(true);
    expect(output).toContain("stopped.");
    expect(output).not.toMatch(/installed worker exited/);
  }, 30_000);

  it("where bubblewrap cannot confine it, a Python worker is refused unless --unsandboxed-plugins, and the reason is said", async () => {
    const logged: string[] = [];
    const options = {
      pluginsFile: join(project, "credvend.plugins.json"),
      runDir: join(tmp, "run-unconfined"),
      trust: TrustStore.fromConfig(localTrustedKeys([publisher], {}), "trusted keys"),
      logger: { log: (_level: string, message: string) => void logged.push(message) },
      pythonSandbox: { unavailable: "/usr/bin/bwrap is not installed (test)" },
    };
    const refused = startInstalledWorkers(options);
    await expect(refused).rejects.toThrow(SandboxUnavailableError);
    await expect(startInstalledWorkers(options)).rejects.toThrow(
      /\/usr\/bin\/bwrap is not installed \(test\).*pass --unsandboxed-plugins to run them anyway/,
    );
    const unconfined = await startInstalledWorkers({ ...options, unsandboxed: true });
    try {
      expect(unconfined.registrations.map((r) => r.url)).toEqual([...unconfined.secrets.keys()]);
      expect(logged).toContain("installed Python workers run WITHOUT bubblewrap (--unsandboxed-plugins)");
      const response = await fetch(`${unconfined.registrations[0]!.url}/credvend.plugin.v1.PluginService/Describe`, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto", "x-credvend-caller-secret": [...unconfined.secrets.values()][0]! },
        body: new Uint8Array(5),
      });
      expect(response.status).toBe(200);
    } finally {
      await unconfined.close();
    }
  }, 60_000);
});
