// The attributes leak response adds to a credential record item (dynamodb-ledger-claims.ts
// writes them): absent on a credential nobody tried to invalidate, so older items read the same.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { CredentialRecord, DetectionTag, InvalidationProgress } from "../../core/records.js";

export const CLAIM_ATTR = {
  claimId: "claimId",
  leaseUntil: "leaseUntil",
  attempts: "attempts",
  lastError: "lastError",
} as const;

const TAGS: readonly DetectionTag[] = ["detected_after_expiry", "revoked_on_detection", "manual_revoke_required"];

/** One top-level attribute per tag, so setting one is a plain `attribute_not_exists` condition. */
export function tagAttribute(tag: DetectionTag): string {
  return `tag_${tag}`;
}

/** `invalidation` and `tags` of a record item, only when present. */
export function invalidationFieldsFromItem(
  item: Record<string, AttributeValue>,
): Pick<CredentialRecord, "invalidation" | "tags"> {
  const fields: { -readonly [K in "invalidation" | "tags"]?: CredentialRecord[K] } = {};
  const attempts = item[CLAIM_ATTR.attempts]?.N;
  const claimId = item[CLAIM_ATTR.claimId]?.S;
  if (attempts !== undefined || claimId !== undefined) {
    const progress: { -readonly [K in keyof InvalidationProgress]: InvalidationProgress[K] } = { attempts: Number(attempts ?? "0") };
    if (claimId !== undefined) progress.claimId = claimId;
    const lease = item[CLAIM_ATTR.leaseUntil]?.N;
    if (lease !== undefined) progress.leaseUntil = Number(lease);
    const lastError = item[CLAIM_ATTR.lastError]?.S;
    if (lastError !== undefined) progress.lastError = lastError;
    fields.invalidation = progress;
  }
  const tags: Partial<Record<DetectionTag, string>> = {};
  for (const tag of TAGS) {
    const at = item[tagAttribute(tag)]?.S;
    if (at !== undefined) tags[tag] = at;
  }
  if (Object.keys(tags).length > 0) fields.tags = tags;
  return fields;
}
