// Where the github worker keeps the tokens it vended, sealed, until they expire: GitHub revokes an
// installation token only when called WITH that token (DELETE /installation/token), so revoking
// a leaked one needs it at hand. Threat model in functions/webhooks/README.md ("GitHub tokens at rest"):
// - sealed with a key only this worker can use (KMS on AWS: a key whose policy grants Decrypt to
//   the github worker's role alone; AES-256-GCM with a local key file in dev), bound to the
//   credential id (KMS EncryptionContext / GCM additional data), so a sealed token cannot be
//   replayed under another id;
// - stored apart from the ledger (its own table), with a TTL at the token's expiry and deleted
//   once revoked: the sealed token is dropped and a tombstone (`revokedAt`) stays until the TTL,
//   so a retried revoke (the core's deadline ran out while GitHub answered) is `already_gone`
//   instead of a false failure; the core (vend, webhooks) never reads it and could not decrypt it;
// - an expired token is never opened: GitHub kills it after an hour anyway.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Clock } from "../sdk/clock.js";
import { systemClock } from "../sdk/clock.js";

/** Encrypts and decrypts with a key bound to a context (the credential id). */
export interface Sealer {
  seal(plaintext: Uint8Array, context: string): Promise<Uint8Array>;
  open(sealed: Uint8Array, context: string): Promise<Uint8Array>;
}

/** What the vault holds for a credential: the sealed token, or once revoked only when. */
export type VaultItem =
  | { sealed: Uint8Array; expiresAt: Date; revokedAt?: undefined }
  | { sealed?: undefined; expiresAt: Date; revokedAt: Date };

/** Stores sealed bytes per credential id until `expiresAt`. */
export interface VaultStore {
  put(credentialId: string, sealed: Uint8Array, expiresAt: Date): Promise<void>;
  get(credentialId: string): Promise<VaultItem | undefined>;
  /** Drops the sealed bytes and keeps a tombstone saying when it was revoked. */
  markRevoked(credentialId: string, revokedAt: Date): Promise<void>;
}

/** What `open` finds: the token, or when this worker revoked it. */
export type VaultEntry = { readonly token: string } | { readonly revokedAt: Date };

export class TokenVault {
  private readonly clock: Clock;
  constructor(
    private readonly sealer: Sealer,
    private readonly store: VaultStore,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  async keep(credentialId: string, token: string, expiresAt: Date): Promise<void> {
    await this.store.put(credentialId, await this.sealer.seal(new TextEncoder().encode(token), credentialId), expiresAt);
  }

  /** The token or its tombstone, unless unknown or expired (stores expire items lazily). */
  async open(credentialId: string): Promise<VaultEntry | undefined> {
    const item = await this.store.get(credentialId);
    if (item?.revokedAt) return { revokedAt: item.revokedAt };
    if (!item?.sealed || item.expiresAt.getTime() <= this.clock.now().getTime()) return undefined;
    return { token: new TextDecoder().decode(await this.sealer.open(item.sealed, credentialId)) };
  }

  /** The token, unless unknown, expired or revoked. */
  async take(credentialId: string): Promise<string | undefined> {
    const entry = await this.open(credentialId);
    return entry && "token" in entry ? entry.token : undefined;
  }

  /** After GitHub revoked it: the token goes, a tombstone stays. */
  markRevoked(credentialId: string): Promise<void> {
    return this.store.markRevoked(credentialId, this.clock.now());
  }
}

/** AES-256-GCM with a local 32-byte key: dev and tests. Output = iv(12) | tag(16) | ciphertext. */
export class AesGcmSealer implements Sealer {
  constructor(private readonly key: Uint8Array) {
    if (key.length !== 32) throw new Error("AES-256-GCM needs a 32-byte key");
  }

  async seal(plaintext: Uint8Array, context: string): Promise<Uint8Array> {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv).setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  async open(sealed: Uint8Array, context: string): Promise<Uint8Array> {
    const bytes = Buffer.from(sealed);
    const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, 12)).setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
  }
}

export class MemoryVaultStore implements VaultStore {
  private readonly items = new Map<string, VaultItem>();
  async put(credentialId: string, sealed: Uint8Array, expiresAt: Date): Promise<void> {
    this.items.set(credentialId, { sealed: Uint8Array.from(sealed), expiresAt });
  }
  async get(credentialId: string) {
    return this.items.get(credentialId);
  }
  async markRevoked(credentialId: string, revokedAt: Date): Promise<void> {
    const item = this.items.get(credentialId);
    if (item) this.items.set(credentialId, { expiresAt: item.expiresAt, revokedAt });
  }
}
