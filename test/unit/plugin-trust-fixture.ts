// Signed-worker fixtures: fresh keys per test (never a committed key), a manifest for the demo
// plugin of plugin-sdk-fixture.ts, and a code "zip" whose hash the manifest carries.
import { PLUGIN_PROTOCOL, PROTOCOL_VERSION } from "../../plugin-protocol/protocol-version.js";
import { createHash } from "node:crypto";
import {
  TrustStore,
  generateKeyPair,
  signManifest,
  type Ed25519KeyPair,
  type LambdaConfiguration,
  type PluginManifest,
} from "../../functions/core/plugin-trust/index.js";
import type { Capability } from "../../plugin-protocol/types.js";

export const DEMO_CAPABILITIES: Capability[] = ["validate", "analyze", "serialize", "prepare", "vend", "revoke"];
export const DEMO_CODE = new TextEncoder().encode("PK demo worker code");
/** The variable names the demo manifest allows. */
export const DEMO_ENVIRONMENT = ["DEMO_TABLE"];

/** The demo worker as Lambda runs it, conforming to its manifest (each test changes one thing). */
export function demoLambda(overrides: Partial<LambdaConfiguration> = {}): LambdaConfiguration {
  return { handler: "index.handler", runtime: "nodejs24.x", layers: [], environmentNames: ["DEMO_TABLE"], ...overrides };
}

export function sha256Base64(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

export function trustOf(...keys: Ed25519KeyPair[]): TrustStore {
  return new TrustStore(keys.map((k) => ({ keyId: k.keyId, publicKey: k.publicKey })));
}

export async function signDemo(
  key: Ed25519KeyPair,
  overrides: Partial<Omit<PluginManifest, "publisherKeyId">> = {},
  signer: Ed25519KeyPair = key,
): Promise<{ manifest: PluginManifest; signature: string }> {
  const fields = {
    name: "demo",
    version: "1.2.3",
    protocol: PLUGIN_PROTOCOL,
    protocolVersion: PROTOCOL_VERSION,
    providers: ["demo"],
    capabilities: DEMO_CAPABILITIES,
    handler: "index.handler",
    runtime: "nodejs",
    environment: DEMO_ENVIRONMENT,
    codeSha256: sha256Base64(DEMO_CODE),
    signedAt: "2026-11-23T12:00:00.000Z",
    ...overrides,
  };
  // `signer` differing from `key`: the manifest names key's id but another key signs it.
  return signManifest(fields, signer.privateKey, key.publicKey);
}

export { generateKeyPair };
