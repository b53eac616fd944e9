// The invalidation transitions of the in-memory ledger, as pure functions: each takes the stored
// record and returns the new one, or `undefined` when its condition fails — the same conditions
// the DynamoDB ledger writes as condition expressions (dynamodb-ledger-claims.ts).
import type { InvalidationClaim } from "./ports/credential-ledger.js";
import type { CredentialRecord, DetectionTag } from "./records.js";

type Stored = CredentialRecord | undefined;

export function claimed(record: Stored, claim: InvalidationClaim): CredentialRecord | undefined {
  if (!record) return undefined;
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
  };
}

export function completed(record: Stored, claimId: string, at: string): CredentialRecord | undefined {
  if (!record || record.invalidation?.claimId !== claimId) return undefined;
  const { claimId: _held, leaseUntil: _lease, ...progress } = record.invalidation;
  return { ...record, state: "revoked", invalidation: progress, tags: { ...record.tags, revoked_on_detection: at } };
}

export function failed(record: Stored, claimId: string, errorCode: string): CredentialRecord | undefined {
  if (!record || record.invalidation?.claimId !== claimId) return undefined;
  const attempts = record.invalidation.attempts + 1;
  return { ...record, state: "failed", invalidation: { attempts, lastError: errorCode } };
}

export function tagged(record: Stored, tag: DetectionTag, at: string): CredentialRecord | undefined {
  if (!record || record.tags?.[tag] !== undefined) return undefined;
  return { ...record, tags: { ...record.tags, [tag]: at } };
}
