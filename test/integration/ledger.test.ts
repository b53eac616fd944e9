// The ledger contract against every implementation, plus what only the DynamoDB ledger has:
// table setup, TTL attributes, orphan lookups, error wrapping and the exact command order.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  ConditionalCheckFailedException,
  type BatchWriteItemCommandInput,
  type PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoDbLedger, ensureLedgerTable, ledgerTableDefinition } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { credentialItem, eventItem, lookupItem } from "../../functions/adapters/ledger/dynamodb-ledger-items.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { LedgerError, VendNotRecordedError } from "../../functions/core/errors.js";
import type { CredentialLedger } from "../../functions/core/ports/credential-ledger.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { startDynamoDbLocal } from "../support/dynamodb-local.js";
import { describeLedgerContract, makeRecord, randomHash } from "./ledger-contract.js";

const DAY_SECONDS = 86_400;
const freshTableName = () => `ledger-${randomUUID()}`;

/** A new table on `endpoint`, and a ledger on it. */
async function dynamoLedger(endpoint: string, options: { retentionDays?: number; transactions?: boolean } = {}) {
  const client = localDynamoClient(endpoint);
  const tableName = freshTableName();
  await ensureLedgerTable(client, tableName);
  return { client, tableName, ledger: new DynamoDbLedger({ client, tableName, ...options }) };
}

// One JVM for the whole file; every suite on it gets its own table.
const dynamoDbLocal = await startDynamoDbLocal();
afterAll(async () => {
  if ("close" in dynamoDbLocal) await dynamoDbLocal.close();
});

// Each server as it is configured in use: dynalite (the embedded default) without transactions;
// DynamoDB Local both ways, with transactions as the AWS composition runs.
const servers: { name: string; start: () => Promise<LocalDynamo>; transactions: boolean }[] = [
  { name: "dynalite", start: () => startDynalite(), transactions: false },
];
if ("skipped" in dynamoDbLocal) {
  describe.skip(`DynamoDbLedger on DynamoDB Local — skipped: ${dynamoDbLocal.skipped}`, () => {
    it("CredentialLedger contract and DynamoDB-specific tests", () => {});
  });
} else {
  const { endpoint } = dynamoDbLocal;
  const start = async () => ({ endpoint, close: async () => {} });
  servers.push({ name: "DynamoDB Local", start, transactions: false });
  servers.push({ name: "DynamoDB Local with transactions", start, transactions: true });
}

describeLedgerContract("MemoryLedger", async () => ({ ledger: new MemoryLedger() }));

