/** A provider's expiry this much short of the granted time is still "on time" (latency, clock skew). */
const CLAMP_TOLERANCE_SECONDS = 30;

export interface TtlOutcome {
  /** What the caller asked for; undefined when it left the TTL to the policy. */
  readonly requested?: number;
  /** What the policy granted. */
  readonly granted: number;
  /** What bounded it: `rule NAME`, or `delegation NAME, grant NAME`. */
  readonly bound?: string;
  readonly worker: string;
  readonly issuedAt: Date;
  /** When the worker's credential expires. */
  readonly expiresAt: Date;
}

/**
 * The notes a caller gets when its credential lives less than it asked for: narrowed by the
 * policy's maxTtl, or clamped by the worker (the provider's own maximum). Numbers and names only,
 * never a secret. Without them a request for 7200 s silently came back as 900 s.
 */
export function ttlNotes(outcome: TtlOutcome): string[] {
  const notes: string[] = [];
  if (outcome.requested !== undefined && outcome.granted < outcome.requested) {
    const bound = outcome.bound ? ` (${outcome.bound})` : "";
    notes.push(`ttlSeconds ${outcome.requested} narrowed to ${outcome.granted} by the policy's maxTtl${bound}`);
  }
  const lifetime = Math.floor((outcome.expiresAt.getTime() - outcome.issuedAt.getTime()) / 1000);
  if (lifetime < outcome.granted - CLAMP_TOLERANCE_SECONDS) {
    notes.push(
      `ttlSeconds ${outcome.granted} clamped to ${Math.max(lifetime, 0)} by the ${outcome.worker} worker's maximum (expires ${outcome.expiresAt.toISOString()})`,
    );
  }
  return notes;
}
