// The invalidation transitions of the in-memory ledger, as pure functions: each takes the stored
// record and returns the new one, or `undefined` when its condition fails — the same conditions
// the DynamoDB ledger writes as condition expressions (dynamodb-ledger-claims.ts).
import type { InvalidationClaim } from "./ports/credential-ledger.js";
import type { CredentialRecord, DetectionRecord, DetectionTag, TerminalOutcome } from "./records.js";

type Stored = CredentialRecord | undefined;
type Mutable = { -readonly [K in keyof CredentialRecord]: CredentialRecord[K] };

export function claimed(record: Stored, claim: InvalidationClaim): CredentialRecord | undefined {
  if (!record || record.outcome !== undefined) return undefined;
  const progress = record.invalidation;
  const fresh = (record.state === "active" || record.state === "failed") && progress?.claimId === undefined;
  const takeover =
    claim.staleClaimId !== undefined &&
    record.state === "revoking" &&
    progress?.claimId === claim.staleClaimId &&
    (progress.leaseUntil ?? 0) < claim.now.getTime();
  if (!fresh && !takeover) return undefined;
  return {
    ...record,
    state: "revoking",
    invalidation: { ...progress, attempts: progress?.attempts ?? 0, claimId: claim.claimId, leaseUntil: claim.leaseUntil.getTime() },
    sweepDueAt: claim.leaseUntil.getTime(),
  };
}

export function completed(record: Stored, claimId: string, at: string, announceBy?: Date): CredentialRecord | undefined {
  if (!record || record.invalidation?.claimId !== claimId) return undefined;
  const { claimId: _held, leaseUntil: _lease, ...progress } = record.invalidation;
  return sweep(
    {
      ...record,
      state: "revoked",
      invalidation: progress,
      tags: { ...record.tags, revoked_on_detection: at },
      outcome: "revoked_on_detection",
      outcomeAt: at,
    },
    announceBy?.getTime(),
  );
}

export function failed(record: Stored, claimId: string, errorCode: string, retryAt?: Date): CredentialRecord | undefined {
  if (!record || record.invalidation?.claimId !== claimId) return undefined;
  const attempts = record.invalidation.attempts + 1;
  const next: CredentialRecord = { ...record, state: "failed", invalidation: { attempts, lastError: errorCode } };
  return retryAt ? { ...next, sweepDueAt: retryAt.getTime() } : next;
}

export function tagged(record: Stored, tag: DetectionTag, at: string): CredentialRecord | undefined {
  if (!record || record.tags?.[tag] !== undefined) return undefined;
  return { ...record, tags: { ...record.tags, [tag]: at } };
}

export function detected(record: Stored, detection: DetectionRecord, dueAt: Date): CredentialRecord | undefined {
  if (!record || record.outcome !== undefined || record.sweepDueAt !== undefined) return undefined;
  return { ...record, detection: record.detection ?? detection, sweepDueAt: dueAt.getTime() };
}

export function settled(record: Stored, outcome: TerminalOutcome, at: Date, announceBy?: Date): CredentialRecord | undefined {
  if (!record || record.outcome !== undefined) return undefined;
  const held = record.invalidation;
  if (held?.claimId !== undefined && (held.leaseUntil ?? 0) >= at.getTime()) return undefined;
  const time = at.toISOString();
  const next: Mutable = { ...record, outcome, outcomeAt: time, tags: { ...record.tags, [outcome]: time } };
  if (held?.claimId !== undefined) {
    // A stale claim: its holder died; the outcome ends the invalidation.
    const { claimId: _held, leaseUntil: _lease, ...progress } = held;
    next.invalidation = progress;
  }
  return sweep(next, announceBy?.getTime());
}

export function announced(record: Stored): CredentialRecord | undefined {
  if (!record || record.outcome === undefined) return undefined;
  return sweep(record, undefined);
}

function sweep(record: CredentialRecord, dueAt: number | undefined): CredentialRecord {
  const { sweepDueAt: _due, ...rest } = record;
  return dueAt === undefined ? rest : { ...rest, sweepDueAt: dueAt };
}
