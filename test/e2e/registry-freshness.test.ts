// Issue #21 findings 3 and 4 through the CLI: a registry index carries a serial and an expiry, the
// project remembers the highest serial it accepted (credvend.registries.json), and a mirror that
// serves an older index (rollback), an expired one (freeze), a format-1 index (no serial) or a
// second index under an accepted serial is refused with the serials/dates named. A downgrade needs
// --allow-downgrade; `plugin upgrade` replaces in place and rolls back when the new version fails
// the deployment config's checks. A manifest version with ../ is refused at build and install.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { readPrivateKeyFile } from "../../cli/publisher-key-files.js";
import { canonicalJsonBytes } from "../../cli/registry/canonical-json.js";
import { signBytes } from "../../functions/core/plugin-trust/ed25519.js";
import { canonicalManifestBytes } from "../../functions/core/plugin-trust/manifest.js";
import { loadDeploymentConfig } from "../../infra/config/load-config.js";
import { runCliInProcess as cli, snapshotTree as snapshot } from "../support/cli-in-process.js";

const ROOT = join(import.meta.dirname, "../..");
let tmp = "";
const key = { registry: "", registryPub: "", publisher: "", publisherPub: "" };
/** Registry folders: serial 1 (0.1.0), serial 2 (0.1.0, 0.2.0), serial 3 (+ 0.3.0, which fails synth checks). */
const registries = { one: "", two: "", three: "" };

function project(): string {
  const dir = mkdtempSync(join(tmp, "project-"));
  mkdirSync(join(dir, "infra"));
  cpSync(join(ROOT, "infra/credvend.config.example.yaml"), join(dir, "infra/credvend.config.yaml"));
  cpSync(join(ROOT, "credvend.policy.yaml"), join(dir, "credvend.policy.yaml"));
  return dir;
}

const install = (dir: string, registry: string, plugin = "acme-widgets", ...extra: string[]) =>
  cli(
    "plugin",
    "install",
    plugin,
    "--registry",
    registry,
    "--registry-key",
    key.registryPub,
    "--trust",
    key.publisherPub,
    "--dir",
    dir,
    ...extra,
  );
const upgrade = (dir: string, registry: string, plugin = "acme-widgets", ...extra: string[]) =>
  cli(
    "plugin",
    "upgrade",
    plugin,
    "--registry",
    registry,
    "--registry-key",
    key.registryPub,
    "--trust",
    key.publisherPub,
    "--dir",
    dir,
    ...extra,
  );

