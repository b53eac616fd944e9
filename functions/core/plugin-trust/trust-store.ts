// The publisher keys an operator trusts to sign workers, by key id.
import { keyIdOf } from "./ed25519.js";

export interface TrustedKey {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
}

/** How a trusted key is written in configuration: `{"keyId","publicKey"}`, publicKey in base64. */
export interface TrustedKeyConfig {
  readonly keyId: string;
  readonly publicKey: string;
}

export class TrustStoreError extends Error {
  override readonly name = "TrustStoreError";
}

export class TrustStore {
  private readonly keys = new Map<string, TrustedKey>();

  constructor(keys: readonly TrustedKey[] = []) {
    for (const key of keys) this.keys.set(key.keyId, key);
  }

  /** Each entry's key id must be the hash of its key, so a typo cannot trust the wrong key. */
  static fromConfig(entries: readonly TrustedKeyConfig[], where = "trusted keys"): TrustStore {
    return new TrustStore(
      entries.map((entry, i) => {
        const publicKey = decodeBase64(entry.publicKey);
        if (!publicKey || publicKey.length !== 32) throw new TrustStoreError(`${where}[${i}].publicKey: must be base64 of 32 bytes`);
        if (entry.keyId !== keyIdOf(publicKey))
          throw new TrustStoreError(`${where}[${i}].keyId: "${entry.keyId}" is not the id of that key (expected ${keyIdOf(publicKey)})`);
        return { keyId: entry.keyId, publicKey };
      }),
    );
  }

  get(keyId: string): TrustedKey | undefined {
    return this.keys.get(keyId);
  }

  keyIds(): string[] {
    return [...this.keys.keys()].sort();
  }
}

/** Strict base64: `undefined` unless the text is canonical base64 (so one flipped char is noticed). */
export function decodeBase64(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(trimmed)) return undefined;
  const bytes = new Uint8Array(Buffer.from(trimmed, "base64"));
  return Buffer.from(bytes).toString("base64") === trimmed ? bytes : undefined;
}
