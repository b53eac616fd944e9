// The one place @noble/ed25519 is used: key generation, signing and verification of manifests.
// Async API only (it needs no SHA-512 wiring); manifests are checked once per cold start, never
// on a per-request path.
import { createHash, randomBytes } from "node:crypto";
import { getPublicKeyAsync, signAsync, verifyAsync } from "@noble/ed25519";

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
    return await verifyAsync(signature, message, publicKey);
  } catch {
    return false;
  }
}
