// Races and crashes against the real DynamoDB API server (dynalite): the conditional writes of
// the ledger decide, so duplicates and concurrency never double a revoke or an alert.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { createLeakFixture } from "../support/leak-fixture.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";

let dynamo: LocalDynamo;
let client: DynamoDBClient;
beforeAll(async () => {
  dynamo = await startDynalite();
  client = localDynamoClient(dynamo.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

async function freshLedger(): Promise<DynamoDbLedger> {
  const tableName = `ledger-${randomUUID()}`;
  await ensureLedgerTable(client, tableName);
  return new DynamoDbLedger({ client, tableName });
}

/** A clock the test moves forward. */
function movableClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance: (ms: number) => {
      offsetMs += ms;
    },
  };
}

const outcomes = async (responses: Response[]) =>
  Promise.all(responses.map(async (r) => ({ ...((await r.json()) as { outcome?: string }), httpStatus: r.status })));

describe("leak response races on dynalite", () => {
  it("50 concurrent deliveries of one alert: exactly one upstream revoke and one escalation", async () => {
    const fixture = await createLeakFixture({ ledger: await freshLedger() });
    const { secret, record } = await fixture.issue();
    const number = fixture.github.openAlert("acme/web", secret);
    const body = JSON.stringify({ action: "created", alert: { number }, repository: { full_name: "acme/web" } });
    const deliver = () =>
      fixture.app.request("/webhooks/github/secret-scanning", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "secret_scanning_alert",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": fixture.github.signWebhook(body),
        },
        body,
      });
    const results = await outcomes(await Promise.all(Array.from({ length: 50 }, deliver)));
    expect(results.every((r) => r.httpStatus === 200)).toBe(true);
    expect(results.filter((r) => r.outcome === "revoked_on_detection")).toHaveLength(1);
    expect(results.every((r) => ["revoked_on_detection", "in_progress", "already_handled"].includes(r.outcome!))).toBe(true);
    expect(fixture.upstream.calls).toEqual([record.credentialId]);
    expect(fixture.notifications.map((n) => n.kind)).toEqual(["revoked_on_detection"]);
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("revoked");
    const events = await fixture.ledger.auditByCredential(record.credentialId);
    expect(events.filter((e) => e.type === "revoke")).toHaveLength(1);
  });

  it.each([
    { branch: "manual_revoke_required", revocable: false, expired: false },
    { branch: "detected_after_expiry", revocable: true, expired: true },
  ])("50 concurrent deliveries in branch $branch: exactly one alert, no upstream call", async ({ branch, revocable, expired }) => {
    const fixture = await createLeakFixture({ ledger: await freshLedger(), revocable });
    const { secret } = await fixture.issue(expired ? { expiresAt: new Date(Date.now() - 120_000).toISOString() } : {});
    const results = await outcomes(await Promise.all(Array.from({ length: 50 }, () => fixture.deliverAlert(secret))));
    expect(results.filter((r) => r.outcome === branch)).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "already_handled")).toHaveLength(49);
    expect(fixture.notifications.map((n) => n.kind)).toEqual([branch]);
    expect(fixture.upstream.calls).toEqual([]);
  });

  it("a crash between claim and revoke: nothing happens inside the lease, the next delivery after it completes", async () => {
    const clock = movableClock();
    const fixture = await createLeakFixture({ ledger: await freshLedger(), leaseMs: 30_000, clock });
    const { secret, record } = await fixture.issue();
    // What a process that died right after winning the claim leaves behind.
    const now = clock.now();
    expect(
      await fixture.ledger.claimInvalidation({
        credentialId: record.credentialId,
        claimId: "dead-process",
        now,
        leaseUntil: new Date(now.getTime() + 30_000),
      }),
    ).toBe(true);

    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ outcome: "in_progress" });
    expect(fixture.upstream.calls).toEqual([]);
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("revoking");

    clock.advance(30_001);
    const results = await outcomes(await Promise.all(Array.from({ length: 10 }, () => fixture.deliverAlert(secret))));
    expect(results.filter((r) => r.outcome === "revoked_on_detection")).toHaveLength(1);
    expect(fixture.upstream.calls).toEqual([record.credentialId]);
    expect(fixture.notifications.map((n) => n.kind)).toEqual(["revoked_on_detection"]);
    expect(await fixture.ledger.getCredential(record.credentialId)).toMatchObject({ state: "revoked", invalidation: { attempts: 0 } });
  });

  it("a slow upstream inside the lease: a second delivery waits its turn, so one revoke call and one escalation", async () => {
    const clock = movableClock();
    const fixture = await createLeakFixture({ ledger: await freshLedger(), leaseMs: 120_000, clock });
    const { secret, record } = await fixture.issue();
    const release = fixture.upstream.hold();
    const first = fixture.deliverAlert(secret);
    while (fixture.upstream.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    clock.advance(119_000); // still inside the lease
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ outcome: "in_progress" });
    release();
    expect(await (await first).json()).toMatchObject({ outcome: "revoked_on_detection" });
    expect(fixture.upstream.calls).toEqual([record.credentialId]);
    expect(fixture.notifications.map((n) => n.kind)).toEqual(["revoked_on_detection"]);
  });

  it("upstream 500 then 204 across two deliveries: revoked once, one escalation, the failure audited", async () => {
    const fixture = await createLeakFixture({ ledger: await freshLedger() });
    const { secret, record } = await fixture.issue();
    fixture.upstream.answer(500);
    const first = await fixture.deliverAlert(secret);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: "accepted", outcome: "retry_scheduled" });
    // Not revoked: the upstream did not say so.
    expect(await fixture.ledger.getCredential(record.credentialId)).toMatchObject({ state: "failed", invalidation: { attempts: 1 } });

    const second = await fixture.deliverAlert(secret);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ outcome: "revoked_on_detection" });
    expect(fixture.upstream.calls).toEqual([record.credentialId, record.credentialId]);
    expect(fixture.notifications.map((n) => [n.kind, n.urgency])).toEqual([["revoked_on_detection", "high"]]);
    expect(await fixture.ledger.getCredential(record.credentialId)).toMatchObject({ state: "revoked", invalidation: { attempts: 1 } });
    const events = await fixture.ledger.auditByCredential(record.credentialId);
    expect(events.map((e) => e.type)).toEqual(["failure", "revoke"]);
  });

  it("repeated upstream failures count every attempt, alert nobody until an outcome, and 404 counts as already gone", async () => {
    const fixture = await createLeakFixture({ ledger: await freshLedger() });
    const { secret, record } = await fixture.issue();
    fixture.upstream.answer(500, 503, 404);
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ outcome: "retry_scheduled" });
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ outcome: "retry_scheduled" });
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ outcome: "revoked_on_detection" });
    expect(fixture.notifications.map((n) => n.kind)).toEqual(["revoked_on_detection"]);
    expect(await fixture.ledger.getCredential(record.credentialId)).toMatchObject({ state: "revoked", invalidation: { attempts: 2 } });
  });

  it("partner batches with the same token delivered concurrently revoke it once", async () => {
    const fixture = await createLeakFixture({ ledger: await freshLedger() });
    const { secret, record } = await fixture.issue();
    const batch = [
      { token: secret, type: "credvend_token" },
      { token: secret, type: "credvend_token" },
    ];
    const responses = await Promise.all(Array.from({ length: 10 }, () => fixture.postPartner(batch)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(fixture.upstream.calls).toEqual([record.credentialId]);
    expect(fixture.notifications.map((n) => n.kind)).toEqual(["revoked_on_detection"]);
  });
});
