import type { AuditEvent, CredentialRecord, TimeRange } from "../records.js";

/**
 * The audit ledger: credential records, lookups by token hash, and audit events.
 * Implementations: in-memory (tests, tools) and DynamoDB (AWS, and dynalite locally).
 * Every implementation passes the same contract suite (test/integration/ledger-contract.ts).
 */
export interface CredentialLedger {
  /**
   * Stores a freshly vended credential so that every hash in `tokenHashes` finds it.
   * Without transactions, a failure part-way must leave nothing that looks issued: lookups are
   * written before the record they point to, so a lookup without its record finds nothing.
   */
  recordIssued(record: CredentialRecord): Promise<void>;

  getCredential(credentialId: string): Promise<CredentialRecord | undefined>;

  /** The credential one of whose leakable parts has this SHA-256 (lower-case hex). */
  findByTokenHash(hash: string): Promise<CredentialRecord | undefined>;

  /** Batched `findByTokenHash`: only hashes that matched appear in the result. */
  findByTokenHashes(hashes: readonly string[]): Promise<ReadonlyMap<string, CredentialRecord>>;

  appendAudit(event: AuditEvent): Promise<void>;

  /** Events of one credential, oldest first. */
  auditByCredential(credentialId: string): Promise<AuditEvent[]>;

  /** Events of one repository (`owner/name`) in a time range, oldest first. */
  auditByRepository(repository: string, range: TimeRange): Promise<AuditEvent[]>;

  /** Every event in a time range, oldest first. */
  auditByTime(range: TimeRange): Promise<AuditEvent[]>;
}
