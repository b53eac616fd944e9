// Push markers for self-serve trust, in the ledger table: one item per repository whose
// `.github/credvend/` changed (TRUSTPOLICY#<provider>:<owner/name, lower-case>), holding when. The
// webhooks function writes it; every vend function reads it (consistent GetItem) before trusting a
// cached copy, so a removal takes effect in all of them at once. An item older than any cache
// entry can be (60 s) decides nothing, so it expires after a day.
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { invalidationKey, type TrustPolicyInvalidations } from "../../core/ports/trust-policy-invalidations.js";
import { KEY } from "./dynamodb-ledger-items.js";
import { guarded } from "./dynamodb-requests.js";

export const TRUST_POLICY_PK_PREFIX = "TRUSTPOLICY#";
const SK = "CHANGED";
const KEEP_SECONDS = 24 * 3600;

export class DynamoDbTrustPolicyInvalidations implements TrustPolicyInvalidations {
  constructor(private readonly options: { readonly client: DynamoDBClient; readonly tableName: string }) {}

  async invalidate(provider: string, repository: string, at: Date): Promise<void> {
    const ms = at.getTime();
    await guarded("invalidate trust policies", () =>
      this.options.client
        .send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: this.key(provider, repository),
            UpdateExpression: "SET changedAt = :at, #ttl = :ttl",
            // Only ever later: a delayed redelivery must not move the marker back.
            ConditionExpression: "attribute_not_exists(changedAt) OR changedAt < :at",
            ExpressionAttributeNames: { "#ttl": KEY.ttl },
            ExpressionAttributeValues: { ":at": { N: String(ms) }, ":ttl": { N: String(Math.floor(ms / 1000) + KEEP_SECONDS) } },
          }),
        )
        .catch((error: unknown) => {
          if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
        }),
    );
  }

  async lastChanged(provider: string, repository: string): Promise<Date | undefined> {
    const answer = await guarded("read trust policy changes", () =>
      this.options.client.send(
        new GetItemCommand({ TableName: this.options.tableName, Key: this.key(provider, repository), ConsistentRead: true }),
      ),
    );
    const changedAt = answer.Item?.changedAt?.N;
    return changedAt === undefined ? undefined : new Date(Number(changedAt));
  }

  private key(provider: string, repository: string) {
    return { [KEY.pk]: { S: `${TRUST_POLICY_PK_PREFIX}${invalidationKey(provider, repository)}` }, [KEY.sk]: { S: SK } };
  }
}
