// Finding 4 of issue #21 (manifest version may contain ../, and install joins it into
// plugins/<name>/<version>/): a version is semver MAJOR.MINOR.PATCH[-pre] or it is refused — at
// sign (plugin.json, signManifest) and at verification (a hand-signed manifest). Registry build and
// install are covered end to end in test/e2e/plugin-registry.test.ts.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/main.js";
import { signBytes } from "../../functions/core/plugin-trust/ed25519.js";
import { checkManifestSignature, generateKeyPair } from "../../functions/core/plugin-trust/index.js";
import { canonicalManifestBytes } from "../../functions/core/plugin-trust/manifest.js";
import { compareSemver, isSemver } from "../../functions/core/plugin-trust/semver.js";
import { captureOutput } from "../support/capture-output.js";
import { DEMO_CODE, signDemo, trustOf } from "./plugin-trust-fixture.js";

const NOT_SEMVER = [
  "../../../x",
  "1.0.0/../../x",
  "..",
  "1.0",
  "1",
  "v1.0.0",
  "1.0.0+build.1",
  "01.0.0",
  "1.0.0-",
  "1.0.0-a..b",
  "1.0.0-a/b",
  "1.0.0\\x",
  "",
];

afterEach(() => vi.restoreAllMocks());

describe("manifest version path traversal: only semver passes", () => {
  it.each(NOT_SEMVER)("%j is not semver", (version) => expect(isSemver(version)).toBe(false));

  it.each(["0.1.0", "1.2.3", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha-2", "2.0.0-0.3.7"])("%s is semver", (version) =>
    expect(isSemver(version)).toBe(true),
  );

  it.each(NOT_SEMVER)("signManifest refuses version %j", async (version) => {
    const key = await generateKeyPair();
    await expect(signDemo(key, { version })).rejects.toThrow(/manifest\.version: must be a semver version MAJOR\.MINOR\.PATCH\[-pre\]/);
  });

  it.each(NOT_SEMVER)("the core refuses a validly signed manifest with version %j", async (version) => {
    const key = await generateKeyPair();
    const manifest = { ...(await signDemo(key)).manifest, version };
    const signature = Buffer.from(await signBytes(key.privateKey, canonicalManifestBytes(manifest))).toString("base64");
    const checked = await checkManifestSignature({ manifest, signature }, trustOf(key));
    expect(checked).toMatchObject({ ok: false, reason: "malformed_manifest" });
    expect((checked as { detail: string }).detail).toContain("manifest.version: must be a semver version");
  });

  it("credvend plugin sign refuses a plugin.json whose version is ../../x, and writes no manifest", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "credvend-semver-"));
    const io = captureOutput();
    expect(await main(["keys", "generate", "--out", join(tmp, "keys")])).toBe(0);
    writeFileSync(join(tmp, "code.zip"), DEMO_CODE);
    writeFileSync(
      join(tmp, "plugin.json"),
      JSON.stringify({
        name: "demo",
        version: "../../x",
        providers: ["demo"],
        capabilities: ["vend"],
        files: ["index.mjs"],
        handler: "index.handler",
        runtime: "nodejs",
        environment: [],
      }),
    );
    io.reset();
    expect(await main(["plugin", "sign", "--key", join(tmp, "keys", "publisher.key"), tmp])).toBe(1);
    expect(io.err()).toContain("version must be semver MAJOR.MINOR.PATCH[-pre]");
    expect(existsSync(join(tmp, "manifest.json"))).toBe(false);
  });
});

describe("semver precedence", () => {
  const ordered = [
    "0.9.1",
    "0.10.0",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "2.0.0",
  ];
  it("orders versions as semver.org does (pre-releases before their release, numbers as numbers)", () => {
    for (let i = 0; i + 1 < ordered.length; i++) {
      expect(compareSemver(ordered[i]!, ordered[i + 1]!), `${ordered[i]} < ${ordered[i + 1]}`).toBeLessThan(0);
      expect(compareSemver(ordered[i + 1]!, ordered[i]!)).toBeGreaterThan(0);
    }
    expect(compareSemver("1.2.3", "1.2.3")).toBe(0);
  });
});
