// A `.credvend/` ledger written before the sweeper's index existed: `npm start` must still start,
// with every record kept (the embedded DynamoDB cannot add an index to an existing table).
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynalite, type LocalDynamo } from "../../cli/embedded-dynamodb.js";
import { localDynamoClient } from "../../cli/dev/local-dynamodb-client.js";
import { upgradeLocalLedger } from "../../cli/dev/upgrade-local-ledger.js";
import { DynamoDbLedger, ledgerTableDefinition } from "../../functions/adapters/ledger/dynamodb-ledger.js";

const TABLE = "credvend-ledger";
let dynamo: LocalDynamo;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = localDynamoClient(dynamo.endpoint);
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

describe("upgrading a local ledger made by an older credvend", () => {
  it("a table without the sweep index is rebuilt with it, every item kept and a 0600 backup written", async () => {
    const current = ledgerTableDefinition(TABLE);
    // The table as the release before the sweeper created it.
    const old = { ...current, GlobalSecondaryIndexes: current.GlobalSecondaryIndexes!.filter((index) => index.IndexName !== "bySweep") };
    old.AttributeDefinitions = current.AttributeDefinitions!.filter(
      (a) =>
        old.GlobalSecondaryIndexes!.some((i) => i.KeySchema!.some((k) => k.AttributeName === a.AttributeName)) ||
        current.KeySchema!.some((k) => k.AttributeName === a.AttributeName),
    );
    await client.send(new CreateTableCommand(old));
    const ledger = new DynamoDbLedger({ client, tableName: TABLE });
    const at = new Date().toISOString();
    for (let i = 0; i < 60; i++) {
      await ledger.appendAudit({
        eventId: `e-${i}`,
        type: "deny",
        at,
        repository: "acme/web",
        scopes: ["local:read:x"],
        reason: "scope_denied",
      });
    }
    const before = (
      await ledger.auditByTime({ from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() })
    ).length;
    expect(before).toBe(60);

    const dir = mkdtempSync(join(tmpdir(), "credvend-upgrade-"));
    const backup = await upgradeLocalLedger(client, TABLE, dir);
    expect(backup).toBeDefined();
    expect(statSync(backup!).mode & 0o777).toBe(0o600);
    expect((JSON.parse(readFileSync(backup!, "utf8")) as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(60);

    const indexes = (await client.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.GlobalSecondaryIndexes?.map(
      (i) => i.IndexName,
    ).sort();
    expect(indexes).toEqual(current.GlobalSecondaryIndexes!.map((i) => i.IndexName).sort());
    expect(
      (await ledger.auditByTime({ from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() }))
        .length,
    ).toBe(before);
    // Nothing more to do the next time.
    expect(await upgradeLocalLedger(client, TABLE, dir)).toBeUndefined();
  });
});
