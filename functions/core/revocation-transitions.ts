// The owner's and the broker's revocation transitions of the in-memory ledger, as pure functions
// (each returns the new record, or `undefined` when its condition fails) — the conditions the
// DynamoDB ledger writes in dynamodb-ledger-revocations.ts. The claim is leak response's
// (invalidation-transitions.ts), so the two never call the upstream at once.
import type { InvalidationClaim } from "./ports/credential-ledger.js";
import { claimed } from "./invalidation-transitions.js";
import type { CredentialRecord, RevokedBy } from "./records.js";

type Stored = CredentialRecord | undefined;

/** As `claimed`, but the credential does not go on the leak sweep (its sweep time is kept). */
export function claimedForRevocation(record: Stored, claim: InvalidationClaim): CredentialRecord | undefined {
  const next = claimed(record, claim);
  if (!next || !record) return undefined;
  const { sweepDueAt: _due, ...rest } = next;
  return record.sweepDueAt === undefined ? rest : { ...rest, sweepDueAt: record.sweepDueAt };
}

export function revokedBy(record: Stored, claimId: string, by: RevokedBy, at: string): CredentialRecord | undefined {
  if (!record || record.invalidation?.claimId !== claimId) return undefined;
  const { claimId: _held, leaseUntil: _lease, ...progress } = record.invalidation;
  return { ...record, state: "revoked", invalidation: progress, revokedBy: by, revokedAt: at };
}

export function released(record: Stored, claimId: string, state: "active" | "failed"): CredentialRecord | undefined {
  if (!record || record.invalidation?.claimId !== claimId) return undefined;
  const { claimId: _held, leaseUntil: _lease, ...progress } = record.invalidation;
  return { ...record, state, invalidation: progress };
}
