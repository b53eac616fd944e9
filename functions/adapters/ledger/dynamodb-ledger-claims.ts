// Leak response on the DynamoDB ledger: every transition is ONE conditional UpdateItem (or
// PutItem), so among any number of concurrent deliveries exactly one wins it, without
// transactions and without ReturnValuesOnConditionCheckFailure (dynalite has neither).
//
// Timeline of one credential's invalidation:
//   active ──claim (no claimId)──► revoking{claimId, leaseUntil} ──upstream ok──► revoked (+tag)
//                                      │   └─ holder dies: after leaseUntil, claim on the old claimId
//                                      └─ upstream fails ──► failed{attempts+1} ──claim──► revoking …
// `revoked` is written only by the holder of the claim after the upstream confirmed.
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { InvalidationClaim } from "../../core/ports/credential-ledger.js";
import type { DetectionTag } from "../../core/records.js";
import { CLAIM_ATTR, tagAttribute } from "./dynamodb-ledger-claim-items.js";
import { KEY, credentialKey, ttlSeconds, type Item } from "./dynamodb-ledger-items.js";
import { getItem, sdkError, type Table } from "./dynamodb-requests.js";

const NAMES = {
  "#pk": KEY.pk,
  "#state": "state",
  "#claim": CLAIM_ATTR.claimId,
  "#lease": CLAIM_ATTR.leaseUntil,
} as const;

export async function claimInvalidation(table: Table, claim: InvalidationClaim): Promise<boolean> {
  const values: Item = { ":zero": { N: "0" }, ":revoking": { S: "revoking" }, ":claim": { S: claim.claimId }, ":lease": { N: String(claim.leaseUntil.getTime()) } };
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
    UpdateExpression: "SET #state = :revoking, #claim = :claim, #lease = :lease, #attempts = if_not_exists(#attempts, :zero)",
    ConditionExpression: condition,
    ExpressionAttributeNames: { ...pick(["#pk", "#state", "#claim", "#lease"]), "#attempts": CLAIM_ATTR.attempts },
    ExpressionAttributeValues: values,
  }).then((output) => output !== undefined);
}

export async function completeInvalidation(table: Table, credentialId: string, claimId: string, at: string): Promise<boolean> {
  const output = await conditionalUpdate(table, "completeInvalidation", {
    Key: credentialKey(credentialId),
    UpdateExpression: "SET #state = :revoked, #tag = :at REMOVE #claim, #lease",
    ConditionExpression: "#claim = :claim",
    ExpressionAttributeNames: { ...pick(["#state", "#claim", "#lease"]), "#tag": tagAttribute("revoked_on_detection") },
    ExpressionAttributeValues: { ":revoked": { S: "revoked" }, ":at": { S: at }, ":claim": { S: claimId } },
  });
  return output !== undefined;
}

export async function failInvalidation(table: Table, credentialId: string, claimId: string, errorCode: string): Promise<number | undefined> {
  const output = await conditionalUpdate(table, "failInvalidation", {
    Key: credentialKey(credentialId),
    UpdateExpression: "SET #state = :failed, #attempts = if_not_exists(#attempts, :zero) + :one, #error = :error REMOVE #claim, #lease",
    ConditionExpression: "#claim = :claim",
    ExpressionAttributeNames: { ...pick(["#state", "#claim", "#lease"]), "#attempts": CLAIM_ATTR.attempts, "#error": CLAIM_ATTR.lastError },
    ExpressionAttributeValues: {
      ":failed": { S: "failed" }, ":zero": { N: "0" }, ":one": { N: "1" }, ":error": { S: errorCode }, ":claim": { S: claimId },
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

function deliveryKey(deliveryId: string): Item {
  return { [KEY.pk]: { S: `DELIVERY#${deliveryId}` }, [KEY.sk]: { S: "DELIVERY" } };
}

export async function recordDelivery(table: Table, deliveryId: string, at: string, retentionDays: number): Promise<boolean> {
  try {
    await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: { ...deliveryKey(deliveryId), kind: { S: "delivery" }, at: { S: at }, [KEY.ttl]: { N: String(ttlSeconds(at, retentionDays)) } },
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