/** A copy of the signed worker at `dist/0.1.0` with another version (and plugin.json changes), signed again. */
async function version(v: string, changes: Record<string, unknown> = {}): Promise<string> {
  const dir = join(tmp, "dist", v);
  cpSync(join(tmp, "dist", "acme-widgets"), dir, { recursive: true });
  const info = JSON.parse(readFileSync(join(dir, "plugin.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "plugin.json"), JSON.stringify({ ...info, version: v, ...changes }));
  expect((await cli("plugin", "sign", "--key", key.publisher, dir)).code).toBe(0);
  return dir;
}

async function build(out: string, ...workers: string[]): Promise<void> {
  const built = await cli("registry", "build", "--key", key.registry, "--out", out, "--publisher", key.publisherPub, ...workers);
  expect(built, built.err).toMatchObject({ code: 0 });
}

async function resign(folder: string, change: (index: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const path = join(folder, "index.json");
  const { index } = JSON.parse(readFileSync(path, "utf8")) as { index: Record<string, unknown> };
  const changed = change(index);
  const pair = await readPrivateKeyFile(key.registry);
  const signature = Buffer.from(await signBytes(pair.privateKey, canonicalJsonBytes(changed))).toString("base64");
  writeFileSync(path, JSON.stringify({ index: changed, signature }));
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "credvend-freshness-"));
  expect((await cli("keys", "generate", "--out", join(tmp, "registry-key"))).code).toBe(0);
  expect((await cli("keys", "generate", "--out", join(tmp, "publisher-key"))).code).toBe(0);
  Object.assign(key, {
    registry: join(tmp, "registry-key", "publisher.key"),
    registryPub: join(tmp, "registry-key", "publisher.pub.json"),
    publisher: join(tmp, "publisher-key", "publisher.key"),
    publisherPub: join(tmp, "publisher-key", "publisher.pub.json"),
  });
  expect((await cli("plugin", "init", "acme-widgets", "--provider", "acme", "--dir", join(tmp, "acme-widgets"))).code).toBe(0);
  expect((await cli("plugin", "sign", "--key", key.publisher, "--out", join(tmp, "dist"), join(tmp, "acme-widgets"))).code).toBe(0);
  const v2 = await version("0.2.0");
  // Signs an allowlist without CREDVEND_ALLOWED_CALLERS, which every deployed worker is given: synth refuses it.
  const v3 = await version("0.3.0", { environment: [] });
  registries.one = join(tmp, "registry-1");
  await build(registries.one, join(tmp, "dist", "acme-widgets"));
  registries.two = join(tmp, "registry-2");
  cpSync(registries.one, registries.two, { recursive: true });
  await build(registries.two, v2);
  registries.three = join(tmp, "registry-3");
  cpSync(registries.two, registries.three, { recursive: true });
  await build(registries.three, v3);
}, 120_000);

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("registry rollback and freeze", () => {
  it("each build signs the next serial", () => {
    const serial = (folder: string) => JSON.parse(readFileSync(join(folder, "index.json"), "utf8")).index.serial;
    expect([serial(registries.one), serial(registries.two), serial(registries.three)]).toEqual([1, 2, 3]);
  });

  it("registry rollback: after accepting serial 2, an index with serial 1 is refused, naming both serials", async () => {
    const dir = project();
    expect((await install(dir, registries.two)).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "credvend.registries.json"), "utf8")).registries).toEqual({
      [JSON.parse(readFileSync(key.registryPub, "utf8")).keyId]: expect.objectContaining({ serial: 2, location: registries.two }),
    });
    const before = snapshot(dir);
    const search = await cli("plugin", "search", "--registry", registries.one, "--registry-key", key.registryPub, "--dir", dir);
    expect(search.code).toBe(1);
    expect(search.err).toMatch(
      /the index has serial 1, older than serial 2 this project accepted on \S+ \(from .*registry-2, recorded in .*credvend\.registries\.json\): refusing a rolled-back index/,
    );
    expect((await upgrade(dir, registries.one, "acme-widgets", "--allow-downgrade")).err).toContain(
      "the index has serial 1, older than serial 2",
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it("registry freeze: an expired index is refused, naming its expiry", async () => {
    const frozen = mkdtempSync(join(tmp, "frozen-"));
    cpSync(registries.one, frozen, { recursive: true });
    const built = await cli("registry", "build", "--key", key.registry, "--out", frozen, "--expires-in", "1");
    expect(built.out).toMatch(/serial 2, expires \S+: rebuild before then/);
    const dir = project();
    const before = snapshot(dir);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 2 * 24 * 3600 * 1000);
    const result = await install(dir, frozen);
    vi.useRealTimers();
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/the index \(serial 2\) expired at \S+Z \(now \S+Z\): a mirror may be serving a frozen copy/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("registry build refuses an expiry it cannot mean", async () => {
    for (const days of ["0", "366", "7d", "1.5"])
      expect(await cli("registry", "build", "--key", key.registry, "--out", registries.one, "--expires-in", days)).toMatchObject({
        code: 2,
        err: expect.stringContaining("--expires-in"),
      });
  });

  it("an index without serial (format 1) is refused with advice; registry build extends it to format 2, serial 1", async () => {
    const legacy = mkdtempSync(join(tmp, "legacy-"));
    cpSync(registries.one, legacy, { recursive: true });
    await resign(legacy, ({ serial: _s, expiresAt: _e, ...index }) => ({ ...index, formatVersion: 1 }));
    const dir = project();
    const refused = await install(dir, legacy);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("index.formatVersion: 1 has no serial and no expiry");
    expect(refused.err).toContain("must run `credvend registry build` again");
    expect(await cli("registry", "build", "--key", key.registry, "--out", legacy)).toMatchObject({ code: 0 });
    expect(JSON.parse(readFileSync(join(legacy, "index.json"), "utf8")).index).toMatchObject({ formatVersion: 2, serial: 1 });
    expect((await install(dir, legacy)).code).toBe(0);
  });

  it("two different indexes signed with one serial: the second is refused", async () => {
    const dir = project();
    expect((await install(dir, registries.one)).code).toBe(0);
    const forked = mkdtempSync(join(tmp, "forked-"));
    cpSync(registries.one, forked, { recursive: true });
    await resign(forked, (index) => ({ ...index, updatedAt: "2026-01-01T00:00:00.000Z" }));
    const result = await cli("plugin", "search", "--registry", forked, "--registry-key", key.registryPub, "--dir", dir);
    expect(result.err).toContain("the index has serial 1, which this project accepted with other content");
  });
});

describe("downgrade and plugin upgrade", () => {
  it("name@old next to a newer installed version says so; upgrade refuses it without --allow-downgrade", async () => {
    const dir = project();
    expect((await install(dir, registries.two)).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "credvend.plugins.json"), "utf8")).plugins[0].version).toBe("0.2.0");
    const before = snapshot(dir);
    expect((await install(dir, registries.two, "acme-widgets@0.1.0")).err).toContain(
      "acme-widgets@0.1.0 is older than the installed 0.2.0: a downgrade is deliberate, run credvend plugin upgrade acme-widgets@0.1.0 --allow-downgrade",
    );
    const refused = await upgrade(dir, registries.two, "acme-widgets@0.1.0");
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.err).toContain(
      "acme-widgets@0.1.0 is older than the installed 0.2.0: refusing a downgrade (pass --allow-downgrade if you mean it)",
    );
    expect(snapshot(dir)).toEqual(before);
    const downgraded = await upgrade(dir, registries.two, "acme-widgets@0.1.0", "--allow-downgrade");
    expect(downgraded, downgraded.err).toMatchObject({ code: 0, out: expect.stringContaining("downgraded acme-widgets 0.2.0 → 0.1.0") });
  });

  it("install of an older version than the registry's newest says so", async () => {
    const result = await install(project(), registries.two, "acme-widgets@0.1.0");
    expect(result.out).toContain("note      0.1.0 is older than the newest version, 0.2.0");
  });

  it("upgrade replaces in place: folder, record, serial and the deployment config's zip, which passes synth's checks", async () => {
    const dir = project();
    expect((await install(dir, registries.one)).code).toBe(0);
    const config = join(dir, "infra/credvend.config.yaml");
    const withOne = readFileSync(config, "utf8");
    const result = await upgrade(dir, registries.two);
    expect(result, result.err).toMatchObject({ code: 0, out: expect.stringContaining("upgraded acme-widgets 0.1.0 → 0.2.0") });
    expect(Object.keys(snapshot(dir)).filter((f) => f.startsWith("plugins/"))).toEqual([
      "plugins/acme-widgets/0.2.0/code.zip",
      "plugins/acme-widgets/0.2.0/manifest.json",
      "plugins/acme-widgets/0.2.0/manifest.sig",
    ]);
    // Only the zip path changed in the config.
    expect(readFileSync(config, "utf8")).toBe(
      withOne.replace("plugins/acme-widgets/0.1.0/code.zip", "plugins/acme-widgets/0.2.0/code.zip"),
    );
    expect(JSON.parse(readFileSync(join(dir, "credvend.plugins.json"), "utf8")).plugins).toMatchObject([
      { name: "acme-widgets", version: "0.2.0", dir: "plugins/acme-widgets/0.2.0" },
    ]);
    expect(Object.values(JSON.parse(readFileSync(join(dir, "credvend.registries.json"), "utf8")).registries)).toMatchObject([
      { serial: 2 },
    ]);
    const loaded = await loadDeploymentConfig(config);
    expect(loaded.workers.find((w) => w.name === "acme-widgets")?.signed?.manifest).toMatchObject({ version: "0.2.0" });
    expect(await upgrade(dir, registries.two)).toMatchObject({
      code: 0,
      out: expect.stringContaining("acme-widgets 0.2.0 is installed already"),
    });
  });

  it("upgrade of a --local-only install leaves the deployment config alone", async () => {
    const dir = project();
    const config = join(dir, "infra/credvend.config.yaml");
    const before = readFileSync(config, "utf8");
    expect((await install(dir, registries.one, "acme-widgets", "--local-only")).code).toBe(0);
    const result = await upgrade(dir, registries.two);
    expect(result, result.err).toMatchObject({ code: 0, out: expect.stringContaining("upgraded acme-widgets 0.1.0 → 0.2.0") });
    expect(readFileSync(config, "utf8")).toBe(before);
  });

  it("upgrade rolls back when the new version fails the deployment config's checks: every file as before", async () => {
    const dir = project();
    expect((await install(dir, registries.two)).code).toBe(0);
    const before = snapshot(dir);
    const result = await upgrade(dir, registries.three);
    expect(result.code).toBe(1);
    expect(result.err).toContain("acme-widgets@0.3.0 fails the deployment config's checks, so the upgrade was rolled back (0.2.0 stays)");
    expect(result.err).toContain("environment variable CREDVEND_ALLOWED_CALLERS is not in the manifest's allowlist");
    expect(snapshot(dir)).toEqual(before);
  });

  it("upgrade with an artifact that is not the signed code changes nothing", async () => {
    const dir = project();
    expect((await install(dir, registries.one)).code).toBe(0);
    const mirror = mkdtempSync(join(tmp, "mirror-"));
    cpSync(registries.two, mirror, { recursive: true });
    const zip = join(mirror, "plugins/acme-widgets/0.2.0/code.zip");
    const bytes = readFileSync(zip);
    bytes[200] = bytes[200]! ^ 1;
    writeFileSync(zip, bytes);
    const before = snapshot(dir);
    expect((await upgrade(dir, mirror)).err).toMatch(/the artifact's SHA-256 is \S+, not the signed \S+; refusing it/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("upgrade of a plugin that is not installed, and a version that is not semver, are refused", async () => {
    const dir = project();
    expect((await upgrade(dir, registries.two)).err).toContain("acme-widgets is not installed here");
    expect(await upgrade(dir, registries.two, "acme-widgets@../../x")).toMatchObject({
      code: 2,
      err: expect.stringContaining('"../../x": a plugin version is semver'),
    });
  });
});

