// One contract for every LocalTokenStore (memory and DynamoDB on an in-process dynalite), plus
// what only the DynamoDB one can show: the raw items hold hashes, never a token.
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { DynamoDbLocalTokenStore, ensureLocalTokensTable } from "../../plugin-workers/local-tokens/dynamodb-store.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { DuplicateCredentialError, type LocalTokenRecord, type LocalTokenStore } from "../../plugin-workers/local-tokens/store.js";
import { createLocalTokensWorker } from "../../plugin-workers/local-tokens/worker.js";
import { mintLocalToken } from "../../plugin-workers/local-tokens/token.js";
import { introspect } from "../../plugin-workers/local-tokens/introspect.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = localDynamoClient(dynamo.endpoint);
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

async function dynamoStore(): Promise<{ store: DynamoDbLocalTokenStore; table: string }> {
  const table = `local-tokens-${++tables}`;
  await ensureLocalTokensTable(client, table);
  return { store: new DynamoDbLocalTokenStore(client, table), table };
}

function record(overrides: Partial<LocalTokenRecord> = {}): LocalTokenRecord {
  return {
    tokenHash: tokenHash(mintLocalToken()),
    credentialId: "cred-1",
    scopes: ["local:read:billing", "local:write:billing"],
    repository: "acme/web",
    issuedAt: new Date("2030-01-01T00:00:00.000Z"),
    expiresAt: new Date("2030-01-01T00:15:00.000Z"),
    ...overrides,
  };
}

const implementations: [string, () => Promise<LocalTokenStore>][] = [
  ["memory", async () => new MemoryLocalTokenStore()],
  ["dynamodb", async () => (await dynamoStore()).store],
];

for (const [name, makeStore] of implementations) {
  describe(`LocalTokenStore contract: ${name}`, () => {
    it("finds a record by hash and by credential id", async () => {
      const store = await makeStore();
      const saved = record();
      await store.insert(saved);
      expect(await store.findByHash(saved.tokenHash)).toEqual(saved);
      expect(await store.findByCredentialId("cred-1")).toEqual(saved);
      expect(await store.findByHash(tokenHash("other"))).toBeUndefined();
      expect(await store.findByCredentialId("other")).toBeUndefined();
    });

    it("keeps an empty repository", async () => {
      const store = await makeStore();
      const saved = record({ repository: "" });
      await store.insert(saved);
      expect((await store.findByHash(saved.tokenHash))?.repository).toBe("");
    });

    it("refuses a second token for a credential id", async () => {
      const store = await makeStore();
      await store.insert(record());
      await expect(store.insert(record())).rejects.toBeInstanceOf(DuplicateCredentialError);
    });

    it("revokes once", async () => {
      const store = await makeStore();
      const saved = record();
      await store.insert(saved);
      const at = new Date("2030-01-01T00:05:00.000Z");
      expect(await store.markRevoked("cred-1", at)).toBe(true);
      expect(await store.markRevoked("cred-1", new Date())).toBe(false);
      expect(await store.markRevoked("unknown", at)).toBe(false);
      expect((await store.findByHash(saved.tokenHash))?.revokedAt).toEqual(at);
    });
  });
}

describe("DynamoDB local-tokens table", () => {
  it("is created idempotently, also concurrently", async () => {
    await Promise.all([ensureLocalTokensTable(client, "concurrent"), ensureLocalTokensTable(client, "concurrent")]);
    await ensureLocalTokensTable(client, "concurrent");
  });

  it("never holds the clear token: vend, introspect and revoke through the worker", async () => {
    const { store, table } = await dynamoStore();
    const worker = createLocalTokensWorker({ store });
    const plugin = inMemoryWorkerClient(worker);
    const request = { scopes: [parseScope("local:read:billing")], subject: { repository: "acme/web" }, ttlSeconds: 300 };
    const prepared = await plugin.prepare(request);
    const vended = await plugin.vend({ ...request, credentialId: "cred-9", serialized: prepared.serialized!.serialized });
    const token = vended.credential.token!;
    expect((await introspect(store, { now: () => new Date() }, token)).active).toBe(true);

    const items = (await client.send(new ScanCommand({ TableName: table }))).Items ?? [];
    const raw = JSON.stringify(items);
    expect(items).toHaveLength(2);
    expect(raw).toContain(tokenHash(token));
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(token.slice(4, 34)); // not even the random part
    const tokenItem = items.find((item) => item.pk?.S === tokenHash(token));
    expect(tokenItem).toMatchObject({
      credentialId: { S: "cred-9" },
      scopes: { L: [{ S: "local:read:billing" }] },
      repository: { S: "acme/web" },
      revoked: { BOOL: false },
    });

    await plugin.revoke({ credentialId: "cred-9", scopes: [], upstreamRef: "cred-9", expiresAt: vended.expiresAt });
    expect((await introspect(store, { now: () => new Date() }, token)).active).toBe(false);
    const after = (await client.send(new ScanCommand({ TableName: table }))).Items ?? [];
    expect(after.find((item) => item.pk?.S === tokenHash(token))?.revoked).toEqual({ BOOL: true });
  });
});
