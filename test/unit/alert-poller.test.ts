// The alert poller on the in-memory ledger, the real leak handler (leak-fixture.ts) and a
// scripted lister: paging, the watermark, bounds, the rate-limit stop, de-dup with a webhook.
// Then the Octokit lister against the dev GitHub stand-in's org list (Link-header paging).
import { describe, expect, it } from "vitest";
import { OctokitAlertLister } from "../../functions/adapters/github/github-alert-lister.js";
import { CredvendError } from "../../functions/core/errors.js";
import { AlertPoller, type AlertLister, type ListedAlert } from "../../functions/core/leak/alert-poller.js";
import { createLeakFixture, GITHUB_API, type LeakFixture } from "../support/leak-fixture.js";

/** Pages of `perPage` over `alerts` (newest first), the cursors it was called with in `calls`. */
function scriptedLister(alerts: ListedAlert[], perPage = 2) {
  const calls: (string | undefined)[] = [];
  const lister: AlertLister = {
    listOpen: async ({ cursor }) => {
      calls.push(cursor);
      const start = Number(cursor ?? "0");
      const sorted = [...alerts].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
      const page = sorted.slice(start, start + perPage);
      return { alerts: page, ...(start + perPage < sorted.length ? { nextCursor: String(start + perPage) } : {}) };
    },
  };
  return { lister, calls, alerts };
}

let clock = Date.parse("2031-01-01T00:00:00Z");
const alertFor = (secret: string | undefined, number: number, createdAt = new Date(clock++).toISOString()): ListedAlert => ({
  repository: "acme/web",
  number,
  createdAt,
  ...(secret ? { secret } : {}),
  url: `https://github.com/acme/web/security/secret-scanning/${number}`,
  secretType: "credvend_token",
});

const poller = (fixture: LeakFixture, lister: AlertLister, extra: { maxAlerts?: number } = {}) =>
  new AlertPoller({ ledger: fixture.ledger, handler: fixture.handler, lister, watch: ["acme"], ...extra });

