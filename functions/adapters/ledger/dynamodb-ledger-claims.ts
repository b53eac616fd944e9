// Leak response on the DynamoDB ledger: every transition is ONE conditional UpdateItem (or
// PutItem), so among any number of concurrent deliveries exactly one wins it, without
// transactions and without ReturnValuesOnConditionCheckFailure (dynalite has neither).
//
// Timeline of one credential's invalidation:
//   active ──claim (no claimId)──► revoking{claimId, leaseUntil} ──upstream ok──► revoked (+tag)
//                                      │   └─ holder dies: after leaseUntil, claim on the old claimId
//                                      └─ upstream fails ──► failed{attempts+1} ──claim──► revoking …
// `revoked` is written only by the holder of the claim after the upstream confirmed.
//
// The terminal outcome (`outcome`) is set once, by whoever settles first; no claim is won after
// it. While a detection waits for its outcome (or an outcome for its announcement) the record
// carries `sweepKey`/`sweepDue`, the keys of the sparse `bySweep` index the sweeper queries:
//   recordDetection → due now;  claim → due at the lease's end;  fail → due at the retry;
//   complete/settle → due at the announcement deadline;  markAnnounced → off the index.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { InvalidationClaim } from "../../core/ports/credential-ledger.js";
import type { DetectionRecord, DetectionTag, PendingAlert, TerminalOutcome } from "../../core/records.js";
import { CLAIM_ATTR, SWEEP, alertFromItem, alertItem, alertKey, tagAttribute } from "./dynamodb-ledger-claim-items.js";
import { INDEX, KEY, credentialKey, ttlSeconds, type Item } from "./dynamodb-ledger-items.js";
import { getItem, guarded, sdkError, type Table } from "./dynamodb-requests.js";

const NAMES = {
  "#pk": KEY.pk,
  "#state": "state",
  "#claim": CLAIM_ATTR.claimId,
  "#lease": CLAIM_ATTR.leaseUntil,
  "#outcome": CLAIM_ATTR.outcome,
  "#sweep": SWEEP.key,
  "#due": SWEEP.due,
} as const;

const DETECTION_SWEEP = { S: SWEEP.detection };

export async function claimInvalidation(table: Table, claim: InvalidationClaim): Promise<boolean> {
  const values: Item = {
    ":zero": { N: "0" },
    ":revoking": { S: "revoking" },
    ":claim": { S: claim.claimId },
    ":lease": { N: String(claim.leaseUntil.getTime()) },
    ":sweep": DETECTION_SWEEP,
  };
  let condition: string;
  if (claim.staleClaimId === undefined) {
    // A fresh claim: nobody holds one, and the credential is not revoked (or being revoked).
    condition = "attribute_exists(#pk) AND (#state = :active OR #state = :failed) AND attribute_not_exists(#claim)";
    Object.assign(values, { ":active": { S: "active" }, ":failed": { S: "failed" } });
  } else {
    // A takeover: the claim we saw is still there, and its lease ran out (its holder died).
    condition = "attribute_exists(#pk) AND #state = :revoking AND #claim = :stale AND #lease < :now";
    Object.assign(values, { ":stale": { S: claim.staleClaimId }, ":now": { N: String(claim.now.getTime()) } });
  }
  return conditionalUpdate(table, "claimInvalidation", {
    Key: credentialKey(claim.credentialId),
    // If the holder dies, the sweeper finds it when the lease ends.
    UpdateExpression:
      "SET #state = :revoking, #claim = :claim, #lease = :lease, #attempts = if_not_exists(#attempts, :zero), #sweep = :sweep, #due = :lease",
    // ...and never once an outcome is set.
    ConditionExpression: `${condition} AND attribute_not_exists(#outcome)`,
    ExpressionAttributeNames: {
      ...pick(["#pk", "#state", "#claim", "#lease", "#outcome", "#sweep", "#due"]),
      "#attempts": CLAIM_ATTR.attempts,
    },
    ExpressionAttributeValues: values,
  }).then((output) => output !== undefined);
}

