// What the edge tells the leak handler, and what it answers. Only hashes: the secret GitHub found
// is hashed at the edge and never reaches the core.

/** Where a leak was seen; every field is optional and non-secret. */
export interface LeakSource {
  /** `secret_scanning_alert` (repository webhook) or `partner` (partner program). */
  readonly channel: "secret_scanning_alert" | "partner";
  /** `owner/name` of the repository the secret was found in. */
  readonly repository?: string;
  readonly alertNumber?: string;
  /** Where to look: the alert's or the commit's URL. */
  readonly url?: string;
  /** GitHub's name for the kind of secret, e.g. `github_personal_access_token`. */
  readonly secretType?: string;
  /** commit, issue, pull request, ... (partner program `source`). */
  readonly location?: string;
  readonly deliveryId?: string;
}

export interface LeakDetection {
  /** Lower-case hex SHA-256 of the leaked secret. */
  readonly tokenHash: string;
  readonly source: LeakSource;
}

export type LeakOutcome =
  /** Not one of ours: audited as `detected_unknown`, nobody alerted. */
  | "unknown"
  /** Expired (past the skew margin) or invalidated before: low-urgency note. */
  | "detected_after_expiry"
  /** Revoked now through its worker: escalated. */
  | "revoked_on_detection"
  /** Live and not revocable by us: high-urgency alert with how to revoke by hand. */
  | "manual_revoke_required"
  /** Every attempt failed upstream: terminal, one high-urgency alert saying what a human must do. */
  | "revoke_failed"
  /** The upstream failed; the detection stays pending and the sweeper retries after a backoff. */
  | "retry_scheduled"
  /** A claim is held (by another attempt, or a timed-out call of ours): the sweeper finishes it. */
  | "in_progress"
  /** The inline attempt ran out of time; the detection is recorded and the sweeper finishes it. */
  | "pending"
  /** The credential already has its outcome: audited as `detected_again`, nothing else. */
  | "already_handled";

export interface LeakResult {
  readonly tokenHash: string;
  readonly outcome: LeakOutcome;
  readonly credentialId?: string;
}

const FINISHED: ReadonlySet<LeakOutcome> = new Set([
  "unknown",
  "detected_after_expiry",
  "revoked_on_detection",
  "manual_revoke_required",
  "revoke_failed",
  "already_handled",
]);

/** Whether the outcome is final (false: the detection is recorded and the sweeper goes on). */
export function isFinished(result: LeakResult): boolean {
  return FINISHED.has(result.outcome);
}

const SOURCE_FIELDS = ["repository", "alertNumber", "url", "secretType", "location", "deliveryId"] as const;

/** What the ledger keeps of a detection (recordDetection): its hash and non-secret source. */
export function detectionSource(detection: LeakDetection): Record<string, string> {
  const kept: Record<string, string> = { tokenHash: detection.tokenHash, channel: detection.source.channel };
  for (const name of SOURCE_FIELDS) {
    const value = detection.source[name];
    if (value) kept[name] = value;
  }
  return kept;
}

/** The detection the ledger kept for a credential, for the sweeper to go on with. */
export function detectionFromRecord(record: {
  readonly tokenHashes: readonly string[];
  readonly detection?: { readonly source: Readonly<Record<string, string>> };
}): LeakDetection {
  const kept = record.detection?.source ?? {};
  const source: { -readonly [K in keyof LeakSource]: LeakSource[K] } = {
    channel: kept.channel === "partner" ? "partner" : "secret_scanning_alert",
  };
  for (const name of SOURCE_FIELDS) if (kept[name]) source[name] = kept[name];
  return { tokenHash: kept.tokenHash ?? record.tokenHashes[0] ?? "", source };
}
