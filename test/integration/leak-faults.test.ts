// Fault injection on the leak path: a crash (an injected throw) at each port call in turn (ledger,
// notifier, and each worker call both before it is sent and after the worker answered), then the
// next delivery or sweep finishes it. Each run asserts: exactly one upstream revoke, the
// credential not left live, exactly one terminal outcome, and the alerts counted.
import { describe, expect, it } from "vitest";
import type { CredentialLedger } from "../../functions/core/ports/credential-ledger.js";
import type { Notification, Notifier } from "../../functions/core/ports/notifier.js";
import type { PluginDirectory } from "../../functions/core/ports/plugin-client.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { createLeakFixture } from "../support/leak-fixture.js";

/** Counts every call of the ledger, the notifier and the workers; throws at call number `crashAt`
 *  (once). A worker call counts twice: as it is sent, and once it answered (the process dies with
 *  the upstream call done but nothing recorded). */
function faultyPorts(crashAt: number | undefined) {
  const calls: string[] = [];
  let armed = false;
  const hit = (name: string) => {
    if (!armed) return;
    calls.push(name);
    if (calls.length === crashAt) throw new Error(`injected crash at ${name}`);
  };
  const inner = new MemoryLedger();
  const ledger = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        hit(`ledger.${String(property)}`);
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  }) as CredentialLedger;
  const notifications: Notification[] = [];
  const notifier: Notifier = {
    notify: async (n) => {
      hit("notifier.notify");
      notifications.push(n);
    },
  };
  const wrapPlugins = (plugins: PluginDirectory): PluginDirectory => ({
    providers: () => plugins.providers(),
    forProvider: async (provider) => {
      const client = await plugins.forProvider(provider);
      if (!client) return client;
      const call =
        <R>(method: string, send: () => Promise<R>) =>
        async (): Promise<R> => {
          hit(`worker.${method}`);
          const answer = await send();
          hit(`worker.${method} answered`);
          return answer;
        };
      return {
        name: client.name,
        describe: () => call("describe", () => client.describe())(),
        prepare: (request) => call("prepare", () => client.prepare(request))(),
        vend: (request) => call("vend", () => client.vend(request))(),
        revoke: (request) => call("revoke", () => client.revoke(request))(),
      };
    },
  });
  return { ledger, notifier, notifications, calls, wrapPlugins, arm: () => (armed = true) };
}

function movableClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance: (ms: number) => {
      offsetMs += ms;
    },
  };
}

async function run(crashAt: number | undefined) {
  const ports = faultyPorts(crashAt);
  const clock = movableClock();
  const fixture = await createLeakFixture({ ledger: ports.ledger, notifier: ports.notifier, clock, wrapPlugins: ports.wrapPlugins });
  const { secret, record } = await fixture.issue();
  ports.arm();
  const first = await fixture.deliverAlert(secret);
  // A 5xx stored nothing: the sender's next delivery (a new detection of the same leak) comes.
  const second = first.status >= 500 ? await fixture.deliverAlert(secret) : undefined;
  for (let sweep = 0; sweep < 4; sweep++) {
    clock.advance(5 * 60_000);
    await fixture.sweeper.sweep();
  }
  return { ports, fixture, record, first, second };
}

describe("leak response: a crash at each port call, then the next delivery or sweep finishes it", async () => {
  const clean = await run(undefined);
  const steps = clean.ports.calls;

  it("a run without faults makes the expected port calls", () => {
    expect(steps).toEqual([
      // Seen before: under its delivery id, and under the signed alert (a replay with a fresh id).
      "ledger.hasDelivery",
      "ledger.hasDelivery",
      "ledger.findByTokenHashes",
      "ledger.recordDetection",
      // The worker says whether it can revoke before anything is claimed.
      "worker.describe",
      "worker.describe answered",
      "ledger.claimInvalidation",
      "worker.revoke",
      "worker.revoke answered",
      "ledger.completeInvalidation",
      "ledger.appendAudit",
      "notifier.notify",
      "ledger.markAnnounced",
      "ledger.recordDelivery",
      "ledger.recordDelivery",
      "ledger.dueAlerts",
      "ledger.dueDetections",
      "ledger.dueAlerts",
      "ledger.dueDetections",
      "ledger.dueAlerts",
      "ledger.dueDetections",
      "ledger.dueAlerts",
      "ledger.dueDetections",
    ]);
  });

  const leakPath = steps.filter((_step, i) => i < steps.indexOf("ledger.dueAlerts"));
  it.each(leakPath.map((step, i) => ({ n: i + 1, step })))("crash at call $n ($step)", async ({ n, step }) => {
    const { ports, fixture, record, first } = await run(n);
    // 2xx once recorded; a 5xx only when the crash hit before the detection was stored.
    expect(first.status === 200 || ["ledger.hasDelivery", "ledger.findByTokenHashes", "ledger.recordDetection"].includes(step)).toBe(true);
    // Exactly one upstream revoke; a repeat call (after a crash past the upstream) finds it gone.
    expect(fixture.upstream.revoked).toEqual([record.credentialId]);
    const stored = await ports.ledger.getCredential(record.credentialId);
    expect(stored).toMatchObject({ state: "revoked", outcome: "revoked_on_detection" });
    expect(stored?.sweepDueAt).toBeUndefined();
    const alerts = ports.notifications.filter((x) => x.kind === "revoked_on_detection");
    // At least once; twice only when the crash hit between the alert and taking it off the sweep.
    expect(alerts).toHaveLength(step === "ledger.markAnnounced" ? 2 : 1);
    expect(ports.notifications.every((x) => x.kind === "revoked_on_detection")).toBe(true);
  });
});