describe("plugin remove left the policy rule behind with no hint", () => {
  it("names every rule still allowing the removed provider, in credvend.policy.yaml and in the deployment config's policy", async () => {
    const dir = project();
    expect((await install(dir, registries.one)).code).toBe(0);
    const rule = (name: string) =>
      `  - name: ${name}\n    when: { repository_id: "1", ref: refs/heads/main }\n    allow: ["acme:read:*", "local:read:x"]\n    maxTtl: 15m\n`;
    writeFileSync(
      join(dir, "credvend.policy.yaml"),
      `${readFileSync(join(dir, "credvend.policy.yaml"), "utf8").trimEnd()}\n${rule("acme-main")}`,
    );
    const deployed = join(dir, "deploy.policy.yaml");
    writeFileSync(deployed, `${readFileSync(join(dir, "credvend.policy.yaml"), "utf8").trimEnd()}\n${rule("acme-deploy")}`);
    const config = join(dir, "infra/credvend.config.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("policy: ../credvend.policy.yaml", "policy: ../deploy.policy.yaml"));
    const removed = await cli("plugin", "remove", "acme-widgets", "--dir", dir);
    expect(removed, removed.err).toMatchObject({ code: 0 });
    expect(removed.out).toMatch(/credvend\.policy\.yaml: rule "acme-main" \(rules\[\d+\]\) allows "acme:read:\*"\n/);
    expect(removed.out).toMatch(/deploy\.policy\.yaml: rule "acme-main" \(rules\[\d+\]\) allows "acme:read:\*"\n/);
    expect(removed.out).toMatch(/deploy\.policy\.yaml: rule "acme-deploy" \(rules\[\d+\]\) allows "acme:read:\*"\n/);
    expect(removed.out).not.toContain("local:read:x");
  });
});

describe("manifest version path traversal at registry build and install", () => {
  /** The signed 0.1.0 worker with its manifest re-signed by the publisher under version ../../../x. */
  async function traversalWorker(): Promise<{ dir: string; manifest: Record<string, unknown>; signature: string }> {
    const dir = mkdtempSync(join(tmp, "traversal-"));
    cpSync(join(tmp, "dist", "acme-widgets"), dir, { recursive: true });
    const manifest = { ...JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")), version: "../../../x" };
    const pair = await readPrivateKeyFile(key.publisher);
    const signature = Buffer.from(await signBytes(pair.privateKey, canonicalManifestBytes(manifest))).toString("base64");
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    writeFileSync(join(dir, "manifest.sig"), signature);
    return { dir, manifest, signature };
  }

  it("registry build refuses a worker whose signed manifest version is ../../../x, writing nothing", async () => {
    const { dir } = await traversalWorker();
    const out = join(tmp, "traversal-registry");
    const result = await cli("registry", "build", "--key", key.registry, "--out", out, "--publisher", key.publisherPub, dir);
    expect(result.code).toBe(1);
    expect(result.err).toContain("manifest.version: must be a semver version");
    expect(() => readdirSync(out)).toThrow();
  });

  it("install refuses a registry-signed index listing version ../../../x, writing nothing anywhere", async () => {
    const { manifest, signature } = await traversalWorker();
    const hostile = mkdtempSync(join(tmp, "hostile-"));
    cpSync(registries.one, hostile, { recursive: true });
    await resign(hostile, (index) => {
      const plugins = index.plugins as Record<string, { versions: Record<string, Record<string, unknown>> }>;
      const entry = plugins["acme-widgets"]!.versions["0.1.0"]!;
      return { ...index, plugins: { "acme-widgets": { versions: { "../../../x": { ...entry, manifest, signature } } } } };
    });
    const dir = join(mkdtempSync(join(tmp, "deep-")), "a", "b", "c");
    mkdirSync(dir, { recursive: true });
    const result = await install(dir, hostile, "acme-widgets", "--local-only");
    expect(result.code).toBe(1);
    expect(result.err).toContain("manifest.version: must be a semver version");
    expect(readdirSync(join(dir, "..", "..", ".."))).toEqual(["a"]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
