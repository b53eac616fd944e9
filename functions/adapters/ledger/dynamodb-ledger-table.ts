// The ledger table's definition (layout in dynamodb-ledger.ts), shared by the local stack, the
// tests and the CDK infra, and a create-if-missing for local use.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { LedgerError } from "../../core/errors.js";
import { SWEEP } from "./dynamodb-ledger-claim-items.js";
import { INDEX, KEY } from "./dynamodb-ledger-items.js";
import { sdkError } from "./dynamodb-requests.js";

/** Numeric epoch-seconds attribute to enable as the table's TTL (CreateTable cannot set it,
 *  and dynalite has no UpdateTimeToLive: the infra sets it; locally nothing expires). */
export const LEDGER_TTL_ATTRIBUTE = KEY.ttl;

export function ledgerTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: KEY.pk, AttributeType: "S" },
      { AttributeName: KEY.sk, AttributeType: "S" },
      { AttributeName: KEY.repository, AttributeType: "S" },
      { AttributeName: KEY.day, AttributeType: "S" },
      { AttributeName: KEY.time, AttributeType: "S" },
      { AttributeName: SWEEP.key, AttributeType: "S" },
      { AttributeName: SWEEP.due, AttributeType: "N" },
    ],
    KeySchema: [
      { AttributeName: KEY.pk, KeyType: "HASH" },
      { AttributeName: KEY.sk, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: INDEX.byRepository,
        KeySchema: [
          { AttributeName: KEY.repository, KeyType: "HASH" },
          { AttributeName: KEY.time, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        IndexName: INDEX.byDay,
        KeySchema: [
          { AttributeName: KEY.day, KeyType: "HASH" },
          { AttributeName: KEY.time, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        // Sparse: only detections without an (announced) outcome and unread alerts carry its
        // keys, so the sweeper's Query reads nothing when there is nothing to do.
        IndexName: INDEX.bySweep,
        KeySchema: [
          { AttributeName: SWEEP.key, KeyType: "HASH" },
          { AttributeName: SWEEP.due, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}

/**
 * Creates the table if it does not exist and waits until it and its indexes are ACTIVE.
 * Idempotent: on an existing table it only checks the indexes are there.
 */
export async function ensureLedgerTable(client: DynamoDBClient, tableName: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let table = await describe(client, tableName);
  if (!table) {
    try {
      await client.send(new CreateTableCommand(ledgerTableDefinition(tableName)));
    } catch (error) {
      // Someone else created it meanwhile: fine, wait for it like for our own.
      if (!(error instanceof ResourceInUseException)) throw sdkError("ensureLedgerTable", error);
    }
  }
  for (let delay = 50; ; delay = Math.min(delay * 2, 2_000)) {
    table = await describe(client, tableName);
    if (table && isActive(table)) break;
    if (Date.now() > deadline) throw new LedgerError("ensureLedgerTable: table did not become ACTIVE in time");
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  const indexes = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const name of Object.values(INDEX)) {
    if (!indexes.has(name)) throw new LedgerError(`ensureLedgerTable: existing table lacks index ${name}`);
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw sdkError("ensureLedgerTable", error);
  }
}

function isActive(table: TableDescription): boolean {
  return table.TableStatus === "ACTIVE" && (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE");
}