describe("leak response: upstream failures", () => {
  it("upstream 500s then success: retried by the sweeper with backoff, one revoke, one outcome, one alert", async () => {
    const clock = movableClock();
    const fixture = await createLeakFixture({ ledger: new MemoryLedger(), clock });
    const { secret, record } = await fixture.issue({ expiresAt: new Date(Date.now() + 24 * 3600_000).toISOString() });
    fixture.upstream.answer(500, 500, 500);
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ status: "accepted", outcome: "retry_scheduled" });
    // Not due yet: the backoff holds the sweeper back.
    expect((await fixture.sweeper.sweep()).detections).toEqual([]);
    for (let i = 0; i < 6; i++) {
      clock.advance(5 * 60_000);
      await fixture.sweeper.sweep();
    }
    expect(fixture.upstream.calls).toHaveLength(4);
    expect(fixture.upstream.revoked).toEqual([record.credentialId]);
    expect(await fixture.ledger.getCredential(record.credentialId)).toMatchObject({
      state: "revoked",
      outcome: "revoked_on_detection",
      invalidation: { attempts: 3 },
    });
    expect(fixture.notifications.map((n) => n.kind)).toEqual(["revoked_on_detection"]);
  });

  it("an upstream that always fails: after the last attempt a terminal revoke_failed and one high alert naming what to do", async () => {
    const clock = movableClock();
    const fixture = await createLeakFixture({ ledger: new MemoryLedger(), clock });
    const { secret, record } = await fixture.issue({ expiresAt: new Date(Date.now() + 24 * 3600_000).toISOString() });
    fixture.upstream.answer(...Array(20).fill(500));
    await fixture.deliverAlert(secret);
    for (let i = 0; i < 12; i++) {
      clock.advance(20 * 60_000);
      await fixture.sweeper.sweep();
    }
    expect(fixture.upstream.calls).toHaveLength(6);
    expect(fixture.upstream.revoked).toEqual([]);
    expect(await fixture.ledger.getCredential(record.credentialId)).toMatchObject({
      state: "failed",
      outcome: "revoke_failed",
      invalidation: { attempts: 6 },
    });
    expect(fixture.notifications.map((n) => [n.kind, n.urgency])).toEqual([["revoke_failed", "high"]]);
    expect(fixture.notifications[0]!.details.action).toContain(`revoke credential ${record.credentialId} by hand`);
    // Detected again later: audited, no new branch, no new alert.
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ outcome: "already_handled" });
    expect(fixture.notifications).toHaveLength(1);
  });

  it("one outcome per credential: manual_revoke_required detected again after expiry stays manual, one alert", async () => {
    const clock = movableClock();
    const fixture = await createLeakFixture({ ledger: new MemoryLedger(), clock, revocable: false });
    const { secret, record } = await fixture.issue();
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ outcome: "manual_revoke_required" });
    clock.advance(3600_000);
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ outcome: "already_handled" });
    expect(fixture.notifications.map((n) => n.kind)).toEqual(["manual_revoke_required"]);
    expect((await fixture.ledger.getCredential(record.credentialId))?.outcome).toBe("manual_revoke_required");
    const events = await fixture.ledger.auditByCredential(record.credentialId);
    expect(events.map((e) => e.reason)).toEqual(["manual_revoke_required", "detected_again"]);
  });

  it("a credential within 60 s of its expiry is treated as live and revoked", async () => {
    const fixture = await createLeakFixture({ ledger: new MemoryLedger() });
    const { secret, record } = await fixture.issue({ expiresAt: new Date(Date.now() - 30_000).toISOString() });
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ outcome: "revoked_on_detection" });
    expect(fixture.upstream.revoked).toEqual([record.credentialId]);
  });

  it("GitHub answers 404 for the alert right after created, then 200: the sweeper reads it and revokes once", async () => {
    const clock = movableClock();
    const fixture = await createLeakFixture({ ledger: new MemoryLedger(), clock });
    const { secret, record } = await fixture.issue();
    fixture.github.failNextLookups(404);
    expect(await (await fixture.deliverAlert(secret)).json()).toMatchObject({ status: "accepted" });
    expect(fixture.upstream.calls).toEqual([]);
    clock.advance(60_000);
    expect((await fixture.sweeper.sweep()).alertsRead).toBe(1);
    expect(fixture.upstream.revoked).toEqual([record.credentialId]);
    expect((await fixture.ledger.getCredential(record.credentialId))?.outcome).toBe("revoked_on_detection");
    expect(fixture.notifications.map((n) => n.kind)).toEqual(["revoked_on_detection"]);
  });
});