for (const server of servers) {
  describeLedgerContract(`DynamoDbLedger on ${server.name}`, async () => {
    const running = await server.start();
    const { client, ledger } = await dynamoLedger(running.endpoint, { transactions: server.transactions });
    return {
      ledger,
      teardown: async () => {
        client.destroy();
        await running.close();
      },
    };
  });

  describe(`DynamoDbLedger on ${server.name}: DynamoDB specifics`, () => {
    let running: LocalDynamo;
    const clients: DynamoDBClient[] = [];
    const setUp = async (options: { retentionDays?: number } = {}) => {
      running ??= await server.start();
      const made = await dynamoLedger(running.endpoint, { ...options, transactions: server.transactions });
      clients.push(made.client);
      return made;
    };
    afterAll(async () => {
      for (const client of clients) client.destroy();
      await running?.close();
    });

    it("ensureLedgerTable creates the table as defined, and a second call changes nothing", async () => {
      const { client, tableName, ledger } = await setUp();
      const before = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table!;
      const definition = ledgerTableDefinition(tableName);
      expect(before.TableStatus).toBe("ACTIVE");
      expect(before.KeySchema).toEqual(definition.KeySchema);
      // DynamoDB lists indexes in no set order.
      const indexes = (list: typeof before.GlobalSecondaryIndexes) =>
        (list ?? []).map((index) => [index.IndexName, index.KeySchema]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(indexes(before.GlobalSecondaryIndexes)).toEqual(indexes(definition.GlobalSecondaryIndexes));
      const record = makeRecord();
      await ledger.recordIssued(record);

      await ensureLedgerTable(client, tableName);
      const after = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table!;
      expect(after.CreationDateTime).toEqual(before.CreationDateTime);
      expect(await ledger.getCredential(record.credentialId)).toStrictEqual(record);
    });

    it.each([
      { case: "default retention of 90 days", retentionDays: undefined, days: 90 },
      { case: "configured retention", retentionDays: 30, days: 30 },
    ])("sets a numeric ttl on every item: $case", async ({ retentionDays, days }) => {
      const { client, tableName, ledger } = await setUp({ retentionDays });
      const record = makeRecord({ expiresAt: "2031-03-01T12:00:00.000Z" });
      const at = "2031-03-01T11:00:00.000Z";
      const eventId = randomUUID();
      await ledger.recordIssued(record);
      await ledger.appendAudit({ eventId, type: "vend", at, credentialId: record.credentialId });

      const ttlOf = async (pk: string, sk: string) => {
        const key = { pk: { S: pk }, sk: { S: sk } };
        return (await client.send(new GetItemCommand({ TableName: tableName, Key: key }))).Item?.ttl?.N;
      };
      const recordTtl = String(Date.parse(record.expiresAt) / 1000 + days * DAY_SECONDS);
      expect(await ttlOf(`CRED#${record.credentialId}`, "CRED")).toBe(recordTtl);
      for (const hash of record.tokenHashes) expect(await ttlOf(`HASH#${hash}`, "HASH")).toBe(recordTtl);
      expect(await ttlOf(`CRED#${record.credentialId}`, `EVENT#${at}#${eventId}`)).toBe(String(Date.parse(at) / 1000 + days * DAY_SECONDS));
    });

    it.each([
      { case: "its record is missing", pointsAt: async () => randomUUID() },
      {
        case: "its record does not list the hash",
        pointsAt: async (ledger: CredentialLedger) => {
          const record = makeRecord();
          await ledger.recordIssued(record);
          return record.credentialId;
        },
      },
    ])("a lookup item finds nothing when $case", async ({ pointsAt }) => {
      const { client, tableName, ledger } = await setUp();
      const hash = randomHash("orphan");
      const credentialId = await pointsAt(ledger);
      // What a crash between the lookup and record writes leaves behind.
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: `HASH#${hash}` },
            sk: { S: "HASH" },
            kind: { S: "lookup" },
            tokenHash: { S: hash },
            credentialId: { S: credentialId },
          },
        }),
      );
      expect(await ledger.findByTokenHash(hash)).toBeUndefined();
      expect((await ledger.findByTokenHashes([hash])).size).toBe(0);
    });

    it("spreads a day's events over the byDay shards, and still reads events written before sharding", async () => {
      const { client, tableName, ledger } = await setUp();
      const day = "2031-06-01";
      const events = Array.from({ length: 48 }, (_, i) => ({
        eventId: randomUUID(),
        type: "deny" as const,
        at: `${day}T10:${String(i).padStart(2, "0")}:00.000Z`,
        reason: "scope_denied",
      }));
      for (const event of events) await ledger.appendAudit(event);
      // What the ledger wrote before sharding: the day alone as the byDay partition.
      const legacy = { eventId: randomUUID(), type: "vend" as const, at: `${day}T10:30:30.000Z`, credentialId: randomUUID() };
      await client.send(new PutItemCommand({ TableName: tableName, Item: { ...eventItem(legacy, 90), dayKey: { S: day } } }));

      const scan = await client.send(new ScanCommand({ TableName: tableName }));
      const dayKeys = new Set((scan.Items ?? []).map((item) => item.dayKey?.S).filter((key) => key !== undefined));
      for (const key of dayKeys) expect(key).toMatch(new RegExp(`^${day}(#([0-9]|1[0-5]))?$`));
      expect(dayKeys.size).toBeGreaterThan(8);

      const found = await ledger.auditByTime({ from: `${day}T00:00:00.000Z`, to: `${day}T23:59:59.999Z` });
      const all = [...events, legacy].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      expect(found.map((e) => e.eventId)).toEqual(all.map((e) => e.eventId));
    });

    it("turns SDK failures into LedgerError naming the operation and no data values", async () => {
      const { client } = await setUp();
      const tableName = freshTableName(); // never created
      const ledger = new DynamoDbLedger({ client, tableName });
      const record = makeRecord();
      const repository = "acme/secret-project";
      const range = { from: "2031-01-01T00:00:00.000Z", to: "2031-01-03T00:00:00.000Z" };
      const event = { eventId: randomUUID(), type: "deny", at: range.from, repository } as const;
      const calls: [string, () => Promise<unknown>][] = [
        ["recordIssued", () => ledger.recordIssued(record)],
        ["getCredential", () => ledger.getCredential(record.credentialId)],
        ["findByTokenHash", () => ledger.findByTokenHash(record.tokenHashes[0]!)],
        ["findByTokenHashes", () => ledger.findByTokenHashes(record.tokenHashes)],
        ["appendAudit", () => ledger.appendAudit(event)],
        ["appendAuditOnce", () => ledger.appendAuditOnce(event)],
        ["auditByCredential", () => ledger.auditByCredential(record.credentialId)],
        ["auditByRepository", () => ledger.auditByRepository(repository, range)],
        ["auditByTime", () => ledger.auditByTime(range)],
      ];
      const secrets = [tableName, record.credentialId, ...record.tokenHashes, repository, event.eventId, "2031"];
      for (const [operation, call] of calls) {
        const error = await call().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error, operation).toBeInstanceOf(LedgerError);
        const { message, cause } = error as LedgerError;
        expect(message).toContain(operation);
        for (const value of secrets) expect(message, operation).not.toContain(value);
        expect((cause as Error).name, operation).toBe("ResourceNotFoundException");
      }
    });

    if (server.transactions) {
      it("recordVend is all or nothing: a refused vend event leaves no record and no lookup", async () => {
        const { ledger } = await setUp();
        const taken = { eventId: randomUUID(), type: "vend", at: "2031-01-01T10:00:00.000Z", credentialId: randomUUID() } as const;
        await ledger.appendAudit(taken);
        const record = makeRecord();
        const error = await ledger.recordVend(record, { ...taken, credentialId: taken.credentialId }).then(
          () => undefined,
          (e: unknown) => e,
        );

        expect(error).toBeInstanceOf(VendNotRecordedError);
        expect((error as VendNotRecordedError).message).toBe("appendAudit: an event with this id already exists");
        expect(await ledger.getCredential(record.credentialId)).toBeUndefined();
        for (const hash of record.tokenHashes) expect(await ledger.findByTokenHash(hash)).toBeUndefined();
      });

      it("recordVend names a duplicate credential id as such, and writes none of the new vend", async () => {
        const { ledger } = await setUp();
        const first = makeRecord();
        await ledger.recordIssued(first);
        const second = makeRecord({ credentialId: first.credentialId });
        const event = { eventId: randomUUID(), type: "vend", at: "2031-01-01T10:00:00.000Z", credentialId: first.credentialId } as const;
        const error = await ledger.recordVend(second, event).then(
          () => undefined,
          (e: unknown) => e,
        );

        expect((error as VendNotRecordedError).message).toBe("recordIssued: a credential with this id already exists");
        expect((error as VendNotRecordedError).eventWritten).toBe(false);
        expect(await ledger.auditByCredential(first.credentialId)).toEqual([]);
        for (const hash of second.tokenHashes) expect(await ledger.findByTokenHash(hash)).toBeUndefined();
      });
    }
  });
}

