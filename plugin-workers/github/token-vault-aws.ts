// The token vault on AWS: KMS seals (EncryptionContext = the credential id), DynamoDB stores with
// a TTL at the token's expiry. The key's policy must grant Decrypt to the github worker alone.
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DecryptCommand, EncryptCommand, type KMSClient } from "@aws-sdk/client-kms";
import type { Sealer, VaultItem, VaultStore } from "./token-vault.js";

export class KmsSealer implements Sealer {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async seal(plaintext: Uint8Array, context: string): Promise<Uint8Array> {
    const out = await this.kms.send(
      new EncryptCommand({ KeyId: this.keyId, Plaintext: plaintext, EncryptionContext: { credentialId: context } }),
    );
    if (!out.CiphertextBlob) throw new Error("KMS returned no ciphertext");
    return out.CiphertextBlob;
  }

  async open(sealed: Uint8Array, context: string): Promise<Uint8Array> {
    const out = await this.kms.send(
      new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: sealed, EncryptionContext: { credentialId: context } }),
    );
    if (!out.Plaintext) throw new Error("KMS returned no plaintext");
    return out.Plaintext;
  }
}

/** Table with key `credentialId` (S) and TTL attribute `ttl`. */
export class DynamoDbVaultStore implements VaultStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async put(credentialId: string, sealed: Uint8Array, expiresAt: Date): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          credentialId: { S: credentialId },
          sealed: { B: sealed },
          expiresAt: { S: expiresAt.toISOString() },
          ttl: { N: String(Math.ceil(expiresAt.getTime() / 1000)) },
        },
        ConditionExpression: "attribute_not_exists(credentialId)",
      }),
    );
  }

  async get(credentialId: string): Promise<VaultItem | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { credentialId: { S: credentialId } }, ConsistentRead: true }),
    );
    if (!Item?.expiresAt?.S) return undefined;
    const expiresAt = new Date(Item.expiresAt.S);
    if (Item.revokedAt?.S) return { expiresAt, revokedAt: new Date(Item.revokedAt.S) };
    return Item.sealed?.B ? { sealed: Item.sealed.B, expiresAt } : undefined;
  }

  /** The sealed token goes; the item stays (with its TTL) as a tombstone. */
  async markRevoked(credentialId: string, revokedAt: Date): Promise<void> {
    await this.client
      .send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { credentialId: { S: credentialId } },
          UpdateExpression: "SET revokedAt = :at REMOVE sealed",
          ConditionExpression: "attribute_exists(credentialId)",
          ExpressionAttributeValues: { ":at": { S: revokedAt.toISOString() } },
        }),
      )
      .catch((error: unknown) => {
        if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
      });
  }
}
