// Where issued local tokens live. Only the SHA-256 of a token is ever stored, never the token.
export interface LocalTokenRecord {
  /** Lower-case hex SHA-256 of the token: the key. */
  readonly tokenHash: string;
  readonly credentialId: string;
  /** Formatted scopes, e.g. "local:read:billing". */
  readonly scopes: readonly string[];
  /** The repository claim of the CI job that asked; "" when absent. */
  readonly repository: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt?: Date;
}

export interface LocalTokenStore {
  /** Stores a new token; rejects with DuplicateCredentialError when the id or hash is known. */
  insert(record: LocalTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<LocalTokenRecord | undefined>;
  /** Read-your-writes: a token inserted a moment ago is found. */
  findByCredentialId(credentialId: string): Promise<LocalTokenRecord | undefined>;
  /** True when this call revoked it; false when it was unknown or revoked already. */
  markRevoked(credentialId: string, at: Date): Promise<boolean>;
}

export class DuplicateCredentialError extends Error {
  override readonly name = "DuplicateCredentialError";
  constructor(readonly credentialId: string) {
    super(`credential ${credentialId} already has a token`);
  }
}
