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
  verifyWorker,
  type TrustedRegistration,
  type WorkerEvidence,
} from "../../functions/core/plugin-trust/index.js";
import type { WorkerDescription } from "../../plugin-protocol/types.js";
import { DEMO_CAPABILITIES, DEMO_CODE, sha256Base64, signDemo, trustOf } from "./plugin-trust-fixture.js";

const description: WorkerDescription = {
  name: "demo",
  version: "1.2.3",
  protocol: "credvend.plugin.v1",
  providers: ["demo"],
  capabilities: DEMO_CAPABILITIES,
};

function evidence(overrides: { code?: Uint8Array; describe?: Partial<WorkerDescription> } = {}): WorkerEvidence & { describeCalls: number } {
  const result = {
    describeCalls: 0,
    deployedCodeSha256: async () => sha256Base64(overrides.code ?? DEMO_CODE),
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
      codeSha256: "A".repeat(43) + "=",
      publisherKeyId: "0123456789abcdef",
      signedAt: "2026-01-01T00:00:00Z",
    });
    expect(new TextDecoder().decode(canonicalManifestBytes(manifest))).toBe(
      `{"capabilities":["prepare","vend"],"codeSha256":"${"A".repeat(43)}=","name":"x","protocol":"credvend.plugin.v1",` +
        `"providers":["a","b"],"publisherKeyId":"0123456789abcdef","signedAt":"2026-01-01T00:00:00Z","version":"1.0.0"}`,
    );
  });

  const refusals: { name: string; tamper: (s: { manifest: Record<string, unknown>; signature: string }) => void; reason: string }[] = [
    { name: "one changed byte in the manifest", tamper: (s) => (s.manifest.version = "1.2.4"), reason: "bad_signature" },
    { name: "one flipped character in the signature", tamper: (s) => (s.signature = flipBase64Char(s.signature, 10)), reason: "bad_signature" },
    { name: "a signature that is not base64", tamper: (s) => (s.signature = "!!"), reason: "bad_signature" },
    { name: "an unknown field", tamper: (s) => (s.manifest.extra = "x"), reason: "malformed_manifest" },
    { name: "another protocol", tamper: (s) => (s.manifest.protocol = "credvend.plugin.v2"), reason: "malformed_manifest" },
    { name: "an unknown key id", tamper: (s) => (s.manifest.publisherKeyId = "0000000000000000"), reason: "unknown_key" },
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
    const wrong = await verifyWorker(registration(undefined, { allowUnsigned: true }), new TrustStore(), evidence({ describe: { providers: ["x"] } }));
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
    const failing = { ...evidence(), deployedCodeSha256: () => Promise.reject(new Error("throttled")) };
    await expect(verifyWorker(registration(await signDemo(key)), trustOf(key), failing)).rejects.toThrow("throttled");
  });
});
