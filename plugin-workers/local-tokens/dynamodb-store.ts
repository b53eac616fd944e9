// LocalTokenStore on its own DynamoDB table. Two items per token, written without transactions
// (dynalite has none):
//   pk = <sha256 hex of the token>      the token record (never the token itself)
//   pk = credential#<credential id>     points at the token hash, so revoke reads consistently
// The pointer is written first: a crash in between leaves a pointer to nothing, which reads as
// "unknown" and never as a live token. `expiresAtEpoch` is there for a TTL setting on real
// DynamoDB; nothing here depends on it.
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { DuplicateCredentialError, type LocalTokenRecord, type LocalTokenStore } from "./store.js";

type Item = Record<string, AttributeValue>;

const CREDENTIAL_PREFIX = "credential#";

export class DynamoDbLocalTokenStore implements LocalTokenStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async insert(record: LocalTokenRecord): Promise<void> {
    const expiresAtEpoch = { N: String(Math.ceil(record.expiresAt.getTime() / 1000)) };
    await this.putNew(
      {
        pk: { S: CREDENTIAL_PREFIX + record.credentialId },
        kind: { S: "credential" },
        tokenHash: { S: record.tokenHash },
        expiresAtEpoch,
      },
      record.credentialId,
    );
    await this.putNew(
      {
        pk: { S: record.tokenHash },
        kind: { S: "token" },
        credentialId: { S: record.credentialId },
        scopes: { L: record.scopes.map((scope) => ({ S: scope })) },
        ...(record.repository ? { repository: { S: record.repository } } : {}),
        issuedAt: { S: record.issuedAt.toISOString() },
        expiresAt: { S: record.expiresAt.toISOString() },
        expiresAtEpoch,
        revoked: { BOOL: false },
      },
      record.credentialId,
    );
  }

  async findByHash(tokenHash: string): Promise<LocalTokenRecord | undefined> {
    const item = await this.get(tokenHash);
    return item && item.kind?.S === "token" ? fromItem(item) : undefined;
  }

  async findByCredentialId(credentialId: string): Promise<LocalTokenRecord | undefined> {
    const hash = await this.hashFor(credentialId);
    return hash === undefined ? undefined : this.findByHash(hash);
  }

  async markRevoked(credentialId: string, at: Date): Promise<boolean> {
    const hash = await this.hashFor(credentialId);
    if (hash === undefined) return false;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: hash } },
          UpdateExpression: "SET revoked = :true, revokedAt = :at",
          // Exists (no upsert of a half item) and not revoked yet (the first revoke wins).
          ConditionExpression: "attribute_exists(pk) AND revoked = :false",
          ExpressionAttributeValues: { ":true": { BOOL: true }, ":false": { BOOL: false }, ":at": { S: at.toISOString() } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async hashFor(credentialId: string): Promise<string | undefined> {
    return (await this.get(CREDENTIAL_PREFIX + credentialId))?.tokenHash?.S;
  }

  private async get(pk: string): Promise<Item | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
    return result.Item;
  }

  private async putNew(item: Item, credentialId: string): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new DuplicateCredentialError(credentialId);
      throw error;
    }
  }
}

function fromItem(item: Item): LocalTokenRecord {
  const revokedAt = item.revoked?.BOOL && item.revokedAt?.S ? new Date(item.revokedAt.S) : undefined;
  return {
    tokenHash: item.pk?.S ?? "",
    credentialId: item.credentialId?.S ?? "",
    scopes: (item.scopes?.L ?? []).flatMap((value) => (value.S === undefined ? [] : [value.S])),
    repository: item.repository?.S ?? "",
    issuedAt: new Date(item.issuedAt?.S ?? 0),
    // A record without an expiry reads as expired: fail closed.
    expiresAt: new Date(item.expiresAt?.S ?? 0),
    ...(revokedAt ? { revokedAt } : {}),
  };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/** Creates the table when missing and waits until it is ACTIVE. Safe to call concurrently. */
export async function ensureLocalTokensTable(
  client: DynamoDBClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  if ((await tableStatus(client, tableName)) === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
    } catch (error) {
      // Someone else created it between our describe and create.
      if (!(error instanceof Error && error.name === "ResourceInUseException")) throw error;
    }
  }
  for (let delay = 25; ; delay = Math.min(delay * 2, 1000)) {
    if ((await tableStatus(client, tableName)) === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE in time`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const result = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return result.Table?.TableStatus ?? "UNKNOWN";
  } catch (error) {
    if (error instanceof Error && error.name === "ResourceNotFoundException") return undefined;
    throw error;
  }
}
