// Manifest signing and the verification rules of the core: one case per way a worker can be wrong.
import { describe, expect, it } from "vitest";
import {
  TrustStore,
  TrustStoreError,
  canonicalManifestBytes,
  checkManifestSignature,
  generateKeyPair,
  keyIdOf,
  parseManifest,
  signManifest,
  verifyWorker,
  type LambdaConfiguration,
  type TrustedRegistration,
  type WorkerEvidence,
} from "../../functions/core/plugin-trust/index.js";
import type { WorkerDescription } from "../../plugin-protocol/types.js";
import { canonicalManifestBytes as canonicalBytesOf, type PluginManifest } from "../../functions/core/plugin-trust/manifest.js";
import { PROTOCOL_VERSION } from "../../plugin-protocol/protocol-version.js";
import { signBytes } from "../../functions/core/plugin-trust/ed25519.js";
import { FORBIDDEN_ENVIRONMENT, runtimeMatches } from "../../functions/core/plugin-trust/worker-configuration.js";
import { DEMO_CAPABILITIES, DEMO_CODE, demoLambda, sha256Base64, signDemo, trustOf } from "./plugin-trust-fixture.js";

const description: WorkerDescription = {
  name: "demo",
  version: "1.2.3",
  protocol: "credvend.plugin.v1",
  protocolVersion: PROTOCOL_VERSION,
  providers: ["demo"],
  capabilities: DEMO_CAPABILITIES,
};

function evidence(
  overrides: { code?: Uint8Array; describe?: Partial<WorkerDescription>; lambda?: LambdaConfiguration } = {},
): WorkerEvidence & { describeCalls: number } {
  const result = {
    describeCalls: 0,
    deployedConfiguration: async () => ({
      codeSha256: sha256Base64(overrides.code ?? DEMO_CODE),
      lambda: overrides.lambda ?? demoLambda(),
    }),
    describe: async () => {
      result.describeCalls++;
      return { ...description, ...overrides.describe };
    },
  };
  return result;
}

function flipBase64Char(text: string, at: number): string {
  const c = text[at] === "A" ? "B" : "A";
  return text.slice(0, at) + c + text.slice(at + 1);
}