describe("AlertPoller", () => {
  it("walks every page down to the watermark, revokes, and then lists only what is new", async () => {
    const fixture = await createLeakFixture();
    const issued = await Promise.all([1, 2, 3].map(() => fixture.issue()));
    const script = scriptedLister(issued.map(({ secret }, i) => alertFor(secret, i + 1)));
    const run = poller(fixture, script.lister);

    expect(await run.poll()).toStrictEqual({ handled: 3, pendingReads: 0 });
    expect(script.calls).toStrictEqual([undefined, "2"]);
    for (const { record } of issued) expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("revoked");
    expect(fixture.upstream.revoked).toHaveLength(3);

    // Nothing new: one page, down to the watermark, nothing handled again.
    script.calls.length = 0;
    expect(await run.poll()).toStrictEqual({ handled: 0, pendingReads: 0 });
    expect(script.calls).toStrictEqual([undefined]);

    const fourth = await fixture.issue();
    script.alerts.push(alertFor(fourth.secret, 4));
    expect(await run.poll()).toStrictEqual({ handled: 1, pendingReads: 0 });
    expect((await fixture.ledger.getCredential(fourth.record.credentialId))?.state).toBe("revoked");
  });

  it("an alert at the watermark's second that was not seen yet is still handled", async () => {
    const fixture = await createLeakFixture();
    const [a, b] = await Promise.all([fixture.issue(), fixture.issue()]);
    const at = "2031-02-01T00:00:00Z";
    const script = scriptedLister([alertFor(a.secret, 1, at)]);
    const run = poller(fixture, script.lister);
    await run.poll();
    script.alerts.push(alertFor(b.secret, 2, at));
    expect(await run.poll()).toStrictEqual({ handled: 1, pendingReads: 0 });
  });

  it("a rate limit stops the run and keeps the watermark; the next run resumes at that page", async () => {
    const fixture = await createLeakFixture();
    const issued = await Promise.all([1, 2, 3, 4].map(() => fixture.issue()));
    const script = scriptedLister(issued.map(({ secret }, i) => alertFor(secret, i + 1)));
    const run = poller(fixture, script.lister);
    // The first page goes through, the second is rate limited.
    const limited = new CredvendError("unavailable", "github_rate_limited", "rate limited");
    const original = script.lister.listOpen;
    let calls = 0;
    script.lister.listOpen = async (query) => {
      if (++calls === 2) throw limited;
      return original(query);
    };
    expect(await run.poll()).toStrictEqual({ handled: 2, pendingReads: 0, stopped: "rate_limited" });
    expect(await fixture.ledger.getWatermark("alerts:acme")).toContain('"cursor":"2"');

    script.calls.length = 0;
    expect(await run.poll()).toStrictEqual({ handled: 2, pendingReads: 0 });
    expect(script.calls).toStrictEqual(["2"]);
    for (const { record } of issued) expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("revoked");
    // The walk's top is adopted: nothing is handled again.
    expect(await run.poll()).toStrictEqual({ handled: 0, pendingReads: 0 });
  });

  it("one owner GitHub refuses does not leave the others unwatched: they are polled, the run reports failed", async () => {
    const fixture = await createLeakFixture();
    const { secret, record } = await fixture.issue();
    const script = scriptedLister([alertFor(secret, 1)]);
    const refused = new CredvendError("upstream_failed", "github_alert_unavailable", "the alerts could not be listed (HTTP 404)");
    const lister: AlertLister = {
      listOpen: async (query) => {
        if ("owner" in query && query.owner === "not-installed") throw refused;
        return script.lister.listOpen(query);
      },
    };
    const run = new AlertPoller({ ledger: fixture.ledger, handler: fixture.handler, lister, watch: ["not-installed", "acme"] });
    expect(await run.poll()).toStrictEqual({ handled: 1, pendingReads: 0, stopped: "failed" });
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("revoked");
  });

  it("is bounded by maxAlerts and finishes the walk on later runs", async () => {
    const fixture = await createLeakFixture();
    const issued = await Promise.all([1, 2, 3, 4, 5].map(() => fixture.issue()));
    const script = scriptedLister(issued.map(({ secret }, i) => alertFor(secret, i + 1)));
    const run = poller(fixture, script.lister, { maxAlerts: 2 });
    expect(await run.poll()).toMatchObject({ handled: 2, stopped: "max_alerts" });
    expect(await run.poll()).toMatchObject({ handled: 2, stopped: "max_alerts" });
    expect(await run.poll()).toStrictEqual({ handled: 1, pendingReads: 0 });
    expect(await run.poll()).toStrictEqual({ handled: 0, pendingReads: 0 });
    for (const { record } of issued) expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("revoked");
  });

  it("an alert listed without its secret becomes a pending alert for the sweeper", async () => {
    const fixture = await createLeakFixture();
    const script = scriptedLister([alertFor(undefined, 7)]);
    expect(await poller(fixture, script.lister).poll()).toStrictEqual({ handled: 0, pendingReads: 1 });
    expect(await fixture.ledger.dueAlerts(new Date(), 10)).toMatchObject([{ owner: "acme", repo: "web", number: 7 }]);
  });

  it("a leak the webhook already contained is not alerted twice: one revoke, one alert, detected_again", async () => {
    const fixture = await createLeakFixture();
    const { secret, record } = await fixture.issue();
    expect((await fixture.deliverAlert(secret)).status).toBe(200);
    const alertsBefore = fixture.notifications.length;
    expect(alertsBefore).toBe(1);

    const script = scriptedLister([alertFor(secret, 1)]);
    expect(await poller(fixture, script.lister).poll()).toStrictEqual({ handled: 1, pendingReads: 0 });
    expect(fixture.upstream.calls).toHaveLength(1);
    expect(fixture.notifications).toHaveLength(alertsBefore);
    const reasons = (await fixture.ledger.auditByCredential(record.credentialId)).map((e) => e.reason);
    expect(reasons).toContain("detected_again");
  });
});

describe("OctokitAlertLister on the dev GitHub stand-in", () => {
  it("lists an org's open alerts newest first, page by page through the Link header", async () => {
    const fixture = await createLeakFixture();
    for (const n of [1, 2, 3]) fixture.github.openAlert("acme/web", `secret-${n}`);
    fixture.github.openAlert("other/repo", "not-ours");
    const routes = fixture.github.routes();
    const lister = new OctokitAlertLister({
      apiUrl: GITHUB_API,
      perPage: 2,
      fetch: async (input, init) => routes.fetch(new Request(input, init)),
    });
    const first = await lister.listOpen({ owner: "acme" });
    expect(first.alerts.map((a) => [a.number, a.secret, a.repository])).toStrictEqual([
      [3, "secret-3", "acme/web"],
      [2, "secret-2", "acme/web"],
    ]);
    expect(first.nextCursor).toBeDefined();
    const second = await lister.listOpen({ owner: "acme", cursor: first.nextCursor! });
    expect(second.alerts.map((a) => a.number)).toStrictEqual([1]);
    expect(second.nextCursor).toBeUndefined();
  });
});
