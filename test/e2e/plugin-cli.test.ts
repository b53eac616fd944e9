// The publisher's and operator's tools, end to end: keys generate → plugin sign → plugin verify
// (offline and against a running worker over loopback) → plugin list, and plugin init's skeleton
// building, signing and passing its own test. Keys live in temp dirs only.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startLocalStack, WORKERS_FILE } from "../../cli/local-stack.js";
import { main } from "../../cli/main.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { startLocalTokensWorker } from "../../plugin-workers/local-tokens/serve.js";
import { captureOutput } from "../support/capture-output.js";

const ROOT = join(import.meta.dirname, "../..");

const capture = captureOutput;

async function signedLocalTokens() {
  const tmp = mkdtempSync(join(tmpdir(), "credvend-plugin-cli-"));
  const io = capture();
  expect(await main(["keys", "generate", "--out", join(tmp, "keys")])).toBe(0);
  expect(
    await main([
      "plugin",
      "sign",
      "--key",
      join(tmp, "keys", "publisher.key"),
      "--out",
      join(tmp, "dist"),
      join(ROOT, "plugin-workers/local-tokens"),
    ]),
  ).toBe(0);
  return { tmp, io, dir: join(tmp, "dist", "local-tokens"), pub: join(tmp, "keys", "publisher.pub.json") };
}

