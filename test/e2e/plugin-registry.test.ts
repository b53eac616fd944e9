// The registry, end to end through the CLI: a worker from the template in a temp dir is signed and
// published (credvend registry build), searched, installed (its folder, credvend.plugins.json, the
// deployment config, which then passes synth's checks), listed and removed (the config byte for
// byte as before). Every install failure — bad index signature, wrong sha256, untrusted publisher,
// incompatible protocol, unreachable registry, name clash — is a clear error that changes nothing.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { execFile, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadDeploymentConfig } from "../../infra/config/load-config.js";
import { runCliInProcess as cli, snapshotTree as snapshot } from "../support/cli-in-process.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "cli/bin.js");
const run = promisify(execFile);
let tmp = "";
let registry = "";
let keys: { registry: string; publisher: string; other: string } = { registry: "", publisher: "", other: "" };

/** A project with the example deployment config (and the policy it names). */
function project(): string {
  const dir = mkdtempSync(join(tmp, "project-"));
  mkdirSync(join(dir, "infra"));
  cpSync(join(ROOT, "infra/credvend.config.example.yaml"), join(dir, "infra/credvend.config.yaml"));
  cpSync(join(ROOT, "credvend.policy.yaml"), join(dir, "credvend.policy.yaml"));
  return dir;
}

const install = (dir: string, ...extra: string[]) =>
  cli("plugin", "install", "acme-widgets", "--registry", registry, "--registry-key", keys.registry, "--dir", dir, ...extra);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "credvend-registry-"));
  for (const name of ["registry", "publisher", "other"]) expect((await cli("keys", "generate", "--out", join(tmp, name))).code).toBe(0);
  keys = {
    registry: join(tmp, "registry", "publisher.pub.json"),
    publisher: join(tmp, "publisher", "publisher.pub.json"),
    other: join(tmp, "other", "publisher.pub.json"),
  };
  expect((await cli("plugin", "init", "acme-widgets", "--provider", "acme", "--dir", join(tmp, "acme-widgets"))).code).toBe(0);
  expect(
    (await cli("plugin", "sign", "--key", join(tmp, "publisher", "publisher.key"), "--out", join(tmp, "dist"), join(tmp, "acme-widgets")))
      .code,
  ).toBe(0);
  // A second worker that speaks a future major: the registry lists it, no install takes it.
  cpSync(join(tmp, "dist", "acme-widgets"), join(tmp, "dist", "future-widgets"), { recursive: true });
  const info = JSON.parse(readFileSync(join(tmp, "dist", "future-widgets", "plugin.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(
    join(tmp, "dist", "future-widgets", "plugin.json"),
    JSON.stringify({ ...info, name: "future-widgets", providers: ["future"], protocolVersion: "2.0" }),
  );
  expect((await cli("plugin", "sign", "--key", join(tmp, "publisher", "publisher.key"), join(tmp, "dist", "future-widgets"))).code).toBe(0);
  registry = join(tmp, "registry-out");
  const built = await cli(
    "registry",
    "build",
    "--key",
    join(tmp, "registry", "publisher.key"),
    "--out",
    registry,
    "--publisher",
    keys.publisher,
    join(tmp, "dist", "acme-widgets"),
    join(tmp, "dist", "future-widgets"),
  );
  expect(built, built.err).toMatchObject({ code: 0 });
}, 120_000);