describe("dynalite, the embedded default, has no transactions", () => {
  it("refuses TransactWriteItems, which is why the local stack configures its ledger without them", async () => {
    const server = await startDynalite();
    const { client, tableName } = await dynamoLedger(server.endpoint);
    try {
      const put = { Put: { TableName: tableName, Item: { pk: { S: "CRED#x" }, sk: { S: "CRED" } } } };
      const error = await client.send(new TransactWriteItemsCommand({ TransactItems: [put] })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(await new DynamoDbLedger({ client, tableName }).getCredential("x")).toBeUndefined();
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe("DynamoDbLedger on a persisted dynalite (the embedded local default)", () => {
  it("keeps the table and its records across a restart, and ensureLedgerTable reopens it", async () => {
    const path = await mkdtemp(join(tmpdir(), "credvend-dynalite-"));
    const tableName = "credvend-ledger";
    const record = makeRecord();
    const session = async (use: (ledger: DynamoDbLedger) => Promise<void>) => {
      const server = await startDynalite({ path });
      const client = localDynamoClient(server.endpoint);
      try {
        await ensureLedgerTable(client, tableName);
        await use(new DynamoDbLedger({ client, tableName }));
      } finally {
        client.destroy();
        await server.close();
      }
    };
    try {
      await session((ledger) => ledger.recordIssued(record));
      await session(async (ledger) => {
        expect(await ledger.findByTokenHash(record.tokenHashes[1]!)).toStrictEqual(record);
      });
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  });
});

describe("DynamoDbLedger commands (aws-sdk-client-mock)", () => {
  const tableName = "ledger";
  const setUp = (options: { maxBatchAttempts?: number } = {}) => {
    const client = new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const mock = mockClient(client);
    const ledger = new DynamoDbLedger({ client, tableName, ...options });
    const sent = () =>
      mock
        .calls()
        .map(({ args: [command] }) =>
          command instanceof BatchWriteItemCommand
            ? "BatchWriteItem"
            : command instanceof PutItemCommand
              ? "PutItem"
              : command instanceof BatchGetItemCommand
                ? "BatchGetItem"
                : "other",
        );
    return { mock, ledger, sent };
  };
  const writtenKeys = (input: BatchWriteItemCommandInput) =>
    input.RequestItems![tableName]!.map((request) => request.PutRequest!.Item!.pk!.S);

  it("recordIssued writes every hash lookup before the record, and the record conditionally", async () => {
    const { mock, ledger, sent } = setUp();
    mock.on(BatchWriteItemCommand).resolves({});
    mock.on(PutItemCommand).resolves({});
    const record = makeRecord();
    await ledger.recordIssued(record);

    expect(sent()).toEqual(["BatchWriteItem", "PutItem"]);
    const [batch] = mock.commandCalls(BatchWriteItemCommand);
    expect(writtenKeys(batch!.args[0].input)).toEqual(record.tokenHashes.map((hash) => `HASH#${hash}`));
    const put = mock.commandCalls(PutItemCommand)[0]!.args[0].input as PutItemCommandInput;
    expect(put.Item?.pk).toEqual({ S: `CRED#${record.credentialId}` });
    expect(put.ConditionExpression).toBe("attribute_not_exists(#pk)");
    expect(put.ExpressionAttributeNames).toEqual({ "#pk": "pk" });
  });

  it("recordVend with transactions sends one TransactWriteItems: the lookups, then the record and the event, each only if new", async () => {
    const client = new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const mock = mockClient(client);
    mock.on(TransactWriteItemsCommand).resolves({});
    const record = makeRecord();
    const event = { eventId: randomUUID(), type: "vend", at: "2031-01-01T10:00:00.000Z", credentialId: record.credentialId } as const;
    await new DynamoDbLedger({ client, tableName, transactions: true }).recordVend(record, event);

    expect(mock.calls()).toHaveLength(1);
    const items = mock.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((item) => [item.Put?.Item?.pk?.S, item.Put?.ConditionExpression])).toEqual([
      ...record.tokenHashes.map((hash) => [`HASH#${hash}`, undefined]),
      [`CRED#${record.credentialId}`, "attribute_not_exists(#pk)"],
      [`CRED#${record.credentialId}`, "attribute_not_exists(#pk)"],
    ]);
    expect(items.every((item) => item.Put?.TableName === tableName)).toBe(true);
  });

  it("recordVend without transactions makes the separate writes: lookups before the record, the event beside them", async () => {
    const { mock, ledger, sent } = setUp();
    mock.on(BatchWriteItemCommand).resolves({});
    mock.on(PutItemCommand).resolves({});
    const record = makeRecord();
    await ledger.recordVend(record, {
      eventId: randomUUID(),
      type: "vend",
      at: "2031-01-01T10:00:00.000Z",
      credentialId: record.credentialId,
    });
    expect([...sent()].sort()).toEqual(["BatchWriteItem", "PutItem", "PutItem"]);
    expect(mock.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it("recordIssued retries unprocessed lookups before writing the record", async () => {
    const { mock, ledger, sent } = setUp();
    const record = makeRecord();
    const leftOver = [{ PutRequest: { Item: lookupItem(record.tokenHashes[2]!, record, 90) } }];
    mock
      .on(BatchWriteItemCommand)
      .resolvesOnce({ UnprocessedItems: { [tableName]: leftOver } })
      .resolves({});
    mock.on(PutItemCommand).resolves({});
    await ledger.recordIssued(record);

    expect(sent()).toEqual(["BatchWriteItem", "BatchWriteItem", "PutItem"]);
    expect(writtenKeys(mock.commandCalls(BatchWriteItemCommand)[1]!.args[0].input)).toEqual([`HASH#${record.tokenHashes[2]}`]);
  });

  it("recordIssued gives up after bounded attempts and never writes the record", async () => {
    const { mock, ledger, sent } = setUp({ maxBatchAttempts: 2 });
    const record = makeRecord();
    const leftOver = [{ PutRequest: { Item: lookupItem(record.tokenHashes[0]!, record, 90) } }];
    mock.on(BatchWriteItemCommand).resolves({ UnprocessedItems: { [tableName]: leftOver } });
    await expect(ledger.recordIssued(record)).rejects.toBeInstanceOf(LedgerError);
    expect(sent()).toEqual(["BatchWriteItem", "BatchWriteItem"]);
  });

  it("auditByTime queries the 16 shards and the unsharded partition of each day, and merges them in time order", async () => {
    const { mock, ledger } = setUp();
    const at = (time: string, eventId: string) => eventItem({ eventId, type: "deny", at: `2031-01-01T${time}Z` }, 90);
    mock.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, { S: string }> }) => {
      const partition = input.ExpressionAttributeValues[":value"]!.S;
      if (partition === "2031-01-01#3") return { Items: [at("01:00:00.000", "b"), at("03:00:00.000", "d")] };
      if (partition === "2031-01-01#12") return { Items: [at("00:30:00.000", "a")] };
      if (partition === "2031-01-01") return { Items: [at("02:00:00.000", "c")] };
      return {};
    });
    const found = await ledger.auditByTime({ from: "2031-01-01T00:00:00.000Z", to: "2031-01-01T12:00:00.000Z" });

    expect(found.map((e) => e.eventId)).toEqual(["a", "b", "c", "d"]);
    const partitions = mock.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues![":value"]!.S);
    expect([...partitions].sort()).toEqual(["2031-01-01", ...Array.from({ length: 16 }, (_, i) => `2031-01-01#${i}`)].sort());
    expect(mock.commandCalls(QueryCommand).every((call) => call.args[0].input.IndexName === "byDay")).toBe(true);
  });

  it("appendAuditOnce puts conditionally, and a refused condition is a repeat, not an error", async () => {
    const { mock, ledger } = setUp();
    const event = { eventId: "deny_flood-2031-01-01T10-id-4242", type: "deny_flood", at: "2031-01-01T10:00:00.000Z" } as const;
    mock
      .on(PutItemCommand)
      .resolvesOnce({})
      .rejects(new ConditionalCheckFailedException({ message: "condition", $metadata: {} }));
    expect(await ledger.appendAuditOnce(event)).toBe(true);
    expect(await ledger.appendAuditOnce(event)).toBe(false);
    const puts = mock.commandCalls(PutItemCommand).map((call) => call.args[0].input);
    expect(puts).toHaveLength(2);
    for (const put of puts) {
      expect(put.ConditionExpression).toBe("attribute_not_exists(#pk)");
      expect(put.Item?.pk).toEqual({ S: `EVENT#${event.eventId}` });
    }
  });

  it("findByTokenHashes reads consistently in chunks of 100 and retries unprocessed keys", async () => {
    const { mock, ledger } = setUp();
    const record = makeRecord({ tokenHashes: Array.from({ length: 250 }, () => randomHash()) });
    const unprocessedKey = { pk: { S: `HASH#${record.tokenHashes[0]}` }, sk: { S: "HASH" } };
    mock
      .on(BatchGetItemCommand)
      .resolvesOnce({ UnprocessedKeys: { [tableName]: { Keys: [unprocessedKey], ConsistentRead: true } } })
      .resolvesOnce({})
      .resolvesOnce({})
      .resolvesOnce({ Responses: { [tableName]: [lookupItem(record.tokenHashes[0]!, record, 90)] } })
      .resolves({ Responses: { [tableName]: [credentialItem(record, 90)] } });
    const found = await ledger.findByTokenHashes(record.tokenHashes);

    expect([...found.keys()]).toEqual([record.tokenHashes[0]]);
    const requests = mock.commandCalls(BatchGetItemCommand).map((call) => call.args[0].input.RequestItems![tableName]!);
    expect(requests.map((request) => request.Keys!.length)).toEqual([100, 100, 50, 1, 1]);
    expect(requests.every((request) => request.ConsistentRead === true)).toBe(true);
    expect(requests[3]!.Keys).toEqual([unprocessedKey]);
  });
});
