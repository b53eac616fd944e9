// The partner program's signature: ECDSA P-256 / SHA-256 over the raw body, DER, base64 in
// `Github-Public-Key-Signature`, by the key named in `Github-Public-Key-Identifier`.
import { createSign, generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import type { GitHubPartnerKeys } from "./github-partner-keys.js";

export type PartnerSignatureCheck = "valid" | "missing" | "malformed" | "unknown_key" | "mismatch";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A DER ECDSA P-256 signature is 8 to 72 bytes; anything else is not worth a verify. */
const MIN_DER = 8;
const MAX_DER = 72;

export async function checkPartnerSignature(
  keys: GitHubPartnerKeys,
  body: Uint8Array,
  keyId: string | undefined,
  signature: string | undefined,
): Promise<PartnerSignatureCheck> {
  if (!keyId || !signature) return "missing";
  const der = BASE64.test(signature.trim()) ? Buffer.from(signature.trim(), "base64") : undefined;
  if (!der || der.length < MIN_DER || der.length > MAX_DER || !/^[0-9a-f]{1,128}$/i.test(keyId)) return "malformed";
  const key = await keys.key(keyId);
  if (!key) return "unknown_key";
  if (key.asymmetricKeyType !== "ec") return "mismatch";
  try {
    return verify("sha256", body, { key, dsaEncoding: "der" }, der) ? "valid" : "mismatch";
  } catch {
    return "mismatch";
  }
}

/** A P-256 key pair, for the local stand-in of GitHub's key endpoint and for tests. */
export function generatePartnerKeyPair(): { publicKeyPem: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(), privateKey };
}

/** Signs a body the way GitHub does (base64 DER). */
export function signPartnerBody(privateKey: KeyObject, body: string | Uint8Array): string {
  return createSign("sha256").update(body).sign({ key: privateKey, dsaEncoding: "der" }).toString("base64");
}