describe("registry build + plugin search/install/list/remove", () => {
  afterEach(() => vi.restoreAllMocks());

  it("publishes a signed index whose entries repeat the signed manifest", () => {
    const { index, signature } = JSON.parse(readFileSync(join(registry, "index.json"), "utf8"));
    expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(index).toMatchObject({ format: "credvend-registry-index", formatVersion: 2, serial: 1 });
    // The default expiry: 30 days from the build.
    expect(Date.parse(index.expiresAt) - Date.parse(index.updatedAt)).toBe(30 * 24 * 3600 * 1000);
    expect(index.plugins["acme-widgets"].versions["0.1.0"]).toMatchObject({
      protocolVersion: "1.2",
      providers: ["acme"],
      artifact: "plugins/acme-widgets/0.1.0/code.zip",
      manifest: { name: "acme-widgets", protocolVersion: "1.2" },
    });
    expect(statSync(join(registry, "plugins/acme-widgets/0.1.0/code.zip")).size).toBeGreaterThan(1000);
  });

  it("search lists versions with their protocol and verified or unverified publishers", async () => {
    const unverified = await cli("plugin", "search", "--registry", registry, "--registry-key", keys.registry, "--dir", tmp);
    expect(unverified.code).toBe(0);
    expect(unverified.out).toMatch(/acme-widgets\s+0\.1\.0\s+1\.2\s+acme\s+[0-9a-f]{16} unverified/);
    expect(unverified.out).toMatch(/future-widgets\s+0\.1\.0\s+2\.0 \(incompatible\)\s+future/);
    const verified = await cli(
      "plugin",
      "search",
      "acme",
      "--registry",
      registry,
      "--registry-key",
      keys.registry,
      "--trust",
      keys.publisher,
      "--dir",
      tmp,
    );
    expect(verified.out).toMatch(/acme-widgets\s+0\.1\.0\s+1\.2\s+acme\s+[0-9a-f]{16} verified/);
    expect(verified.out).not.toContain("future-widgets");
  });

  it("installs into the project and the deployment config (which then passes synth's checks), lists, and removes exactly that", async () => {
    const dir = project();
    const configBefore = readFileSync(join(dir, "infra/credvend.config.yaml"), "utf8");
    const installed = await install(dir, "--trust", keys.publisher);
    expect(installed, installed.err).toMatchObject({ code: 0 });
    expect(Object.keys(snapshot(dir)).sort()).toEqual([
      "credvend.plugins.json",
      "credvend.policy.yaml",
      "credvend.registries.json",
      "infra/credvend.config.yaml",
      "plugins/acme-widgets/0.1.0/code.zip",
      "plugins/acme-widgets/0.1.0/manifest.json",
      "plugins/acme-widgets/0.1.0/manifest.sig",
    ]);
    const config = await loadDeploymentConfig(join(dir, "infra/credvend.config.yaml"));
    const worker = config.workers.find((w) => w.name === "acme-widgets");
    expect(worker).toMatchObject({ kind: "custom", providers: ["acme"], signed: { manifest: { name: "acme-widgets" } } });

    const listed = await cli("plugin", "list", "--dir", dir);
    expect(listed.out).toMatch(new RegExp(`acme-widgets\\s+0\\.1\\.0\\s+1\\.2\\s+acme\\s+[0-9a-f]{16}\\s+${registry}`));

    const removed = await cli("plugin", "remove", "acme-widgets", "--dir", dir);
    expect(removed, removed.err).toMatchObject({ code: 0 });
    expect(readFileSync(join(dir, "infra/credvend.config.yaml"), "utf8")).toBe(configBefore);
    // The accepted serial stays: removing a plugin does not make an older index acceptable.
    expect(Object.keys(snapshot(dir)).sort()).toEqual([
      "credvend.plugins.json",
      "credvend.policy.yaml",
      "credvend.registries.json",
      "infra/credvend.config.yaml",
    ]);
    expect(JSON.parse(readFileSync(join(dir, "credvend.plugins.json"), "utf8"))).toEqual({ version: 1, plugins: [] });
  });

  it("credvend dev --plugins naming a file that does not exist is a usage error, not a stack without the plugins", async () => {
    const missing = join(tmp, "no-such-plugins.json");
    expect(await cli("dev", "--port", "0", "--data-dir", join(tmp, "dev-missing"), "--plugins", missing)).toMatchObject({
      code: 2,
      err: expect.stringContaining(`--plugins: ${missing} does not exist`),
    });
  });

  it("installs from an http registry on loopback (the same index, served)", async () => {
    const server = await serveFolder(registry);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const dir = project();
      const result = await cli(
        "plugin",
        "install",
        "acme-widgets@0.1.0",
        "--registry",
        url,
        "--registry-key",
        keys.registry,
        "--trust",
        keys.publisher,
        "--dir",
        dir,
      );
      expect(result, result.err).toMatchObject({ code: 0 });
      expect(readFileSync(join(dir, "plugins/acme-widgets/0.1.0/code.zip"))).toEqual(
        readFileSync(join(registry, "plugins/acme-widgets/0.1.0/code.zip")),
      );
    } finally {
      server.close();
    }
  });

  it("an installed worker from outside the monorepo vends through npm start (credvend dev), verified as signed", async () => {
    const dir = project();
    expect((await install(dir, "--trust", keys.publisher)).code).toBe(0);
    const policy = join(dir, "acme.policy.yaml");
    writeFileSync(
      policy,
      `version: 1\naudience: credvend\nissuers: [https://token.actions.githubusercontent.com]\nrules:\n  - name: acme\n    when: { repository: acme/web, ref: refs/heads/main }\n    allow: ["acme:read:*"]\n    maxTtl: 15m\n`,
    );
    const dataDir = join(dir, ".credvend");
    const child = spawn(
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
        join(dir, "credvend.plugins.json"),
        // The publisher is trusted by the operator, not by the key recorded in the checkout.
        "--trust",
        keys.publisher,
      ],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner after 40 s:\n${output}`)), 40_000);
        child.stdout.on("data", () => {
          const match = /vend API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      expect(output).toMatch(/^\s+acme-widgets\s+verified\b/m);
      const { stdout } = await run(
        process.execPath,
        [BIN, "dev", "token", "--data-dir", dataDir, "--repository", "acme/web", "--ref", "refs/heads/main"],
        { cwd: ROOT },
      );
      const response = await fetch(`${url}/v1/vend`, {
        method: "POST",
        headers: { authorization: `Bearer ${stdout.trim()}`, "content-type": "application/json" },
        body: JSON.stringify({ scopes: ["acme:read:Reports"], ttlSeconds: 600 }),
      });
      expect(response.status, output).toBe(200);
      expect(await response.json()).toMatchObject({
        provider: "acme",
        scopes: ["acme:read:reports"],
        credential: { token: expect.stringMatching(/^acme_/) },
      });
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 90_000);

  describe("every failure is a clear error that changes nothing on disk", () => {
    async function refused(setup: (dir: string) => Promise<string[]> | string[], message: RegExp) {
      const dir = project();
      const args = await setup(dir);
      const before = snapshot(dir);
      const result = args[0] === "install" ? await install(dir, ...args.slice(1)) : await cli(...args);
      expect(result.code).not.toBe(0);
      expect(result.err).toMatch(message);
      expect(snapshot(dir)).toEqual(before);
    }

    /** A copy of the registry a test may tamper with. */
    function registryCopy(): string {
      const copy = mkdtempSync(join(tmp, "mirror-"));
      cpSync(registry, copy, { recursive: true });
      return copy;
    }

    it("a mirror that swapped an entry: the index signature does not verify", async () => {
      const mirror = registryCopy();
      const document = JSON.parse(readFileSync(join(mirror, "index.json"), "utf8"));
      document.index.plugins["acme-widgets"].versions["0.1.0"].artifact = "plugins/future-widgets/0.1.0/code.zip";
      writeFileSync(join(mirror, "index.json"), JSON.stringify(document));
      await refused(
        (dir) => [
          "plugin",
          "install",
          "acme-widgets",
          "--registry",
          mirror,
          "--registry-key",
          keys.registry,
          "--trust",
          keys.publisher,
          "--dir",
          dir,
        ],
        /index signature does not verify with registry key [0-9a-f]{16}/,
      );
    });

    it("an index signed by another key than the pinned registry key", async () =>
      refused(
        (dir) => [
          "plugin",
          "install",
          "acme-widgets",
          "--registry",
          registry,
          "--registry-key",
          keys.other,
          "--trust",
          keys.publisher,
          "--dir",
          dir,
        ],
        /the index is signed by key [0-9a-f]{16}, not by the registry key [0-9a-f]{16} you trust/,
      ));

    it("an artifact whose bytes are not the signed code: wrong sha256", async () => {
      const mirror = registryCopy();
      const zip = join(mirror, "plugins/acme-widgets/0.1.0/code.zip");
      const bytes = readFileSync(zip);
      bytes[200] = bytes[200]! ^ 1;
      writeFileSync(zip, bytes);
      await refused(
        (dir) => [
          "plugin",
          "install",
          "acme-widgets",
          "--registry",
          mirror,
          "--registry-key",
          keys.registry,
          "--trust",
          keys.publisher,
          "--dir",
          dir,
        ],
        /the artifact's SHA-256 is \S+, not the signed \S+; refusing it/,
      );
    });

    it("a publisher you do not trust", async () =>
      refused(() => ["install", "--trust", keys.other], /published by key [0-9a-f]{16}, which you do not trust/));

    it("a worker of another protocol major", async () =>
      refused(
        (dir) => [
          "plugin",
          "install",
          "future-widgets",
          "--registry",
          registry,
          "--registry-key",
          keys.registry,
          "--trust",
          keys.publisher,
          "--dir",
          dir,
        ],
        /future-widgets@0\.1\.0 speaks plugin protocol 2\.0; this core speaks 1\.2 \(major 1 only\): it cannot be installed/,
      ));

    it("an unreachable registry: a closed port, a missing folder", async () => {
      const closed = await serveFolder(registry);
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      await refused(
        (dir) => [
          "plugin",
          "install",
          "acme-widgets",
          "--registry",
          `http://127.0.0.1:${port}/`,
          "--registry-key",
          keys.registry,
          "--dir",
          dir,
        ],
        /registry unreachable: http:\/\/127\.0\.0\.1:\d+\/index\.json \(ECONNREFUSED\)/,
      );
      await refused(
        (dir) => [
          "plugin",
          "install",
          "acme-widgets",
          "--registry",
          join(tmp, "no-such-registry"),
          "--registry-key",
          keys.registry,
          "--dir",
          dir,
        ],
        /cannot read \S+index\.json \(ENOENT\)/,
      );
    });

    it("a name or provider clash with an installed or configured worker", async () => {
      await refused(async (dir) => {
        expect((await install(dir, "--trust", keys.publisher)).code).toBe(0);
        return ["install", "--trust", keys.publisher];
      }, /acme-widgets 0\.1\.0 is already installed/);
      await refused((dir) => {
        const path = join(dir, "infra/credvend.config.yaml");
        writeFileSync(path, readFileSync(path, "utf8").replace("providers: [github]", "providers: [github, acme]"));
        return ["install", "--trust", keys.publisher];
      }, /acme-widgets serves provider acme, which worker github of the deployment config already serves/);
    });
  });
});

afterAll(() => vi.restoreAllMocks());

function serveFolder(dir: string): Promise<Server> {
  const server = createServer((request, response) => {
    try {
      const body = readFileSync(join(dir, decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)));
      response.writeHead(200).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
