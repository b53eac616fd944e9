import type {
  AuditEvent,
  CredentialRecord,
  DetectionRecord,
  DetectionTag,
  PendingAlert,
  RevokedBy,
  TerminalOutcome,
  TimeRange,
} from "../records.js";

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

  /**
   * Stores a freshly vended credential (as `recordIssued`) and its `vend` event: the credential
   * may be handed out once this resolves. Where the store has transactions, one all-or-nothing
   * write; otherwise `recordIssued` and `appendAudit` side by side (record-vend.ts). Rejects with
   * a VendNotRecordedError saying whether the event landed anyway.
   */
  recordVend(record: CredentialRecord, event: AuditEvent): Promise<void>;

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
   * Claims the invalidation of a credential. Wins when the credential is `active` or `failed`, has
   * no terminal outcome and nobody holds a claim, or, with `staleClaimId`, when that claim is still
   * the holder's and its lease ran out before `now` (its holder died). False when someone else
   * holds it or it is settled. The sweeper looks at it again when the lease ends.
   */
  claimInvalidation(claim: InvalidationClaim): Promise<boolean>;

  /**
   * The holder of `claimId` marks it `revoked` (upstream confirmed), outcome and tag
   * `revoked_on_detection`. With `announceBy` the sweeper announces it from then on unless
   * `markAnnounced` comes first; without, it leaves the sweep.
   */
  completeInvalidation(credentialId: string, claimId: string, at: string, announceBy?: Date): Promise<boolean>;

  /** The holder of `claimId` marks it `failed` and releases the claim: the attempts so far, or
   *  `undefined` when the claim was no longer its own. With `retryAt`, the sweeper retries then. */
  failInvalidation(credentialId: string, claimId: string, errorCode: string, retryAt?: Date): Promise<number | undefined>;

  /**
   * Durably records a detection of the credential and puts it on the sweep, due at `dueAt`: true
   * for the first detection of a credential without an outcome, false for a repeat (already
   * pending or settled) or an unknown credential. One conditional write, so duplicates collapse.
   */
  recordDetection(credentialId: string, detection: DetectionRecord, dueAt: Date): Promise<boolean>;

  /**
   * Sets the terminal outcome (and its tag) once: true for the caller that set it; false when an
   * outcome exists or a live claim is held at `at` (a stale claim is dropped). `announceBy` as for
   * `completeInvalidation`.
   */
  settleOutcome(credentialId: string, outcome: TerminalOutcome, at: Date, announceBy?: Date): Promise<boolean>;

  /** Takes a settled credential off the sweep: its outcome was audited and alerted. */
  markAnnounced(credentialId: string): Promise<void>;

  /** Credentials whose sweep time is at or before `now` (at most `limit`, oldest first). */
  dueDetections(now: Date, limit: number): Promise<string[]>;

  /** Remembers an alert whose secret could not be read yet (once per alert). */
  recordPendingAlert(alert: PendingAlert): Promise<void>;

  /** Pending alerts due at or before `now` (at most `limit`). */
  dueAlerts(now: Date, limit: number): Promise<PendingAlert[]>;

  /** Moves a pending alert to its next read, or (`undefined`) drops it: read, or given up. */
  rescheduleAlert(alert: PendingAlert, next: { attempts: number; dueAt: number } | undefined): Promise<void>;

  /** Sets a detection tag once: true for the caller that set it, false if it was set before. */
  tagCredential(credentialId: string, tag: DetectionTag, at: string): Promise<boolean>;

  /** Remembers a processed webhook delivery id: true the first time, false for a repeat. */
  recordDelivery(deliveryId: string, at: string): Promise<boolean>;

  hasDelivery(deliveryId: string): Promise<boolean>;

  // Revocation outside leak response (the owner's DELETE, the broker's early expiry): the same
  // one-winner claim as leak response, but a failure leaves the credential as it was (its real
  // expiry still stands) instead of counting towards leak response's attempts.

  /** Puts an early revocation on the schedule (a sparse index, never a Scan), due at `dueAt`. */
  scheduleRevocation(credentialId: string, dueAt: Date): Promise<void>;

  /** Scheduled revocations due at or before `now` (at most `limit`, oldest first). */
  dueRevocations(now: Date, limit: number): Promise<ScheduledRevocation[]>;

  /** Moves a scheduled revocation to its next attempt, or (`undefined`) takes it off the schedule. */
  rescheduleRevocation(credentialId: string, next: { attempts: number; dueAt: Date; lastError: string } | undefined): Promise<void>;

  /** `claimInvalidation`'s conditions, without putting the credential on the leak sweep. */
  claimRevocation(claim: InvalidationClaim): Promise<boolean>;

  /** The holder of `claimId` marks it `revoked` by `by` (upstream confirmed); no leak outcome is set. */
  completeRevocation(credentialId: string, claimId: string, by: RevokedBy, at: string): Promise<boolean>;

  /** The holder of `claimId` gives the claim back, the credential in `state` as before the claim. */
  releaseRevocation(credentialId: string, claimId: string, state: "active" | "failed"): Promise<boolean>;

  /** A named progress marker (the alert poller's, per watched owner); undefined until first put. */
  getWatermark(name: string): Promise<string | undefined>;

  /** Replaces the named marker (last writer wins; each poller run writes its own owners). */
  putWatermark(name: string, value: string): Promise<void>;
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

/** A revocation due on the schedule (the broker's early expiry). */
export interface ScheduledRevocation {
  readonly credentialId: string;
  /** Epoch milliseconds. */
  readonly dueAt: number;
  /** Attempts that failed so far. */
  readonly attempts: number;
}
