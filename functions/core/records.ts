// What the ledger keeps. A record never holds a clear secret: only SHA-256 hashes of each
// leakable part of the credential (see token-hash.ts).

export type CredentialState =
  /** Issued and handed out; nobody has tried to invalidate it. */
  | "active"
  /** Someone holds the claim to invalidate it and is calling the upstream (see `invalidation`). */
  | "revoking"
  /** Invalidated upstream (the provider confirmed). */
  | "revoked"
  /** The last invalidation attempt failed upstream; the next detection retries it. */
  | "failed";

/** A revocation outside leak response: the job's own (DELETE /v1/credentials/{id}) or the broker's at the granted TTL. */
export type RevokedBy = "revoked_by_owner" | "expired_by_broker";

/** What a leak detection concluded about a credential (see functions/core/leak/). */
export type DetectionTag = "detected_after_expiry" | "revoked_on_detection" | "manual_revoke_required";

/** The one terminal outcome of a credential's leak response: the first one set stands. */
export type TerminalOutcome = DetectionTag | "revoke_failed";

/** The first detection of a credential, kept durably until it reaches its terminal outcome. */
export interface DetectionRecord {
  /** ISO 8601: when the first detection was recorded. */
  readonly detectedAt: string;
  /** Non-secret context of that detection (channel, repository, alert number, url, ...). */
  readonly source: Readonly<Record<string, string>>;
}

/** Progress of invalidating a credential: the claim decides who calls the upstream. */
export interface InvalidationProgress {
  /** The current holder's claim; absent when nobody holds one. */
  readonly claimId?: string;
  /** Epoch milliseconds after which a holder that has not finished is presumed dead. */
  readonly leaseUntil?: number;
  /** Upstream attempts that failed. */
  readonly attempts: number;
  /** The last failure's error code (never a message from upstream). */
  readonly lastError?: string;
}

export interface CredentialRecord {
  readonly credentialId: string;
  readonly provider: string;
  /** The worker registration that issued it, used to revoke it later. */
  readonly worker: string;
  /** Formatted scopes as granted, after narrowing. */
  readonly scopes: readonly string[];
  /** Forensic claims of the caller (repository, ref, workflow, run_id, actor, sha, ...). */
  readonly subject: Readonly<Record<string, string>>;
  /** ISO 8601 timestamps. */
  readonly issuedAt: string;
  readonly expiresAt: string;
  /**
   * ISO 8601: when the broker revokes it, because the provider's credential outlives the TTL the
   * policy granted (GitHub's fixed hour, STS's 900 s minimum). Absent when it expires on time.
   * `expiresAt` stays the provider's real expiry, for leak response if the early revoke fails.
   */
  readonly revokeAt?: string;
  readonly revocable: boolean;
  /** Non-secret upstream reference (session ARN, installation id, token id). */
  readonly upstreamRef: string;
  /**
   * Where a human revokes it by hand, as its worker said at vend time; absent when the worker has
   * none (and on records written before workers said so).
   */
  readonly manualRevocationUrl?: string;
  /** Lower-case hex SHA-256 of every leakable part, one per credential field. */
  readonly tokenHashes: readonly string[];
  readonly state: CredentialState;
  /** Who revoked it outside leak response (`revoked_by_owner`, `expired_by_broker`), and when. */
  readonly revokedBy?: RevokedBy;
  /** ISO 8601, with `revokedBy`. */
  readonly revokedAt?: string;
  /** Present once someone tried to invalidate it. */
  readonly invalidation?: InvalidationProgress;
  /** Detection tags, each with the ISO 8601 time it was first set. */
  readonly tags?: Readonly<Partial<Record<TerminalOutcome, string>>>;
  /** The terminal outcome of its leak response, once reached (never changed afterwards). */
  readonly outcome?: TerminalOutcome;
  /** ISO 8601: when `outcome` was set. */
  readonly outcomeAt?: string;
  /** Present once a leak of it was detected (see functions/core/leak/). */
  readonly detection?: DetectionRecord;
  /**
   * Epoch milliseconds after which the sweeper looks at it again: present while its detection has
   * no terminal outcome, or its outcome has not been announced (audited and alerted) yet.
   */
  readonly sweepDueAt?: number;
}

/** A `secret_scanning_alert` whose secret could not be read from GitHub yet; the sweeper retries. */
export interface PendingAlert {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly installationId?: number;
  readonly secretType?: string;
  readonly url?: string;
  readonly deliveryId?: string;
  /** Reads that failed so far. */
  readonly attempts: number;
  /** Epoch milliseconds of the next read. */
  readonly dueAt: number;
}

export type AuditEventType =
  | "vend"
  | "deny"
  /** The denials of one foreign owner in one hour, summarized once (foreign-denials.ts). */
  | "deny_flood"
  | "detect"
  | "revoke"
  | "manual"
  | "failure"
  | "worker_unsigned"
  | "worker_refused";

export interface AuditEvent {
  /** Unique, sortable within a millisecond; chosen by the writer. */
  readonly eventId: string;
  readonly type: AuditEventType;
  /** ISO 8601. */
  readonly at: string;
  readonly credentialId?: string;
  readonly repository?: string;
  readonly scopes?: readonly string[];
  /** Forensic claims of the caller, when there was one. */
  readonly subject?: Readonly<Record<string, string>>;
  /** A short machine-readable reason (`scope_denied`, `worker_timeout`, ...). */
  readonly reason?: string;
  /** Free-form, non-secret context (a denied scope, a TTL clamp note, a token hash). */
  readonly details?: Readonly<Record<string, string>>;
}

export interface TimeRange {
  /** Inclusive ISO 8601 lower bound. */
  readonly from: string;
  /** Exclusive ISO 8601 upper bound. */
  readonly to: string;
}