describe("manifest signatures", () => {
  it("round-trips: a signed manifest verifies with the signer's key", async () => {
    const key = await generateKeyPair();
    const signed = await signDemo(key);
    const checked = await checkManifestSignature(signed, trustOf(key));
    expect(checked).toEqual({ ok: true, manifest: signed.manifest });
    expect(signed.manifest.publisherKeyId).toBe(key.keyId);
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("signs canonical bytes: field order, array order and indentation do not matter", async () => {
    const key = await generateKeyPair();
    const signed = await signDemo(key);
    const reordered = JSON.parse(JSON.stringify({ ...signed.manifest, capabilities: [...DEMO_CAPABILITIES].reverse() }, null, 4));
    const shuffled = Object.fromEntries(Object.entries(reordered).reverse());
    expect((await checkManifestSignature({ manifest: shuffled, signature: signed.signature }, trustOf(key))).ok).toBe(true);
  });

  it("documents the canonical form: sorted keys, sorted arrays, no whitespace", () => {
    const manifest = parseManifest({
      version: "1.0.0",
      name: "x",
      providers: ["b", "a"],
      protocol: "credvend.plugin.v1",
      capabilities: ["vend", "prepare"],
      environment: ["X_TABLE", "X_KEY"],
      runtime: "nodejs",
      handler: "index.handler",
      codeSha256: "A".repeat(43) + "=",
      publisherKeyId: "0123456789abcdef",
      signedAt: "2026-01-01T00:00:00Z",
    });
    expect(new TextDecoder().decode(canonicalManifestBytes(manifest))).toBe(
      `{"capabilities":["prepare","vend"],"codeSha256":"${"A".repeat(43)}=","environment":["X_KEY","X_TABLE"],"handler":"index.handler",` +
        `"name":"x","protocol":"credvend.plugin.v1","providers":["a","b"],"publisherKeyId":"0123456789abcdef","runtime":"nodejs",` +
        `"signedAt":"2026-01-01T00:00:00Z","version":"1.0.0"}`,
    );
  });

  const refusals: { name: string; tamper: (s: { manifest: Record<string, unknown>; signature: string }) => void; reason: string }[] = [
    { name: "one changed byte in the manifest", tamper: (s) => (s.manifest.version = "1.2.4"), reason: "bad_signature" },
    {
      name: "one flipped character in the signature",
      tamper: (s) => (s.signature = flipBase64Char(s.signature, 10)),
      reason: "bad_signature",
    },
    { name: "a signature that is not base64", tamper: (s) => (s.signature = "!!"), reason: "bad_signature" },
    { name: "an unknown field", tamper: (s) => (s.manifest.extra = "x"), reason: "malformed_manifest" },
    { name: "another protocol", tamper: (s) => (s.manifest.protocol = "credvend.plugin.v2"), reason: "malformed_manifest" },
    { name: "an unknown key id", tamper: (s) => (s.manifest.publisherKeyId = "0000000000000000"), reason: "unknown_key" },
    { name: "another handler in the manifest", tamper: (s) => (s.manifest.handler = "evil.handler"), reason: "bad_signature" },
    { name: "another runtime in the manifest", tamper: (s) => (s.manifest.runtime = "python"), reason: "bad_signature" },
    {
      name: "a variable added to the manifest's allowlist",
      tamper: (s) => (s.manifest.environment = ["DEMO_TABLE", "EXTRA"]),
      reason: "bad_signature",
    },
  ];
  for (const { name, tamper, reason } of refusals) {
    it(`refuses ${name}`, async () => {
      const key = await generateKeyPair();
      const signed = await signDemo(key);
      const copy = { manifest: { ...signed.manifest } as Record<string, unknown>, signature: signed.signature };
      tamper(copy);
      const checked = await checkManifestSignature(copy, trustOf(key));
      expect(checked).toMatchObject({ ok: false, reason });
    });
  }

  it("refuses a manifest signed by another key than the one it names", async () => {
    const trusted = await generateKeyPair();
    const attacker = await generateKeyPair();
    const signed = await signDemo(trusted, {}, attacker);
    expect(await checkManifestSignature(signed, trustOf(trusted))).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("refuses a manifest by a key that is not trusted, even if the signature is good", async () => {
    const stranger = await generateKeyPair();
    const signed = await signDemo(stranger);
    const checked = await checkManifestSignature(signed, trustOf(await generateKeyPair()));
    expect(checked).toMatchObject({ ok: false, reason: "unknown_key" });
  });

  it("loads a trust store only when each key id is the hash of its key", async () => {
    const key = await generateKeyPair();
    const publicKey = Buffer.from(key.publicKey).toString("base64");
    expect(TrustStore.fromConfig([{ keyId: key.keyId, publicKey }]).get(key.keyId)?.keyId).toBe(keyIdOf(key.publicKey));
    expect(() => TrustStore.fromConfig([{ keyId: "0000000000000000", publicKey }])).toThrow(TrustStoreError);
    expect(() => TrustStore.fromConfig([{ keyId: key.keyId, publicKey: "abc" }])).toThrow(/base64 of 32 bytes/);
  });
});

describe("verifyWorker", () => {
  const registration = (signed?: TrustedRegistration["signed"], extra: Partial<TrustedRegistration> = {}): TrustedRegistration => ({
    name: "demo",
    providers: ["demo"],
    ...(signed ? { signed } : {}),
    ...extra,
  });

  it("verifies a worker whose signature, code and Describe all agree", async () => {
    const key = await generateKeyPair();
    const verdict = await verifyWorker(registration(await signDemo(key)), trustOf(key), evidence());
    expect(verdict.status).toBe("verified");
  });

  it("refuses deployed code that differs by one byte from the signed zip", async () => {
    const key = await generateKeyPair();
    const code = new Uint8Array(DEMO_CODE);
    code[5] = code[5]! ^ 1;
    const verdict = await verifyWorker(registration(await signDemo(key)), trustOf(key), evidence({ code }));
    expect(verdict).toMatchObject({ status: "refused", reason: "code_mismatch" });
  });

  it("asks for Describe while the deployed code is still being fetched (a cold start's two round trips, side by side)", async () => {
    const key = await generateKeyPair();
    const calls = evidence();
    const order: string[] = [];
    const verdict = await verifyWorker(registration(await signDemo(key)), trustOf(key), {
      deployedConfiguration: async () => {
        order.push("code asked");
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push("code answered");
        return calls.deployedConfiguration();
      },
      describe: async () => {
        order.push("describe asked");
        return calls.describe!();
      },
    });
    expect(verdict.status).toBe("verified");
    expect(order).toEqual(["code asked", "describe asked", "code answered"]);
  });

  it("refuses code that is not the signed code even when Describe fails: a refusal is not downgraded to unverifiable", async () => {
    const key = await generateKeyPair();
    const code = new Uint8Array(DEMO_CODE);
    code[0] = code[0]! ^ 1;
    const verdict = await verifyWorker(registration(await signDemo(key)), trustOf(key), {
      deployedConfiguration: evidence({ code }).deployedConfiguration,
      describe: async () => {
        throw new Error("connection reset");
      },
    });
    expect(verdict).toMatchObject({ status: "refused", reason: "code_mismatch" });
  });

  it("rejects (no verdict) when the code agrees but Describe fails", async () => {
    const key = await generateKeyPair();
    await expect(
      verifyWorker(registration(await signDemo(key)), trustOf(key), {
        deployedConfiguration: evidence().deployedConfiguration,
        describe: async () => {
          throw new Error("connection reset");
        },
      }),
    ).rejects.toThrow("connection reset");
  });

  it("refuses a manifest naming a capability the worker lacks", async () => {
    const key = await generateKeyPair();
    const lacking = DEMO_CAPABILITIES.filter((c) => c !== "revoke");
    const verdict = await verifyWorker(registration(await signDemo(key)), trustOf(key), evidence({ describe: { capabilities: lacking } }));
    expect(verdict).toMatchObject({ status: "refused", reason: "describe_mismatch" });
    expect((verdict as { detail: string }).detail).toContain("revoke");
  });

  it("refuses a worker whose Describe disagrees on name or version", async () => {
    const key = await generateKeyPair();
    const signed = await signDemo(key);
    for (const describe of [{ version: "9.9.9" }, { name: "impostor" }, { providers: ["demo", "aws"] }]) {
      const verdict = await verifyWorker(registration(signed), trustOf(key), evidence({ describe }));
      expect(verdict).toMatchObject({ status: "refused", reason: "describe_mismatch" });
    }
  });

  it("refuses a worker of another protocol major before calling it, naming both versions", async () => {
    const key = await generateKeyPair();
    const calls = evidence({ describe: { protocol: "credvend.plugin.v2", protocolVersion: "2.0" } });
    const signed = await signDemo(key, { protocol: "credvend.plugin.v2", protocolVersion: "2.0" });
    const verdict = await verifyWorker(registration(signed), trustOf(key), calls);
    expect(verdict).toEqual({
      status: "refused",
      reason: "incompatible_protocol",
      detail: `worker demo speaks plugin protocol 2.0; this core speaks ${PROTOCOL_VERSION} (major 1 only)`,
    });
    expect(calls.describeCalls).toBe(0);
  });

  it("accepts an older minor (1.0) whose Describe predates the version field, and a newer minor", async () => {
    const key = await generateKeyPair();
    const older = await signDemo(key, { protocolVersion: "1.0" });
    const { protocolVersion: _omitted, ...withoutVersion } = description;
    const verdict = await verifyWorker(registration(older), trustOf(key), { ...evidence(), describe: async () => withoutVersion });
    expect(verdict).toMatchObject({ status: "verified", manifest: { protocolVersion: "1.0" } });
    const newer = await signDemo(key, { protocolVersion: "1.9" });
    expect(await verifyWorker(registration(newer), trustOf(key), evidence({ describe: { protocolVersion: "1.9" } }))).toMatchObject({
      status: "verified",
    });
  });

  it("refuses a worker whose Describe names another protocol version than its manifest", async () => {
    const key = await generateKeyPair();
    const verdict = await verifyWorker(registration(await signDemo(key, { protocolVersion: "1.0" })), trustOf(key), evidence());
    expect(verdict).toEqual({
      status: "refused",
      reason: "describe_mismatch",
      detail: `Describe says protocol version ${PROTOCOL_VERSION}, the manifest 1.0`,
    });
  });

  it("reads a manifest signed before protocol versions as 1.0, its signature still valid", async () => {
    const key = await generateKeyPair();
    const { protocolVersion: _version, publisherKeyId: _keyId, ...fields } = (await signDemo(key)).manifest;
    const legacy = await signManifest(fields, key.privateKey, key.publicKey);
    expect(legacy.manifest).not.toHaveProperty("protocolVersion");
    const verdict = await verifyWorker(registration(legacy), trustOf(key), evidence({ describe: { protocolVersion: "1.0" } }));
    expect(verdict.status).toBe("verified");
  });

  it("refuses a manifest whose protocolVersion is not major.minor or not the protocol's major", async () => {
    const key = await generateKeyPair();
    for (const protocolVersion of ["1", "1.1.0", "v1.1", "2.0"]) {
      const signed = await signDemo(key);
      const tampered = { ...signed, manifest: { ...signed.manifest, protocolVersion } };
      expect(await verifyWorker(registration(tampered), trustOf(key), evidence())).toMatchObject({
        status: "refused",
        reason: "malformed_manifest",
      });
    }
  });

  it("refuses a registration for a provider the manifest does not declare", async () => {
    const key = await generateKeyPair();
    const verdict = await verifyWorker(registration(await signDemo(key), { providers: ["demo", "aws"] }), trustOf(key), evidence());
    expect(verdict).toMatchObject({ status: "refused", reason: "provider_not_declared" });
  });

  it("refuses an unsigned worker by default, without calling it", async () => {
    const calls = evidence();
    const verdict = await verifyWorker(registration(), new TrustStore(), calls);
    expect(verdict).toMatchObject({ status: "refused", reason: "unsigned" });
    expect(calls.describeCalls).toBe(0);
  });

  it("allows an unsigned worker with allowUnsigned, if it serves the registered providers", async () => {
    const allowed = await verifyWorker(registration(undefined, { allowUnsigned: true }), new TrustStore(), evidence());
    expect(allowed.status).toBe("unsigned");
    const wrong = await verifyWorker(
      registration(undefined, { allowUnsigned: true }),
      new TrustStore(),
      evidence({ describe: { providers: ["x"] } }),
    );
    expect(wrong).toMatchObject({ status: "refused", reason: "describe_mismatch" });
  });

  it("never lets allowUnsigned excuse a bad signature", async () => {
    const key = await generateKeyPair();
    const signed = await signDemo(key);
    const verdict = await verifyWorker(
      registration({ ...signed, signature: flipBase64Char(signed.signature, 3) }, { allowUnsigned: true }),
      trustOf(key),
      evidence(),
    );
    expect(verdict).toMatchObject({ status: "refused", reason: "bad_signature" });
  });

  it("rejects (no verdict) when the evidence cannot be fetched", async () => {
    const key = await generateKeyPair();
    const failing = { ...evidence(), deployedConfiguration: () => Promise.reject(new Error("throttled")) };
    await expect(verifyWorker(registration(await signDemo(key)), trustOf(key), failing)).rejects.toThrow("throttled");
  });
});

describe("configuration binding: lambda:UpdateFunctionConfiguration cannot run foreign code beside the signed zip", () => {
  async function verdictFor(lambda: LambdaConfiguration) {
    const key = await generateKeyPair();
    return verifyWorker({ name: "demo", providers: ["demo"], signed: await signDemo(key) }, trustOf(key), evidence({ lambda }));
  }

  it("verifies a worker deployed as signed, with fewer variables than its allowlist permits", async () => {
    expect((await verdictFor(demoLambda())).status).toBe("verified");
    expect((await verdictFor(demoLambda({ environmentNames: [] }))).status).toBe("verified");
  });

  it("NODE_OPTIONS injected by UpdateFunctionConfiguration refuses the worker", async () => {
    const verdict = await verdictFor(demoLambda({ environmentNames: ["DEMO_TABLE", "NODE_OPTIONS"] }));
    expect(verdict).toEqual({
      status: "refused",
      reason: "configuration_mismatch",
      detail: "environment variable NODE_OPTIONS is set, which no worker may have",
    });
  });

  it.each(["AWS_LAMBDA_EXEC_WRAPPER", "LD_PRELOAD", "NODE_PATH", "NODE_EXTRA_CA_CERTS", "PYTHONPATH"])(
    "%s set by UpdateFunctionConfiguration refuses the worker",
    async (name) => {
      const verdict = await verdictFor(demoLambda({ environmentNames: ["DEMO_TABLE", name] }));
      expect(verdict).toMatchObject({ status: "refused", reason: "configuration_mismatch" });
      expect((verdict as { detail: string }).detail).toContain(name);
    },
  );

  it("a layer attached by UpdateFunctionConfiguration refuses the worker", async () => {
    const layer = "arn:aws:lambda:eu-west-1:123456789012:layer:wrapper:3";
    const verdict = await verdictFor(demoLambda({ layers: [layer] }));
    expect(verdict).toMatchObject({ status: "refused", reason: "configuration_mismatch" });
    expect((verdict as { detail: string }).detail).toBe(`layers ${layer} are attached (a signed worker runs without layers)`);
  });

  it("an environment variable outside the manifest's allowlist refuses the worker, naming the variable only", async () => {
    const verdict = await verdictFor(demoLambda({ environmentNames: ["DEMO_TABLE", "LOG_LEVEL"] }));
    expect(verdict).toEqual({
      status: "refused",
      reason: "configuration_mismatch",
      detail: "environment variable LOG_LEVEL is not in the manifest's allowlist",
    });
  });

  it("a handler other than the signed one refuses the worker", async () => {
    const verdict = await verdictFor(demoLambda({ handler: "node_modules/evil.handler" }));
    expect(verdict).toMatchObject({
      status: "refused",
      reason: "configuration_mismatch",
      detail: 'handler "node_modules/evil.handler" is not the signed "index.handler"',
    });
  });

  it("a runtime other than the signed one refuses the worker; a family accepts its own versions only", async () => {
    expect(await verdictFor(demoLambda({ runtime: "python3.13" }))).toMatchObject({
      status: "refused",
      reason: "configuration_mismatch",
      detail: 'runtime "python3.13" is not the signed "nodejs"',
    });
    expect((await verdictFor(demoLambda({ runtime: "nodejs22.x" }))).status).toBe("verified");
    expect(runtimeMatches("nodejs", "nodejs24.x")).toBe(true);
    expect(runtimeMatches("nodejs24.x", "nodejs22.x")).toBe(false);
    expect(runtimeMatches("node", "nodejs24.x")).toBe(false);
    expect(runtimeMatches("provided", "provided.al2023")).toBe(true);
    expect(runtimeMatches("python", "")).toBe(false);
  });

  it("a container image (no handler, no runtime) refuses the worker", async () => {
    const verdict = await verdictFor(demoLambda({ handler: "", runtime: "" }));
    expect(verdict).toMatchObject({ status: "refused", reason: "configuration_mismatch" });
  });

  it("variables Lambda cannot show (a KMS key the core may not use) refuse the worker", async () => {
    const verdict = await verdictFor(demoLambda({ environmentNames: [], environmentError: "KMSAccessDeniedException" }));
    expect(verdict).toMatchObject({ status: "refused", reason: "configuration_mismatch" });
    expect((verdict as { detail: string }).detail).toContain("KMSAccessDeniedException");
  });

  it("names every difference at once", async () => {
    const verdict = await verdictFor({
      handler: "x.y",
      runtime: "python3.13",
      layers: ["arn:l"],
      environmentNames: ["NODE_OPTIONS", "OTHER"],
    });
    expect((verdict as { detail: string }).detail.split("; ")).toEqual([
      "layers arn:l are attached (a signed worker runs without layers)",
      'handler "x.y" is not the signed "index.handler"',
      'runtime "python3.13" is not the signed "nodejs"',
      "environment variable NODE_OPTIONS is set, which no worker may have",
      "environment variable OTHER is not in the manifest's allowlist",
    ]);
  });

  it("checks only the code hash for a worker run from a local zip (no Lambda configuration)", async () => {
    const key = await generateKeyPair();
    const local: WorkerEvidence = { deployedConfiguration: async () => ({ codeSha256: sha256Base64(DEMO_CODE) }) };
    expect((await verifyWorker({ name: "demo", providers: ["demo"], signed: await signDemo(key) }, trustOf(key), local)).status).toBe(
      "verified",
    );
  });
});

describe("manifests that would allow foreign code", () => {
  const demoManifest = async (key: Awaited<ReturnType<typeof generateKeyPair>>, environment: string[]): Promise<PluginManifest> => ({
    ...(await signDemo(key)).manifest,
    environment,
  });

  it.each(["NODE_OPTIONS", "AWS_LAMBDA_EXEC_WRAPPER", "LD_PRELOAD", "NODE_PATH", "NODE_EXTRA_CA_CERTS", "node_options"])(
    "a manifest allowing %s is refused even with a valid signature",
    async (name) => {
      const key = await generateKeyPair();
      // Signed by hand: signManifest would refuse to sign it.
      const manifest = await demoManifest(key, ["DEMO_TABLE", name]);
      const signature = Buffer.from(await signBytes(key.privateKey, canonicalBytesOf(manifest))).toString("base64");
      const checked = await checkManifestSignature({ manifest, signature }, trustOf(key));
      expect(checked).toMatchObject({ ok: false, reason: "malformed_manifest" });
      expect((checked as { detail: string }).detail).toContain(`${name} is never allowed`);
    },
  );

  it("signManifest refuses to sign a manifest allowing any forbidden variable", async () => {
    const key = await generateKeyPair();
    for (const name of FORBIDDEN_ENVIRONMENT)
      await expect(signDemo(key, { environment: [name] })).rejects.toThrow(`manifest.environment: ${name} is never allowed`);
  });

  it("an old manifest without handler, runtime and environment is refused: sign it again", async () => {
    const key = await generateKeyPair();
    const { handler: _h, runtime: _r, environment: _e, ...old } = (await signDemo(key)).manifest;
    const checked = await checkManifestSignature({ manifest: old, signature: "AAAA" }, trustOf(key));
    expect(checked).toMatchObject({ ok: false, reason: "malformed_manifest" });
    expect((checked as { detail: string }).detail).toContain("sign the worker again");
  });

  it("refuses a manifest missing one of the configuration fields, naming it", () => {
    const valid = {
      name: "x",
      version: "1.0.0",
      protocol: "credvend.plugin.v1",
      providers: ["x"],
      capabilities: ["vend"],
      codeSha256: `${"A".repeat(43)}=`,
      publisherKeyId: "0123456789abcdef",
      signedAt: "2026-01-01T00:00:00Z",
      handler: "index.handler",
      runtime: "nodejs",
      environment: [],
    };
    expect(parseManifest(valid).environment).toEqual([]);
    expect(() => parseManifest({ ...valid, handler: undefined })).toThrow(/manifest\.handler:/);
    expect(() => parseManifest({ ...valid, runtime: "Node JS" })).toThrow(/manifest\.runtime:/);
    expect(() => parseManifest({ ...valid, environment: "DEMO_TABLE" })).toThrow(/manifest\.environment:/);
    expect(() => parseManifest({ ...valid, environment: ["BAD-NAME"] })).toThrow(/manifest\.environment:/);
  });
});
