// Ed25519 for manifests, behind four small functions. Keys and signatures come from
// @noble/ed25519 (async API: no SHA-512 wiring). Verification, which every cold start pays for
// each worker, uses node:crypto's Ed25519 (OpenSSL): about ten times faster here than noble's
// pure-JS math, and an implementation independent of the signer's, so the tests prove interop.
import { createHash, createPublicKey, randomBytes, verify } from "node:crypto";
import { getPublicKeyAsync, signAsync } from "@noble/ed25519";

export interface Ed25519KeyPair {
  /** The 32-byte seed. */
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly keyId: string;
}

export async function generateKeyPair(): Promise<Ed25519KeyPair> {
  return keyPairFromPrivate(new Uint8Array(randomBytes(32)));
}

export async function keyPairFromPrivate(privateKey: Uint8Array): Promise<Ed25519KeyPair> {
  if (privateKey.length !== 32) throw new Error("an Ed25519 private key is 32 bytes");
  const publicKey = await getPublicKeyAsync(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** Key id: the first 16 hex digits of the SHA-256 of the raw 32-byte public key. */
export function keyIdOf(publicKey: Uint8Array): string {
  return createHash("sha256").update(publicKey).digest("hex").slice(0, 16);
}

export function signBytes(privateKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  return signAsync(message, privateKey);
}

/** False for any malformed input as well as a wrong signature: callers only need yes or no. */
export async function verifyBytes(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(publicKey).toString("base64url") }, format: "jwk" });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
