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
  /** Expired or invalidated before: tagged, low-urgency note (first time only). */
  | "detected_after_expiry"
  /** Revoked now through its worker: tagged, escalated. */
  | "revoked_on_detection"
  /** Live and not revocable by us: tagged, high-urgency alert with how to revoke by hand (first time only). */
  | "manual_revoke_required"
  /** The upstream refused or failed: state `failed`, alerted on the first failure; retry later. */
  | "revoke_failed"
  /** Someone else holds the claim and is revoking it now: nothing to do. */
  | "in_progress"
  /** A repeat of a detection already acted on: nothing to do. */
  | "already_handled";

export interface LeakResult {
  readonly tokenHash: string;
  readonly outcome: LeakOutcome;
  readonly credentialId?: string;
}

/** Whether the detection should be delivered again later (GitHub retries on a 5xx). */
export function needsRetry(result: LeakResult): boolean {
  return result.outcome === "revoke_failed";
}
