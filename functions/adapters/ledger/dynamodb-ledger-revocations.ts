// Revocation outside leak response on the DynamoDB ledger: the job's own (DELETE
// /v1/credentials/{id}) and the broker's early expiry (a credential the provider keeps alive past
// the granted TTL). Each transition is one conditional UpdateItem, like leak response's
// (dynamodb-ledger-claims.ts), on the same claim attributes, so the two never revoke at once.
//
//   schedule item   REVOKE#<credentialId>  REVOKE   sweepKey = REVOKE, sweepDue = epoch ms, attempts
//
// The schedule is its own item in the sparse `bySweep` index (partition REVOKE), not attributes of
// the record: a record's sweep keys belong to leak response, and a credential may be both
// scheduled and detected. The sweeper reads only due items (a Query, never a Scan).
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { InvalidationClaim, ScheduledRevocation } from "../../core/ports/credential-ledger.js";
import type { RevokedBy } from "../../core/records.js";
import { CLAIM_ATTR, SWEEP } from "./dynamodb-ledger-claim-items.js";
import { dueItems } from "./dynamodb-ledger-claims.js";
import { credentialKey, KEY, type Item } from "./dynamodb-ledger-items.js";
import { guarded, sdkError, type Table } from "./dynamodb-requests.js";

/** `sweepKey` of a scheduled revocation. */
const REVOKE_SWEEP = "REVOKE";
/** A schedule item outlives its credential's real expiry by this (then the table's TTL drops it). */
const SCHEDULE_RETENTION_SECONDS = 7 * 86_400;

const NAMES = {
  "#pk": KEY.pk,
  "#state": "state",
  "#claim": CLAIM_ATTR.claimId,
  "#lease": CLAIM_ATTR.leaseUntil,
  "#outcome": CLAIM_ATTR.outcome,
} as const;

function scheduleKey(credentialId: string): Item {
  return { [KEY.pk]: { S: `REVOKE#${credentialId}` }, [KEY.sk]: { S: "REVOKE" } };
}

export async function scheduleRevocation(table: Table, credentialId: string, dueAt: Date): Promise<void> {
  await guarded("scheduleRevocation", () =>
    table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: {
          ...scheduleKey(credentialId),
          kind: { S: "revocation" },
          credentialId: { S: credentialId },
          attempts: { N: "0" },
          [SWEEP.key]: { S: REVOKE_SWEEP },
          [SWEEP.due]: { N: String(dueAt.getTime()) },
          [KEY.ttl]: { N: String(Math.floor(dueAt.getTime() / 1000) + SCHEDULE_RETENTION_SECONDS) },
        },
      }),
    ),
  );
}

export async function dueRevocations(table: Table, now: Date, limit: number): Promise<ScheduledRevocation[]> {
  const items = await dueItems(table, REVOKE_SWEEP, now, limit);
  return items.map((item) => ({
    credentialId: item.credentialId?.S ?? "",
    dueAt: Number(item[SWEEP.due]?.N ?? "0"),
    attempts: Number(item.attempts?.N ?? "0"),
  }));
}

export async function rescheduleRevocation(
  table: Table,
  credentialId: string,
  next: { attempts: number; dueAt: Date; lastError: string } | undefined,
): Promise<void> {
  if (next === undefined) {
    await guarded("rescheduleRevocation", () =>
      table.client.send(new DeleteItemCommand({ TableName: table.name, Key: scheduleKey(credentialId) })),
    );
    return;
  }
  await conditionalUpdate(table, "rescheduleRevocation", {
    Key: scheduleKey(credentialId),
    UpdateExpression: "SET #attempts = :attempts, #due = :due, #error = :error",
    ConditionExpression: "attribute_exists(#pk)",
    ExpressionAttributeNames: { "#pk": KEY.pk, "#attempts": "attempts", "#due": SWEEP.due, "#error": "lastError" },
    ExpressionAttributeValues: {
      ":attempts": { N: String(next.attempts) },
      ":due": { N: String(next.dueAt.getTime()) },
      ":error": { S: next.lastError },
    },
  });
}

/** Leak response's claim conditions (dynamodb-ledger-claims.ts), without the leak sweep keys. */
export async function claimRevocation(table: Table, claim: InvalidationClaim): Promise<boolean> {
  const values: Item = {
    ":zero": { N: "0" },
    ":revoking": { S: "revoking" },
    ":claim": { S: claim.claimId },
    ":lease": { N: String(claim.leaseUntil.getTime()) },
  };
  let condition: string;
  if (claim.staleClaimId === undefined) {
    condition = "attribute_exists(#pk) AND (#state = :active OR #state = :failed) AND attribute_not_exists(#claim)";
    Object.assign(values, { ":active": { S: "active" }, ":failed": { S: "failed" } });
  } else {
    condition = "attribute_exists(#pk) AND #state = :revoking AND #claim = :stale AND #lease < :now";
    Object.assign(values, { ":stale": { S: claim.staleClaimId }, ":now": { N: String(claim.now.getTime()) } });
  }
  return conditionalUpdate(table, "claimRevocation", {
    Key: credentialKey(claim.credentialId),
    UpdateExpression: "SET #state = :revoking, #claim = :claim, #lease = :lease, #attempts = if_not_exists(#attempts, :zero)",
    ConditionExpression: `${condition} AND attribute_not_exists(#outcome)`,
    ExpressionAttributeNames: { ...NAMES, "#attempts": CLAIM_ATTR.attempts },
    ExpressionAttributeValues: values,
  });
}

export async function completeRevocation(table: Table, credentialId: string, claimId: string, by: RevokedBy, at: string): Promise<boolean> {
  return conditionalUpdate(table, "completeRevocation", {
    Key: credentialKey(credentialId),
    UpdateExpression: "SET #state = :revoked, #by = :by, #at = :at REMOVE #claim, #lease",
    ConditionExpression: "#claim = :claim",
    ExpressionAttributeNames: {
      "#state": "state",
      "#claim": CLAIM_ATTR.claimId,
      "#lease": CLAIM_ATTR.leaseUntil,
      "#by": "revokedBy",
      "#at": "revokedAt",
    },
    ExpressionAttributeValues: { ":revoked": { S: "revoked" }, ":by": { S: by }, ":at": { S: at }, ":claim": { S: claimId } },
  });
}

export async function releaseRevocation(table: Table, credentialId: string, claimId: string, state: "active" | "failed"): Promise<boolean> {
  return conditionalUpdate(table, "releaseRevocation", {
    Key: credentialKey(credentialId),
    UpdateExpression: "SET #state = :state REMOVE #claim, #lease",
    ConditionExpression: "#claim = :claim",
    ExpressionAttributeNames: { "#state": "state", "#claim": CLAIM_ATTR.claimId, "#lease": CLAIM_ATTR.leaseUntil },
    ExpressionAttributeValues: { ":state": { S: state }, ":claim": { S: claimId } },
  });
}

async function conditionalUpdate(table: Table, operation: string, input: Omit<UpdateItemCommandInput, "TableName">): Promise<boolean> {
  try {
    await table.client.send(new UpdateItemCommand({ ...input, TableName: table.name }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw sdkError(operation, error);
  }
}
