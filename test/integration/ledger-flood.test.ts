// Review finding "any GitHub repository can flood the ledger", end to end: signed tokens of a
// foreign owner through the vend app, onto the DynamoDB ledger on dynalite; what reaches DynamoDB
// is counted on the client, so no write can hide behind the ledger port.
import { randomUUID } from "node:crypto";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { createVendFixture } from "../support/vend-fixture.js";

const REQUESTS = 10_000;
const WRITE_COMMANDS = new Set([
  "PutItemCommand",
  "BatchWriteItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
]);

describe("ledger flood on DynamoDB: any GitHub repository can flood the ledger", () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it(`${REQUESTS.toLocaleString("en")} denied requests from a foreign owner's repositories make one DynamoDB write per (owner, hour)`, async () => {
    const client = localDynamoClient(dynamo.endpoint);
    const tableName = `ledger-${randomUUID()}`;
    await ensureLedgerTable(client, tableName);
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName ?? "unknown");
        return next(args);
      },
      { step: "initialize", name: "countCommands" },
    );
    const fixture = await createVendFixture({ ledger: new DynamoDbLedger({ client, tableName }) });
    const tokens = await Promise.all(["evil/a", "evil/b", "evil/c"].map((repository) => fixture.token({ repository })));
    const body = { scopes: Array.from({ length: 20 }, (_, i) => `local:read:${i}-`.padEnd(512, "x")) };

    const hours = new Set([new Date().toISOString().slice(0, 13)]);
    const statuses = new Map<string, number>();
    for (let n = 0; n < REQUESTS; n++) {
      const response = await fixture.vend(body, tokens[n % tokens.length]);
      const { error } = (await response.json()) as { error: { code: string } };
      const key = `${response.status} ${error.code}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    hours.add(new Date().toISOString().slice(0, 13));

    expect(Object.fromEntries(statuses)).toEqual({ "403 no_matching_rule": REQUESTS });
    const writes = sent.filter((command) => WRITE_COMMANDS.has(command));
    // One hour, unless the run crossed the top of one.
    expect(writes).toEqual(Array(hours.size).fill("PutItemCommand"));
    const items = (await client.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    expect(items.map((item) => item.type?.S)).toEqual(Array(hours.size).fill("deny_flood"));
    expect(items.every((item) => /^\d{4}-\d{2}-\d{2}#\d+$/.test(item.dayKey?.S ?? ""))).toBe(true);
    client.destroy();
  }, 120_000);
});
