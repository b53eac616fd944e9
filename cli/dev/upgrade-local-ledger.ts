// The embedded DynamoDB (dynalite) cannot add an index to an existing table, so a `.credvend/`
// ledger written by an older credvend (before the sweeper's index) would stop `npm start`. This
// rebuilds such a table with today's definition and every item it held: a backup file first (so a
// crash half-way loses nothing), then delete, create, and write every item back.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BatchWriteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { ensureLedgerTable, ledgerTableDefinition } from "../../functions/adapters/ledger/dynamodb-ledger.js";

type Item = Record<string, AttributeValue>;

/** The indexes the table lacks, or undefined when there is no such table yet. */
async function missingIndexes(client: DynamoDBClient, tableName: string): Promise<string[] | undefined> {
  try {
    const table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    const present = new Set((table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const wanted = (ledgerTableDefinition(tableName).GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!);
    return wanted.filter((name) => !present.has(name));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Returns the backup's path when the table was rebuilt, undefined when it needed nothing. */
export async function upgradeLocalLedger(client: DynamoDBClient, tableName: string, backupDir: string): Promise<string | undefined> {
  const missing = await missingIndexes(client, tableName);
  if (!missing || missing.length === 0) return undefined;
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const backup = join(backupDir, `${tableName}-backup-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(backup, JSON.stringify({ tableName, missingIndexes: missing, items }), { mode: 0o600 });
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  await ensureLedgerTable(client, tableName);
  for (let i = 0; i < items.length; i += 25) {
    let pending: Item[] = items.slice(i, i + 25);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 5) throw new Error(`upgrading the local ledger: items not written back; they are in ${backup}`);
      const answer = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
      );
      pending = (answer.UnprocessedItems?.[tableName] ?? []).map((request) => request.PutRequest!.Item!);
    }
  }
  return backup;
}
