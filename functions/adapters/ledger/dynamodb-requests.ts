// How the DynamoDB ledger talks to DynamoDB: every request goes through `guarded` (SDK errors
// become LedgerError naming the operation), reads that decide are consistent, paginated queries
// are followed to the end, and batches are chunked and retried when DynamoDB leaves part of them
// unprocessed (throttling), a bounded number of times with backoff.
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type DynamoDBClient,
  type KeysAndAttributes,
  type QueryCommandInput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { LedgerError } from "../../core/errors.js";
import { KEY, type Item } from "./dynamodb-ledger-items.js";

export interface Table {
  readonly client: DynamoDBClient;
  readonly name: string;
  /** Attempts for a batch whose items DynamoDB leaves unprocessed. */
  readonly maxBatchAttempts: number;
}

const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;
/** Batch chunks requested at once. */
const PARALLEL_REQUESTS = 4;

/** Names the operation and the SDK error type only: SDK messages may quote keys or values. */
export function sdkError(operation: string, error: unknown): LedgerError {
  const kind = error instanceof Error ? error.name : "unknown error";
  return new LedgerError(`${operation}: DynamoDB request failed (${kind})`, { cause: error });
}

export async function guarded<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw sdkError(operation, error);
  }
}

export async function getItem(table: Table, operation: string, key: Item): Promise<Item | undefined> {
  const output = await guarded(operation, () =>
    table.client.send(new GetItemCommand({ TableName: table.name, Key: key, ConsistentRead: true })),
  );
  return output.Item;
}

/** Puts an item whose key must not exist yet; if it does, a LedgerError saying `duplicate`. */
export async function putNew(table: Table, operation: string, item: Item, duplicate: string): Promise<void> {
  if (!(await putIfAbsent(table, operation, item))) throw new LedgerError(`${operation}: ${duplicate}`);
}

/**
 * Puts an item whose key must not exist yet: false, and nothing written, if it does. The refused
 * write still costs write capacity on the item's partition, but nothing on the indexes.
 */
export async function putIfAbsent(table: Table, operation: string, item: Item): Promise<boolean> {
  try {
    await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: item,
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": KEY.pk },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw sdkError(operation, error);
  }
}

export async function queryAll(
  table: Table,
  operation: string,
  input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const output = await guarded(operation, () =>
      table.client.send(new QueryCommand({ ...input, TableName: table.name, ExclusiveStartKey: start })),
    );
    items.push(...(output.Items ?? []));
    start = output.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Writes in chunks of 25, retrying unprocessed items. */
export async function batchWriteAll(table: Table, operation: string, requests: WriteRequest[]): Promise<void> {
  await inParallel(chunks(requests, BATCH_WRITE_LIMIT), async (chunk) => {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > table.maxBatchAttempts) {
        throw new LedgerError(`${operation}: writes left unprocessed after ${table.maxBatchAttempts} attempts`);
      }
      if (attempt > 1) await backoff(attempt);
      const request = pending;
      const output = await guarded(operation, () =>
        table.client.send(new BatchWriteItemCommand({ RequestItems: { [table.name]: request } })),
      );
      pending = output.UnprocessedItems?.[table.name] ?? [];
    }
  });
}

/** Consistent gets in chunks of 100, retrying unprocessed keys; items come in no set order. */
export async function batchGetAll(table: Table, operation: string, keys: Item[]): Promise<Item[]> {
  const perChunk = await inParallel(chunks(keys, BATCH_GET_LIMIT), async (chunk) => {
    const items: Item[] = [];
    let pending: KeysAndAttributes | undefined = { Keys: chunk, ConsistentRead: true };
    for (let attempt = 1; pending?.Keys?.length; attempt++) {
      if (attempt > table.maxBatchAttempts) {
        throw new LedgerError(`${operation}: reads left unprocessed after ${table.maxBatchAttempts} attempts`);
      }
      if (attempt > 1) await backoff(attempt);
      const request: KeysAndAttributes = pending;
      const output = await guarded(operation, () =>
        table.client.send(new BatchGetItemCommand({ RequestItems: { [table.name]: request } })),
      );
      items.push(...(output.Responses?.[table.name] ?? []));
      pending = output.UnprocessedKeys?.[table.name];
    }
    return items;
  });
  return perChunk.flat();
}

/** Maps in order, at most `limit` (default PARALLEL_REQUESTS) at a time. */
export async function inParallel<T, R>(values: readonly T[], run: (value: T) => Promise<R>, limit = PARALLEL_REQUESTS): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < values.length; i += limit) {
    results.push(...(await Promise.all(values.slice(i, i + limit).map(run))));
  }
  return results;
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < values.length; i += size) result.push(values.slice(i, i + size));
  return result;
}

/** Exponential with jitter: ~50 ms, 100 ms, 200 ms, ... capped at 1 s. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.min(1_000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
