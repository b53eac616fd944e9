// Signing and signature checking of manifests: Ed25519 over the canonical bytes.
import { keyIdOf, signBytes, verifyBytes } from "./ed25519.js";
import { canonicalManifestBytes, parseManifest, type PluginManifest } from "./manifest.js";
import { decodeBase64, type TrustStore } from "./trust-store.js";

/** A manifest and its signature as they travel: the manifest as parsed JSON, the signature in base64. */
export interface SignedManifest {
  readonly manifest: unknown;
  readonly signature: string;
}

export async function signManifest(
  fields: Omit<PluginManifest, "publisherKeyId">,
  privateKey: Uint8Array,
  publicKey: Uint8Array,
): Promise<{ manifest: PluginManifest; signature: string }> {
  const manifest = parseManifest({ ...fields, publisherKeyId: keyIdOf(publicKey) });
  const signature = await signBytes(privateKey, canonicalManifestBytes(manifest));
  return { manifest, signature: Buffer.from(signature).toString("base64") };
}

export type SignatureCheck =
  | { readonly ok: true; readonly manifest: PluginManifest }
  | { readonly ok: false; readonly reason: "malformed_manifest" | "unknown_key" | "bad_signature"; readonly detail: string };

/** Parses the manifest and checks its signature by a key of the trust store. No I/O. */
export async function checkManifestSignature(signed: SignedManifest, trust: TrustStore): Promise<SignatureCheck> {
  let manifest: PluginManifest;
  try {
    manifest = parseManifest(signed.manifest);
  } catch (error) {
    return { ok: false, reason: "malformed_manifest", detail: (error as Error).message };
  }
  const key = trust.get(manifest.publisherKeyId);
  if (!key) return { ok: false, reason: "unknown_key", detail: `publisher key ${manifest.publisherKeyId} is not in the trust store` };
  const signature = decodeBase64(signed.signature);
  if (!signature || !(await verifyBytes(key.publicKey, canonicalManifestBytes(manifest), signature)))
    return { ok: false, reason: "bad_signature", detail: `the signature does not verify with key ${key.keyId}` };
  return { ok: true, manifest };
}