describe("credvend keys + plugin", () => {
  afterEach(() => vi.restoreAllMocks());

  it("keys generate writes a 0600 private key, prints the key id, and never overwrites", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "credvend-keys-"));
    const io = capture();
    expect(await main(["keys", "generate", "--out", tmp])).toBe(0);
    expect(statSync(join(tmp, "publisher.key")).mode & 0o777).toBe(0o600);
    const pub = JSON.parse(readFileSync(join(tmp, "publisher.pub.json"), "utf8")) as { keyId: string };
    expect(io.out()).toContain(`key id       ${pub.keyId}`);
    expect(io.out()).not.toContain(JSON.parse(readFileSync(join(tmp, "publisher.key"), "utf8")).privateKey);
    expect(await main(["keys", "generate", "--out", tmp])).toBe(1);
    expect(io.err()).toContain("already exists");
  });

  it("signs a worker from source and verifies it offline; a flipped byte or an untrusted key is refused", async () => {
    const { tmp, io, dir, pub } = await signedLocalTokens();
    expect(io.out()).toContain("signed local-tokens 0.1.0 with key");
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ name: "local-tokens", protocol: "credvend.plugin.v1", providers: ["local"] });

    io.reset();
    expect(await main(["plugin", "verify", "--trust", pub, dir])).toBe(0);
    expect(io.out()).toContain("verified local-tokens 0.1.0");

    const zip = readFileSync(join(dir, "code.zip"));
    const flipped = Buffer.from(zip);
    flipped[100] = flipped[100]! ^ 1;
    writeFileSync(join(tmp, "flipped.zip"), flipped);
    io.reset();
    expect(await main(["plugin", "verify", "--trust", pub, "--zip", join(tmp, "flipped.zip"), dir])).toBe(1);
    expect(io.out()).toContain("REFUSED code_mismatch");

    expect(await main(["keys", "generate", "--out", join(tmp, "other")])).toBe(0);
    io.reset();
    expect(await main(["plugin", "verify", "--trust", join(tmp, "other", "publisher.pub.json"), dir])).toBe(1);
    expect(io.out()).toContain("REFUSED unknown_key");
  });

  it("verifies against a running worker's Describe, and plugin list reports verified, then refused", async () => {
    const { tmp, io, dir, pub } = await signedLocalTokens();
    const worker = await startLocalTokensWorker({ store: new MemoryLocalTokenStore() });
    try {
      io.reset();
      expect(await main(["plugin", "verify", "--trust", pub, "--url", worker.url, dir])).toBe(0);
      expect(io.out()).toContain("Describe agrees");

      const registration = {
        name: "local-tokens",
        url: worker.url,
        providers: ["local"],
        manifest: JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")),
        signature: readFileSync(join(dir, "manifest.sig"), "utf8").trim(),
        codeZip: join(dir, "code.zip"),
      };
      const config = join(tmp, "workers.json");
      const trustedKeys = [JSON.parse(readFileSync(pub, "utf8"))];
      writeFileSync(
        config,
        JSON.stringify({ trustedKeys, workers: [registration, { name: "legacy", url: worker.url, providers: ["x"] }] }),
      );
      io.reset();
      expect(await main(["plugin", "list", "--config", config])).toBe(1);
      expect(io.out()).toMatch(/local-tokens\s+local\s+verified\s+signed by [0-9a-f]{16}, version 0.1.0/);
      expect(io.out()).toMatch(/legacy\s+x\s+refused\s+unsigned: /);

      writeFileSync(
        config,
        JSON.stringify({ trustedKeys, workers: [{ ...registration, manifest: { ...registration.manifest, version: "0.1.1" } }] }),
      );
      io.reset();
      expect(await main(["plugin", "list", "--config", config])).toBe(1);
      expect(io.out()).toMatch(/local-tokens\s+local\s+refused\s+bad_signature/);
    } finally {
      await worker.close();
    }
  });

  it("signs a zip given by path (plugin.json beside it), and lists workers from the environment", async () => {
    const { tmp, io, dir, pub } = await signedLocalTokens();
    const loose = join(tmp, "loose");
    mkdirSync(loose);
    copyFileSync(join(dir, "code.zip"), join(loose, "worker-1.2.zip"));
    copyFileSync(join(dir, "plugin.json"), join(loose, "plugin.json"));
    expect(await main(["plugin", "sign", "--key", join(tmp, "keys", "publisher.key"), join(loose, "worker-1.2.zip")])).toBe(0);
    io.reset();
    expect(await main(["plugin", "verify", "--trust", pub, "--zip", join(loose, "worker-1.2.zip"), loose])).toBe(0);

    const worker = await startLocalTokensWorker({ store: new MemoryLocalTokenStore() });
    const saved = { workers: process.env.CREDVEND_WORKERS, keys: process.env.CREDVEND_TRUSTED_KEYS };
    try {
      process.env.CREDVEND_WORKERS = JSON.stringify([{ name: "local-tokens", url: worker.url, providers: ["local"], allowUnsigned: true }]);
      delete process.env.CREDVEND_TRUSTED_KEYS;
      io.reset();
      expect(await main(["plugin", "list"])).toBe(0);
      expect(io.out()).toContain("from CREDVEND_WORKERS");
      expect(io.out()).toMatch(/local-tokens\s+local\s+unsigned\s+worker local-tokens runs unsigned/);
    } finally {
      if (saved.workers === undefined) delete process.env.CREDVEND_WORKERS;
      else process.env.CREDVEND_WORKERS = saved.workers;
      if (saved.keys !== undefined) process.env.CREDVEND_TRUSTED_KEYS = saved.keys;
      await worker.close();
    }
  });

  it("plugin sign refuses a plugin.json whose allowlist names NODE_OPTIONS, and signs the configuration it names", async () => {
    const { tmp, io, dir } = await signedLocalTokens();
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      handler: "index.handler",
      runtime: "nodejs",
      environment: ["CREDVEND_ALLOWED_CALLERS", "LOCAL_TOKENS_TABLE"],
    });
    expect(io.out()).toContain("environment CREDVEND_ALLOWED_CALLERS, LOCAL_TOKENS_TABLE");

    const loose = join(tmp, "tampered");
    mkdirSync(loose);
    copyFileSync(join(dir, "code.zip"), join(loose, "code.zip"));
    const info = JSON.parse(readFileSync(join(dir, "plugin.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(loose, "plugin.json"), JSON.stringify({ ...info, environment: ["LOCAL_TOKENS_TABLE", "NODE_OPTIONS"] }));
    io.reset();
    expect(await main(["plugin", "sign", "--key", join(tmp, "keys", "publisher.key"), loose])).toBe(1);
    expect(io.err()).toContain("NODE_OPTIONS is never allowed");
    expect(existsSync(join(loose, "manifest.json"))).toBe(false);
  });

  it("gives clear usage errors", async () => {
    const io = capture();
    expect(await main(["plugin", "sign", "plugin-workers/local-tokens"])).toBe(2);
    expect(io.err()).toContain("--key is required");
    expect(await main(["plugin", "verify", "x"])).toBe(2);
    expect(await main(["plugin", "init", "Bad_Name"])).toBe(2);
    for (const words of [
      ["keys", "generate"],
      ["plugin", "init"],
      ["plugin", "list"],
      ["plugin", "sign"],
      ["plugin", "verify"],
    ]) {
      io.reset();
      expect(await main([...words, "--help"])).toBe(0);
      expect(io.out()).toContain(`credvend ${words.join(" ")} — `);
    }
  });
});

