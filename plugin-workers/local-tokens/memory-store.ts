// The in-memory LocalTokenStore: unit tests and throwaway local runs.
import { DuplicateCredentialError, type LocalTokenRecord, type LocalTokenStore } from "./store.js";

export class MemoryLocalTokenStore implements LocalTokenStore {
  private readonly byHash = new Map<string, LocalTokenRecord>();
  private readonly hashById = new Map<string, string>();

  async insert(record: LocalTokenRecord): Promise<void> {
    if (this.hashById.has(record.credentialId) || this.byHash.has(record.tokenHash)) {
      throw new DuplicateCredentialError(record.credentialId);
    }
    this.hashById.set(record.credentialId, record.tokenHash);
    this.byHash.set(record.tokenHash, copy(record));
  }

  async findByHash(tokenHash: string): Promise<LocalTokenRecord | undefined> {
    const record = this.byHash.get(tokenHash);
    return record && copy(record);
  }

  async findByCredentialId(credentialId: string): Promise<LocalTokenRecord | undefined> {
    const hash = this.hashById.get(credentialId);
    return hash === undefined ? undefined : this.findByHash(hash);
  }

  async markRevoked(credentialId: string, at: Date): Promise<boolean> {
    const hash = this.hashById.get(credentialId);
    const record = hash === undefined ? undefined : this.byHash.get(hash);
    if (hash === undefined || !record || record.revokedAt) return false;
    this.byHash.set(hash, { ...record, revokedAt: new Date(at) });
    return true;
  }
}

// Callers get their own objects, as they would from a database.
function copy(record: LocalTokenRecord): LocalTokenRecord {
  return {
    ...record,
    scopes: [...record.scopes],
    issuedAt: new Date(record.issuedAt),
    expiresAt: new Date(record.expiresAt),
    ...(record.revokedAt ? { revokedAt: new Date(record.revokedAt) } : {}),
  };
}
