// The attributes leak response adds to a credential record item (dynamodb-ledger-claims.ts
// writes them): absent on a credential nobody tried to invalidate, so older items read the same.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { CredentialRecord, InvalidationProgress, PendingAlert, TerminalOutcome } from "../../core/records.js";

export const CLAIM_ATTR = {
  claimId: "claimId",
  leaseUntil: "leaseUntil",
  attempts: "attempts",
  lastError: "lastError",
  outcome: "outcome",
  outcomeAt: "outcomeAt",
  detectedAt: "detectedAt",
  detectionSource: "detectionSource",
} as const;

/** The sparse sweep index `bySweep`: only items the sweeper must look at carry these. */
export const SWEEP = {
  key: "sweepKey",
  due: "sweepDue",
  /** `sweepKey` of a credential with a pending detection or an unannounced outcome. */
  detection: "DETECTION",
  /** `sweepKey` of an alert whose secret could not be read yet. */
  alert: "ALERT",
} as const;

const TAGS: readonly TerminalOutcome[] = ["detected_after_expiry", "revoked_on_detection", "manual_revoke_required", "revoke_failed"];

/** One top-level attribute per tag, so setting one is a plain `attribute_not_exists` condition. */
export function tagAttribute(tag: TerminalOutcome): string {
  return `tag_${tag}`;
}

type LeakFields = "invalidation" | "tags" | "outcome" | "outcomeAt" | "detection" | "sweepDueAt";

/** The leak-response fields of a record item, only when present. */
export function invalidationFieldsFromItem(item: Record<string, AttributeValue>): Pick<CredentialRecord, LeakFields> {
  const fields: { -readonly [K in LeakFields]?: CredentialRecord[K] } = {};
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
  const tags: Partial<Record<TerminalOutcome, string>> = {};
  for (const tag of TAGS) {
    const at = item[tagAttribute(tag)]?.S;
    if (at !== undefined) tags[tag] = at;
  }
  if (Object.keys(tags).length > 0) fields.tags = tags;
  const outcome = item[CLAIM_ATTR.outcome]?.S;
  if (outcome !== undefined) fields.outcome = outcome as TerminalOutcome;
  const outcomeAt = item[CLAIM_ATTR.outcomeAt]?.S;
  if (outcomeAt !== undefined) fields.outcomeAt = outcomeAt;
  const detectedAt = item[CLAIM_ATTR.detectedAt]?.S;
  if (detectedAt !== undefined) {
    const source = Object.entries(item[CLAIM_ATTR.detectionSource]?.M ?? {}).map(([name, value]) => [name, value.S ?? ""]);
    fields.detection = { detectedAt, source: Object.fromEntries(source) };
  }
  const due = item[SWEEP.due]?.N;
  if (due !== undefined && item[SWEEP.key]?.S === SWEEP.detection) fields.sweepDueAt = Number(due);
  return fields;
}

export function alertKey(alert: Pick<PendingAlert, "owner" | "repo" | "number">): Record<string, AttributeValue> {
  return { pk: { S: `ALERT#${alert.owner}/${alert.repo}#${alert.number}` }, sk: { S: "ALERT" } };
}

export function alertItem(alert: PendingAlert, ttl: number): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    ...alertKey(alert),
    kind: { S: "alert" },
    owner: { S: alert.owner },
    repo: { S: alert.repo },
    number: { N: String(alert.number) },
    attempts: { N: String(alert.attempts) },
    [SWEEP.key]: { S: SWEEP.alert },
    [SWEEP.due]: { N: String(alert.dueAt) },
    ttl: { N: String(ttl) },
  };
  if (alert.installationId !== undefined) item.installationId = { N: String(alert.installationId) };
  for (const name of ["secretType", "url", "deliveryId"] as const) {
    const value = alert[name];
    if (value !== undefined) item[name] = { S: value };
  }
  return item;
}

export function alertFromItem(item: Record<string, AttributeValue>): PendingAlert {
  const text = (name: string) => item[name]?.S;
  const installationId = item.installationId?.N;
  return {
    owner: text("owner") ?? "",
    repo: text("repo") ?? "",
    number: Number(item.number?.N ?? "0"),
    attempts: Number(item.attempts?.N ?? "0"),
    dueAt: Number(item[SWEEP.due]?.N ?? "0"),
    ...(installationId !== undefined ? { installationId: Number(installationId) } : {}),
    ...Object.fromEntries(
      (["secretType", "url", "deliveryId"] as const).flatMap((name) => (text(name) === undefined ? [] : [[name, text(name)]])),
    ),
  };
}