describe("the local stack's signed workers", () => {
  afterEach(() => vi.restoreAllMocks());

  it("signs its workers with a dev key, verifies them before serving, and plugin list agrees", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "credvend-stack-"));
    const stack = await startLocalStack({
      dataDir,
      port: 0,
      policyYaml: readFileSync(join(ROOT, "credvend.policy.yaml"), "utf8"),
      logger: silentLogger,
    });
    try {
      const rows = stack.plugins.status();
      expect(rows.find((r) => r.name === "local-tokens")?.state).toMatchObject({ status: "verified" });
      expect(rows.every((r) => r.state.status === "verified")).toBe(true);
      expect(statSync(join(dataDir, "dev-publisher", "publisher.key")).mode & 0o777).toBe(0o600);
      const config = readFileSync(join(dataDir, WORKERS_FILE), "utf8");
      expect(config).not.toContain(JSON.parse(readFileSync(join(dataDir, "dev-publisher", "publisher.key"), "utf8")).privateKey);
      // Each worker's own caller secret: beside workers.json, never in it, readable by its owner only.
      expect(JSON.parse(config)).toMatchObject({ callerSecretFile: "worker-caller-secrets.json" });
      expect(statSync(join(dataDir, "worker-caller-secrets.json")).mode & 0o777).toBe(0o600);
      const secrets = Object.values(JSON.parse(readFileSync(join(dataDir, "worker-caller-secrets.json"), "utf8")) as string[]);
      expect(new Set(secrets).size).toBe(3);
      for (const secret of secrets) expect(config).not.toContain(secret);

      const io = capture();
      expect(await main(["plugin", "list", "--config", join(dataDir, WORKERS_FILE)])).toBe(0);
      expect(io.out()).toMatch(/local-tokens\s+local\s+verified/);
    } finally {
      await stack.close();
    }
  });
});

describe("credvend plugin init", () => {
  afterEach(() => vi.restoreAllMocks());

  it("creates a skeleton that passes its own test, builds deterministically and signs", async () => {
    // Inside the checkout (its imports point at this repo's SDK), in a dot folder that neither
    // the suite's globs nor tsc pick up; removed afterwards.
    const parent = mkdtempSync(join(ROOT, "plugin-workers", ".init-test-"));
    const dir = join(parent, "acme-widgets");
    try {
      const io = capture();
      expect(await main(["plugin", "init", "acme-widgets", "--dir", dir])).toBe(0);
      expect(io.out()).toContain("worker acme-widgets (provider acme, typescript) is ready");
      expect(JSON.parse(readFileSync(join(dir, "plugin.json"), "utf8"))).toMatchObject({ name: "acme-widgets", providers: ["acme"] });
      expect(await main(["plugin", "init", "acme-widgets", "--dir", dir])).toBe(1); // not over an existing worker
      vi.restoreAllMocks();

      const output = execFileSync(join(ROOT, "node_modules/.bin/vitest"), ["run", "--root", dir], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      });
      expect(output).toMatch(/Tests\s+3 passed/);

      const keys = join(parent, "keys");
      const io2 = capture();
      expect(await main(["keys", "generate", "--out", keys])).toBe(0);
      expect(await main(["plugin", "sign", "--key", join(keys, "publisher.key"), "--out", join(parent, "dist"), dir])).toBe(0);
      expect(await main(["plugin", "verify", "--trust", join(keys, "publisher.pub.json"), join(parent, "dist", "acme-widgets")])).toBe(0);
      expect(io2.out()).toContain("verified acme-widgets 0.1.0");
      expect(existsSync(join(parent, "dist", "acme-widgets", "code.zip"))).toBe(true);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