export async function completeInvalidation(
  table: Table,
  credentialId: string,
  claimId: string,
  at: string,
  announceBy?: Date,
): Promise<boolean> {
  const sweep = announcement(announceBy);
  const output = await conditionalUpdate(table, "completeInvalidation", {
    Key: credentialKey(credentialId),
    UpdateExpression: `SET #state = :revoked, #tag = :at, #outcome = :outcome, #outcomeAt = :at${sweep.set} REMOVE #claim, #lease${sweep.remove}`,
    ConditionExpression: "#claim = :claim",
    ExpressionAttributeNames: {
      ...pick(["#state", "#claim", "#lease", "#outcome", "#sweep", "#due"]),
      "#tag": tagAttribute("revoked_on_detection"),
      "#outcomeAt": CLAIM_ATTR.outcomeAt,
    },
    ExpressionAttributeValues: {
      ":revoked": { S: "revoked" },
      ":at": { S: at },
      ":claim": { S: claimId },
      ":outcome": { S: "revoked_on_detection" },
      ...sweep.values,
    },
  });
  return output !== undefined;
}

export async function failInvalidation(
  table: Table,
  credentialId: string,
  claimId: string,
  errorCode: string,
  retryAt?: Date,
): Promise<number | undefined> {
  const retry = retryAt === undefined ? "" : ", #sweep = :sweep, #due = :due";
  const output = await conditionalUpdate(table, "failInvalidation", {
    Key: credentialKey(credentialId),
    UpdateExpression: `SET #state = :failed, #attempts = if_not_exists(#attempts, :zero) + :one, #error = :error${retry} REMOVE #claim, #lease`,
    ConditionExpression: "#claim = :claim",
    ExpressionAttributeNames: {
      ...pick(["#state", "#claim", "#lease", ...(retryAt ? (["#sweep", "#due"] as const) : [])]),
      "#attempts": CLAIM_ATTR.attempts,
      "#error": CLAIM_ATTR.lastError,
    },
    ExpressionAttributeValues: {
      ":failed": { S: "failed" },
      ":zero": { N: "0" },
      ":one": { N: "1" },
      ":error": { S: errorCode },
      ":claim": { S: claimId },
      ...(retryAt ? { ":sweep": DETECTION_SWEEP, ":due": { N: String(retryAt.getTime()) } } : {}),
    },
    ReturnValues: "UPDATED_NEW",
  });
  const attempts = output?.[CLAIM_ATTR.attempts]?.N;
  return attempts === undefined ? undefined : Number(attempts);
}

export async function tagCredential(table: Table, credentialId: string, tag: DetectionTag, at: string): Promise<boolean> {
  const output = await conditionalUpdate(table, "tagCredential", {
    Key: credentialKey(credentialId),
    UpdateExpression: "SET #tag = :at",
    ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#tag)",
    ExpressionAttributeNames: { "#pk": KEY.pk, "#tag": tagAttribute(tag) },
    ExpressionAttributeValues: { ":at": { S: at } },
  });
  return output !== undefined;
}

export async function recordDetection(table: Table, credentialId: string, detection: DetectionRecord, dueAt: Date): Promise<boolean> {
  const output = await conditionalUpdate(table, "recordDetection", {
    Key: credentialKey(credentialId),
    UpdateExpression:
      "SET #detectedAt = if_not_exists(#detectedAt, :at), #source = if_not_exists(#source, :source), #sweep = :sweep, #due = :due",
    // The first detection of a credential without an outcome; a repeat changes nothing.
    ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#outcome) AND attribute_not_exists(#sweep)",
    ExpressionAttributeNames: {
      ...pick(["#pk", "#outcome", "#sweep", "#due"]),
      "#detectedAt": CLAIM_ATTR.detectedAt,
      "#source": CLAIM_ATTR.detectionSource,
    },
    ExpressionAttributeValues: {
      ":at": { S: detection.detectedAt },
      ":source": { M: Object.fromEntries(Object.entries(detection.source).map(([name, value]) => [name, { S: value }])) },
      ":sweep": DETECTION_SWEEP,
      ":due": { N: String(dueAt.getTime()) },
    },
  });
  return output !== undefined;
}

export async function settleOutcome(
  table: Table,
  credentialId: string,
  outcome: TerminalOutcome,
  at: Date,
  announceBy?: Date,
): Promise<boolean> {
  const sweep = announcement(announceBy);
  const output = await conditionalUpdate(table, "settleOutcome", {
    Key: credentialKey(credentialId),
    UpdateExpression: `SET #outcome = :outcome, #outcomeAt = :at, #tag = :at${sweep.set} REMOVE #claim, #lease${sweep.remove}`,
    // First outcome only, and never under a live claim (a stale one is dropped with it).
    ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#outcome) AND (attribute_not_exists(#claim) OR #lease < :now)",
    ExpressionAttributeNames: {
      ...pick(["#pk", "#outcome", "#claim", "#lease", "#sweep", "#due"]),
      "#outcomeAt": CLAIM_ATTR.outcomeAt,
      "#tag": tagAttribute(outcome),
    },
    ExpressionAttributeValues: {
      ":outcome": { S: outcome },
      ":at": { S: at.toISOString() },
      ":now": { N: String(at.getTime()) },
      ...sweep.values,
    },
  });
  return output !== undefined;
}

