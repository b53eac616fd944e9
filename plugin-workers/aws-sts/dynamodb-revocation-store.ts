// The RevocationStore on the worker's own table (CREDVEND_AWS_LOCK_TABLE), key `pk` (S), two items
// per role, written without transactions (the embedded dynalite has none):
//   pk = lock#<role name>       owner (S), leaseUntil (N, epoch ms): present while someone holds it
//   pk = sessions#<role name>   sessions (SS of "<expiry, epoch s> <aws:userid>"): asked to be denied
// Timeline of the lock: A puts (free) … A deletes (owner = A) — or A dies, its lease ends, and B's
// put succeeds on `leaseUntil < now`; A, should it wake, can then neither delete B's lock nor pass
// its own deadline checks (revoke.ts), so it writes nothing more.
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { RevocationStore } from "./revocation-store.js";
import type { RevokedSession } from "./session-deny-policy.js";

/** The table's only key attribute; the infra defines the table with it. */
export const REVOCATION_TABLE_KEY = "pk";
/** The item calls below, for the worker's grant: acquire, release, remember/forget, remembered. */
export const REVOCATION_TABLE_ACTIONS = ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:GetItem"] as const;

const lockKey = (role: string) => ({ [REVOCATION_TABLE_KEY]: { S: `lock#${role}` } });
const sessionsKey = (role: string) => ({ [REVOCATION_TABLE_KEY]: { S: `sessions#${role}` } });

export class DynamoDbRevocationStore implements RevocationStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async acquire(role: string, owner: string, now: Date, leaseUntil: Date): Promise<boolean> {
    return this.conditional(() =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...lockKey(role), owner: { S: owner }, leaseUntil: { N: String(leaseUntil.getTime()) } },
          // Free, or its holder's lease is over.
          ConditionExpression: "attribute_not_exists(#pk) OR #lease < :now",
          ExpressionAttributeNames: { "#pk": REVOCATION_TABLE_KEY, "#lease": "leaseUntil" },
          ExpressionAttributeValues: { ":now": { N: String(now.getTime()) } },
        }),
      ),
    );
  }

  async release(role: string, owner: string): Promise<boolean> {
    return this.conditional(() =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: lockKey(role),
          // Only the holder: a taker's lock is never released by the one it took over from.
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": { S: owner } },
        }),
      ),
    );
  }

  async remember(role: string, session: RevokedSession): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: sessionsKey(role),
        UpdateExpression: "ADD #sessions :one",
        ExpressionAttributeNames: { "#sessions": "sessions" },
        ExpressionAttributeValues: { ":one": { SS: [encode(session)] } },
      }),
    );
  }

  async remembered(role: string): Promise<RevokedSession[]> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: sessionsKey(role), ConsistentRead: true }),
    );
    return (Item?.sessions?.SS ?? []).flatMap(decode);
  }

  async forget(role: string, sessions: readonly RevokedSession[]): Promise<void> {
    if (sessions.length === 0) return;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: sessionsKey(role),
        UpdateExpression: "DELETE #sessions :gone",
        ExpressionAttributeNames: { "#sessions": "sessions" },
        ExpressionAttributeValues: { ":gone": { SS: [...new Set(sessions.map(encode))] } },
      }),
    );
  }

  /** True when the write happened, false when its condition did not hold. */
  private async conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }
}

function encode(session: RevokedSession): string {
  return `${Math.ceil(session.expiresAt.getTime() / 1000)} ${session.userId}`;
}

function decode(entry: string): RevokedSession[] {
  const match = /^(\d+) (\S+)$/.exec(entry);
  return match ? [{ userId: match[2]!, expiresAt: new Date(Number(match[1]) * 1000) }] : [];
}

/** Creates the table when missing (the local stack and tests; on AWS the infra does). Safe to call concurrently. */
export async function ensureRevocationTable(client: DynamoDBClient, tableName: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: REVOCATION_TABLE_KEY, AttributeType: "S" }],
        KeySchema: [{ AttributeName: REVOCATION_TABLE_KEY, KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === "ResourceInUseException")) throw error;
  }
  for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE in time`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
