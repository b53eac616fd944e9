// Finding 5 of issue #21 (forbidden worker environment was a denylist with gaps): a manifest
// declaring any variable that loads code or changes TLS trust or proxying, in any runtime, is
// refused at sign (plugin.json through `credvend plugin sign`, and signManifest) and at
// verification by the core (a hand-signed manifest naming it; a deployed function that has it).
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/main.js";
import { signBytes } from "../../functions/core/plugin-trust/ed25519.js";
import { checkManifestSignature, generateKeyPair, verifyWorker } from "../../functions/core/plugin-trust/index.js";
import { canonicalManifestBytes } from "../../functions/core/plugin-trust/manifest.js";
import { isForbiddenEnvironmentName } from "../../functions/core/plugin-trust/worker-configuration.js";
import { captureOutput } from "../support/capture-output.js";
import { ALLOWED_ENVIRONMENT_NAMES, FORBIDDEN_ENVIRONMENT_CASES } from "../support/forbidden-environment-cases.js";
import { DEMO_CODE, demoLambda, sha256Base64, signDemo, trustOf } from "./plugin-trust-fixture.js";

let tmp = "";
let keyFile = "";

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "credvend-env-allowlist-"));
  captureOutput();
  try {
    expect(await main(["keys", "generate", "--out", join(tmp, "keys")])).toBe(0);
  } finally {
    vi.restoreAllMocks();
  }
  keyFile = join(tmp, "keys", "publisher.key");
});

afterEach(() => vi.restoreAllMocks());

/** A built worker (code.zip + plugin.json) whose plugin.json allows `name`. */
function builtWorker(name: string): string {
  const dir = mkdtempSync(join(tmp, "worker-"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "code.zip"), DEMO_CODE);
  writeFileSync(
    join(dir, "plugin.json"),
    JSON.stringify({
      name: "demo",
      version: "1.0.0",
      providers: ["demo"],
      capabilities: ["vend"],
      files: ["index.mjs"],
      handler: "index.handler",
      runtime: "nodejs",
      environment: ["CREDVEND_ALLOWED_CALLERS", name],
    }),
  );
  return dir;
}

describe.each(FORBIDDEN_ENVIRONMENT_CASES)("forbidden worker environment was a denylist with gaps: $name ($runtime)", ({ name }) => {
  it("is forbidden by the rule every check uses", () => expect(isForbiddenEnvironmentName(name)).toBe(true));

  it("credvend plugin sign refuses a plugin.json allowing it, and writes no manifest", async () => {
    const dir = builtWorker(name);
    const io = captureOutput();
    const code = await main(["plugin", "sign", "--key", keyFile, dir]);
    expect(code).toBe(1);
    expect(io.err()).toContain(`${name} is never allowed`);
    expect(existsSync(join(dir, "manifest.json"))).toBe(false);
  });

  it("signManifest refuses to sign it", async () => {
    const key = await generateKeyPair();
    await expect(signDemo(key, { environment: ["DEMO_TABLE", name] })).rejects.toThrow(`manifest.environment: ${name} is never allowed`);
  });

  it("the core refuses a manifest declaring it even with a valid signature, before any evidence is fetched", async () => {
    const key = await generateKeyPair();
    const { manifest: honest } = await signDemo(key);
    const manifest = { ...honest, environment: ["DEMO_TABLE", name] };
    const signature = Buffer.from(await signBytes(key.privateKey, canonicalManifestBytes(manifest))).toString("base64");
    const checked = await checkManifestSignature({ manifest, signature }, trustOf(key));
    expect(checked).toMatchObject({ ok: false, reason: "malformed_manifest" });
    let fetched = false;
    const verdict = await verifyWorker({ name: "demo", providers: ["demo"], signed: { manifest, signature } }, trustOf(key), {
      deployedConfiguration: async () => {
        fetched = true;
        return { codeSha256: sha256Base64(DEMO_CODE), lambda: demoLambda() };
      },
    });
    expect(verdict).toMatchObject({ status: "refused", reason: "malformed_manifest" });
    expect(fetched).toBe(false);
  });

  it("the core refuses a deployed worker that has it set, though its manifest is honest", async () => {
    const key = await generateKeyPair();
    const signed = await signDemo(key);
    const verdict = await verifyWorker({ name: "demo", providers: ["demo"], signed }, trustOf(key), {
      deployedConfiguration: async () => ({
        codeSha256: sha256Base64(DEMO_CODE),
        lambda: demoLambda({ environmentNames: ["DEMO_TABLE", name] }),
      }),
    });
    expect(verdict).toMatchObject({ status: "refused", reason: "configuration_mismatch" });
    expect((verdict as { detail: string }).detail).toContain(`environment variable ${name} is set, which no worker may have`);
  });
});

it.each(ALLOWED_ENVIRONMENT_NAMES)("an ordinary name (%s) is still allowed and signs", async (name) => {
  expect(isForbiddenEnvironmentName(name)).toBe(false);
  const key = await generateKeyPair();
  const { manifest } = await signDemo(key, { environment: [name] });
  expect(manifest.environment).toEqual([name]);
});
