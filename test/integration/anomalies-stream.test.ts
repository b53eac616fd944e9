// The anomalies function on real DynamoDB Streams records: a ledger table with a NEW_IMAGE stream
// on AWS's DynamoDB Local, events written by the real ledger, the stream read back through the
// Streams API (GetRecords) and handed to the function as Lambda hands it a batch. A steady
// history streams through without one alert; the one odd vend raises its anomalies, explained.
import { randomUUID } from "node:crypto";
import { CreateTableCommand, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it, vi } from "vitest";
import { composeAnomaliesFunction, type StreamRecord } from "../../functions/anomalies/compose.js";
import { DynamoDbLedger, ledgerTableDefinition } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { DEFAULT_ANOMALY_THRESHOLDS } from "../../functions/core/anomalies/thresholds.js";
import type { AuditEvent } from "../../functions/core/records.js";
import { localDynamoClient } from "../support/dynalite.js";
import { startDynamoDbLocal } from "../support/dynamodb-local.js";

const dynamoDbLocal = await startDynamoDbLocal();
afterAll(async () => {
  if ("close" in dynamoDbLocal) await dynamoDbLocal.close();
});

/** One call of the DynamoDB Streams API (JSON 1.0), as the SDK's streams client sends it. */
async function streams<T>(endpoint: string, action: string, body: unknown): Promise<T> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `DynamoDBStreams_20120810.${action}`,
      authorization: "AWS4-HMAC-SHA256 Credential=local/20261128/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${action}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function allStreamRecords(endpoint: string, streamArn: string): Promise<StreamRecord[]> {
  const { StreamDescription } = await streams<{ StreamDescription: { Shards: { ShardId: string }[] } }>(endpoint, "DescribeStream", {
    StreamArn: streamArn,
  });
  const records: StreamRecord[] = [];
  for (const { ShardId } of StreamDescription.Shards) {
    let { ShardIterator } = await streams<{ ShardIterator?: string }>(endpoint, "GetShardIterator", {
      StreamArn: streamArn,
      ShardId,
      ShardIteratorType: "TRIM_HORIZON",
    });
    for (let page = 0; ShardIterator && page < 50; page++) {
      const output = await streams<{ Records: StreamRecord[]; NextShardIterator?: string }>(endpoint, "GetRecords", {
        ShardIterator,
        Limit: 1000,
      });
      records.push(...output.Records);
      if (output.Records.length === 0) break;
      ShardIterator = output.NextShardIterator;
    }
  }
  return records;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.skipIf("skipped" in dynamoDbLocal)("anomalies function on DynamoDB Streams records", () => {
  it("a steady history raises nothing; a vend from a new workflow at 03h UTC raises new_workflow and unusual_hour, once even when the batch is redelivered (retried stream batch alerted twice)", async () => {
    const endpoint = "endpoint" in dynamoDbLocal ? dynamoDbLocal.endpoint : "";
    const client = localDynamoClient(endpoint);
    const tableName = `anomalies-${randomUUID()}`;
    await client.send(
      new CreateTableCommand({
        ...ledgerTableDefinition(tableName),
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
      }),
    );
    const ledger = new DynamoDbLedger({ client, tableName });
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    let n = 0;
    const event = (type: "vend" | "deny", at: number, workflow = "deploy"): AuditEvent => ({
      eventId: `e-${n++}`,
      type,
      at: new Date(at).toISOString(),
      repository: "acme/web",
      ...(type === "vend" ? { credentialId: randomUUID() } : { reason: "scope_denied" }),
      scopes: ["local:read:billing"],
      subject: { repository: "acme/web", ref: "refs/heads/main", workflow, actor: "octocat", run_id: "42" },
    });
    for (let day = 12; day >= 1; day--) {
      for (const hour of [9, 13, 17]) await ledger.appendAudit(event("vend", today - day * DAY + hour * HOUR + day * 60_000));
      await ledger.appendAudit(event("deny", today - day * DAY + 11 * HOUR));
    }
    const odd = event("vend", today - DAY + 3 * HOUR + 30 * 60_000, "exfiltrate");
    await ledger.appendAudit(odd);

    const streamArn = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.LatestStreamArn as string;
    const records = await allStreamRecords(endpoint, streamArn);
    expect(records).toHaveLength(49);
    expect(records[0]).toMatchObject({ eventName: "INSERT", dynamodb: { NewImage: { kind: { S: "event" } } } });

    const alerts: Record<string, unknown>[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      const line = JSON.parse(String(chunk)) as Record<string, unknown>;
      if (line.alert) alerts.push(line);
      return true;
    });
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const handle = composeAnomaliesFunction({ ledgerTable: tableName, thresholds: DEFAULT_ANOMALY_THRESHOLDS }, { dynamodb: client });
      // Replayed in order as Lambda would deliver them, in batches of 10.
      for (let i = 0; i < records.length; i += 10) expect(await handle(records.slice(i, i + 10))).toEqual({ batchItemFailures: [] });
      // Lambda redelivers a batch after a timeout or a crash: what was announced is not announced again.
      expect(await handle(records.slice(40))).toEqual({ batchItemFailures: [] });
      expect(await handle(records.slice(40))).toEqual({ batchItemFailures: [] });
    } finally {
      vi.restoreAllMocks();
      client.destroy();
    }
    expect(alerts.map((a) => a.alert).sort()).toEqual(["anomaly_new_workflow", "anomaly_unusual_hour"]);
    // Each alert's marker is in the ledger, under the prefix the function's IAM grant allows.
    expect(
      await new DynamoDbLedger({ client: localDynamoClient(endpoint), tableName }).hasDelivery(`anomaly:${odd.eventId}:unusual_hour`),
    ).toBe(true);
    expect(alerts.find((a) => a.alert === "anomaly_unusual_hour")).toMatchObject({
      urgency: "low",
      title: "Anomaly in acme/web: vend at 03:xx UTC; the 33 vends in 14 days were at 09h 13h 17h UTC",
      details: {
        rule: "unusual_hour",
        repository: "acme/web",
        eventId: odd.eventId,
        workflow: "exfiltrate",
        run_id: "42",
        investigate: "credvend audit repo acme/web --since 7d",
      },
    });
  }, 60_000);
});
