// aws-sts' role lock and recorded sessions (RevocationStore): one contract run on memory, on
// dynalite and on DynamoDB Local — contention, lease expiry takeover, release only by the owner —
// plus the DynamoDB items themselves. Time is passed in, so leases expire without waiting.
import { randomUUID } from "node:crypto";
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbRevocationStore, ensureRevocationTable } from "../../plugin-workers/aws-sts/dynamodb-revocation-store.js";
import type { RevocationStore } from "../../plugin-workers/aws-sts/revocation-store.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { startDynamoDbLocal } from "../support/dynamodb-local.js";
import { MemoryRevocationStore } from "../support/memory-revocation-store.js";

const T0 = new Date("2030-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 20_000;
const session = (name: string, expiresAt = at(3_600_000)) => ({ userId: `AROAEXAMPLEID:${name}`, expiresAt });

const dynamoDbLocal = await startDynamoDbLocal();
let dynalite: LocalDynamo;
const clients: DynamoDBClient[] = [];
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynalite?.close();
  if ("close" in dynamoDbLocal) await dynamoDbLocal.close();
});

async function dynamoStore(endpoint: string) {
  const client = localDynamoClient(endpoint);
  clients.push(client);
  const table = `aws-sts-locks-${randomUUID()}`;
  await ensureRevocationTable(client, table);
  return { client, table, store: new DynamoDbRevocationStore(client, table) };
}

function describeRevocationStoreContract(name: string, create: () => Promise<RevocationStore>) {
  describe(`RevocationStore contract: ${name}`, () => {
    let store: RevocationStore;
    beforeAll(async () => {
      store = await create();
    });
    const role = () => `role-${randomUUID().slice(0, 8)}`;

    it("contention: of 16 concurrent takers of one role's lock exactly one wins; another role's lock is apart", async () => {
      const r = role();
      const won = await Promise.all(Array.from({ length: 16 }, (_, i) => store.acquire(r, `owner-${i}`, T0, at(LEASE))));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await store.acquire(role(), "other", T0, at(LEASE))).toBe(true);
    });

    it("a held lock is refused until its lease ends, however often asked, then taken over: a crashed holder blocks no longer than its lease", async () => {
      const r = role();
      expect(await store.acquire(r, "crashed", T0, at(LEASE))).toBe(true);
      expect(await store.acquire(r, "taker", at(1_000), at(1_000 + LEASE))).toBe(false);
      expect(await store.acquire(r, "taker", at(LEASE), at(2 * LEASE))).toBe(false); // not before it is over
      const takers = await Promise.all(["a", "b", "c"].map((owner) => store.acquire(r, owner, at(LEASE + 1), at(2 * LEASE + 1))));
      expect(takers.filter(Boolean)).toHaveLength(1);
    });

    it("release only by the owner: neither a stranger nor the holder that was taken over from can free the taker's lock", async () => {
      const r = role();
      expect(await store.acquire(r, "first", T0, at(LEASE))).toBe(true);
      expect(await store.release(r, "stranger")).toBe(false);
      expect(await store.acquire(r, "second", at(LEASE + 1), at(2 * LEASE))).toBe(true);
      expect(await store.release(r, "first")).toBe(false);
      expect(await store.acquire(r, "third", at(LEASE + 2), at(2 * LEASE))).toBe(false);
      expect(await store.release(r, "second")).toBe(true);
      expect(await store.release(r, "second")).toBe(false);
      expect(await store.acquire(r, "third", at(LEASE + 3), at(2 * LEASE))).toBe(true);
    });

    it("recorded sessions: concurrent records all kept, forget drops only the named ones, expiries to the second", async () => {
      const r = role();
      const sessions = Array.from({ length: 12 }, (_, i) => session(`cred-${i}`, at(900_000 + i * 1000)));
      await Promise.all(sessions.map((s) => store.remember(r, s)));
      await store.remember(r, sessions[0]!);
      const byId = (list: { userId: string }[]) => [...list].sort((a, b) => a.userId.localeCompare(b.userId));
      expect(byId(await store.remembered(r))).toEqual(byId(sessions));
      await store.forget(r, sessions.slice(0, 10));
      await store.forget(r, []);
      expect(byId(await store.remembered(r))).toEqual(byId(sessions.slice(10)));
      expect(await store.remembered(role())).toEqual([]);
    });
  });
}

describeRevocationStoreContract("memory", async () => new MemoryRevocationStore());
describeRevocationStoreContract("DynamoDB on dynalite", async () => (await dynamoStore(dynalite.endpoint)).store);
if ("skipped" in dynamoDbLocal) {
  describe.skip(`RevocationStore contract: DynamoDB on DynamoDB Local — skipped: ${dynamoDbLocal.skipped}`, () => {
    it("the contract", () => {});
  });
} else {
  const { endpoint } = dynamoDbLocal;
  describeRevocationStoreContract("DynamoDB on DynamoDB Local", async () => (await dynamoStore(endpoint)).store);
}

describe("DynamoDbRevocationStore items", () => {
  it("a lock item per held role (owner, lease end) and a sessions item per role; a released lock leaves no item", async () => {
    const { client, table, store } = await dynamoStore(dynalite.endpoint);
    await store.acquire("credvend-ci", "owner-1", T0, at(LEASE));
    await store.remember("credvend-ci", session("cred-1", new Date("2030-01-01T00:15:00.400Z")));
    const scan = async () => (await client.send(new ScanCommand({ TableName: table }))).Items ?? [];
    expect(await scan()).toEqual(
      expect.arrayContaining([
        { pk: { S: "lock#credvend-ci" }, owner: { S: "owner-1" }, leaseUntil: { N: String(at(LEASE).getTime()) } },
        { pk: { S: "sessions#credvend-ci" }, sessions: { SS: [`${Date.parse("2030-01-01T00:15:01Z") / 1000} AROAEXAMPLEID:cred-1`] } },
      ]),
    );
    await store.release("credvend-ci", "owner-1");
    expect((await scan()).map((item) => item.pk?.S)).toEqual(["sessions#credvend-ci"]);
  });
});