export async function markAnnounced(table: Table, credentialId: string): Promise<void> {
  await conditionalUpdate(table, "markAnnounced", {
    Key: credentialKey(credentialId),
    UpdateExpression: "REMOVE #sweep, #due",
    ConditionExpression: "attribute_exists(#outcome)",
    ExpressionAttributeNames: pick(["#outcome", "#sweep", "#due"]),
  });
}

/** Items of one sweep partition due at or before `now`, oldest first (the index is eventually consistent). */
export async function dueItems(table: Table, partition: string, now: Date, limit: number): Promise<Item[]> {
  const output = await guarded("dueItems", () =>
    table.client.send(
      new QueryCommand({
        TableName: table.name,
        IndexName: INDEX.bySweep,
        KeyConditionExpression: "#sweep = :partition AND #due <= :now",
        ExpressionAttributeNames: pick(["#sweep", "#due"]),
        ExpressionAttributeValues: { ":partition": { S: partition }, ":now": { N: String(now.getTime()) } },
        Limit: limit,
      }),
    ),
  );
  return output.Items ?? [];
}

export async function recordPendingAlert(table: Table, alert: PendingAlert, retentionDays: number): Promise<void> {
  try {
    await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: alertItem(alert, Math.floor(alert.dueAt / 1000) + retentionDays * 86_400),
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": KEY.pk },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw sdkError("recordPendingAlert", error);
  }
}

export const alertsFromItems = (items: Item[]): PendingAlert[] => items.map(alertFromItem);

export async function rescheduleAlert(
  table: Table,
  alert: PendingAlert,
  next: { attempts: number; dueAt: number } | undefined,
): Promise<void> {
  if (next === undefined) {
    await guarded("rescheduleAlert", () => table.client.send(new DeleteItemCommand({ TableName: table.name, Key: alertKey(alert) })));
    return;
  }
  await conditionalUpdate(table, "rescheduleAlert", {
    Key: alertKey(alert),
    UpdateExpression: "SET #attempts = :attempts, #due = :due",
    ConditionExpression: "attribute_exists(#pk)",
    ExpressionAttributeNames: { ...pick(["#pk", "#due"]), "#attempts": "attempts" },
    ExpressionAttributeValues: { ":attempts": { N: String(next.attempts) }, ":due": { N: String(next.dueAt) } },
  });
}

/** The sweep part of an outcome's update: due at `announceBy`, or off the index. */
function announcement(announceBy: Date | undefined): { set: string; remove: string; values: Item } {
  return announceBy === undefined
    ? { set: "", remove: ", #sweep, #due", values: {} }
    : {
        set: ", #sweep = :sweep, #due = :due",
        remove: "",
        values: { ":sweep": DETECTION_SWEEP, ":due": { N: String(announceBy.getTime()) } },
      };
}

/** Partition key prefix of the delivery markers (recordDelivery); IAM grants are scoped by it. */
export const DELIVERY_PK_PREFIX = "DELIVERY#";

function deliveryKey(deliveryId: string): Item {
  return { [KEY.pk]: { S: `${DELIVERY_PK_PREFIX}${deliveryId}` }, [KEY.sk]: { S: "DELIVERY" } };
}

export async function recordDelivery(table: Table, deliveryId: string, at: string, retentionDays: number): Promise<boolean> {
  try {
    await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: {
          ...deliveryKey(deliveryId),
          kind: { S: "delivery" },
          at: { S: at },
          [KEY.ttl]: { N: String(ttlSeconds(at, retentionDays)) },
        },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": KEY.pk },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw sdkError("recordDelivery", error);
  }
}

export async function hasDelivery(table: Table, deliveryId: string): Promise<boolean> {
  return (await getItem(table, "hasDelivery", deliveryKey(deliveryId))) !== undefined;
}

/** The updated attributes (`{}` unless asked for), or `undefined` when the condition failed. */
async function conditionalUpdate(
  table: Table,
  operation: string,
  input: Omit<UpdateItemCommandInput, "TableName">,
): Promise<Item | undefined> {
  try {
    const output = await table.client.send(new UpdateItemCommand({ ...input, TableName: table.name }));
    return output.Attributes ?? {};
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw sdkError(operation, error);
  }
}

function pick(names: readonly (keyof typeof NAMES)[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, NAMES[name]]));
}
