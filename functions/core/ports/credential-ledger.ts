import type { AuditEvent, CredentialRecord, DetectionTag, TimeRange } from "../records.js";

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

  /**
   * Appends an event unless one with its id and time is there already: one conditional write, and
   * a repeat is no error but `false`. For summaries whose id and time derive from what they
   * summarize, so that any number of writers store one (functions/core/foreign-denials.ts).
   */
  appendAuditOnce(event: AuditEvent): Promise<boolean>;

  /** Events of one credential, oldest first. */
  auditByCredential(credentialId: string): Promise<AuditEvent[]>;

  /** Events of one repository (`owner/name`) in a time range, oldest first. */
  auditByRepository(repository: string, range: TimeRange): Promise<AuditEvent[]>;

  /** Every event in a time range, oldest first (on DynamoDB: every shard of every day, merged). */
  auditByTime(range: TimeRange): Promise<AuditEvent[]>;

  // Leak response: each write below is one conditional write, so exactly one of any number of
  // concurrent callers wins it (see functions/core/leak/ and functions/webhooks/README.md).

  /**
   * Claims the invalidation of a credential. Wins when the credential is `active` or `failed` and
   * nobody holds a claim, or, with `staleClaimId`, when that claim is still the holder's and its
   * lease ran out before `now` (its holder died). False when someone else holds it or it is revoked.
   */
  claimInvalidation(claim: InvalidationClaim): Promise<boolean>;

  /** The holder of `claimId` marks it `revoked` (upstream confirmed) and tags it `revoked_on_detection`. */
  completeInvalidation(credentialId: string, claimId: string, at: string): Promise<boolean>;

  /** The holder of `claimId` marks it `failed` and releases the claim: the attempts so far, or
   *  `undefined` when the claim was no longer its own. */
  failInvalidation(credentialId: string, claimId: string, errorCode: string): Promise<number | undefined>;

  /** Sets a detection tag once: true for the caller that set it, false if it was set before. */
  tagCredential(credentialId: string, tag: DetectionTag, at: string): Promise<boolean>;

  /** Remembers a processed webhook delivery id: true the first time, false for a repeat. */
  recordDelivery(deliveryId: string, at: string): Promise<boolean>;

  hasDelivery(deliveryId: string): Promise<boolean>;
}

export interface InvalidationClaim {
  readonly credentialId: string;
  /** Unique per attempt. */
  readonly claimId: string;
  readonly now: Date;
  /** Until when the claim is presumed alive. */
  readonly leaseUntil: Date;
  /** Take over this claim if its lease ran out. */
  readonly staleClaimId?: string;
}
