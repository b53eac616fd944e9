// The webhooks app in one process: every branch of the leak handler through the real routes, the
// real payloads from @octokit/webhooks-examples, and every bad input the issue lists.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { LedgerError } from "../../functions/core/errors.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { ALL_TIME } from "../support/vend-fixture.js";
import { createLeakFixture, type LeakFixture } from "../support/leak-fixture.js";

interface Example {
  readonly action: string;
  readonly alert: { readonly number: number };
  readonly repository: { readonly full_name: string };
}
const require = createRequire(import.meta.url);
const EXAMPLES: Example[] = ["ghes-31", "ghes-32", "ghes-33", "ghes-34", "ghes-35"].flatMap((version) => {
  const all = require(`@octokit/webhooks-examples/${version}/index.json`) as { name: string; examples: Example[] }[];
  return all.find((entry) => entry.name === "secret_scanning_alert")?.examples ?? [];
});
const PING = (require("@octokit/webhooks-examples") as { name: string; examples: unknown[] }[]).find((e) => e.name === "ping")!.examples[0];

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

function post(fixture: LeakFixture, body: string, headers: Record<string, string | undefined>) {
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) sent[name] = value;
  return fixture.app.request("/webhooks/github/secret-scanning", { method: "POST", headers: sent, body });
}

function signedHeaders(fixture: LeakFixture, body: string, extra: Record<string, string | undefined> = {}) {
  return {
    "content-type": "application/json",
    "x-github-event": "secret_scanning_alert",
    "x-github-delivery": randomUUID(),
    "x-hub-signature-256": fixture.github.signWebhook(body),
    ...extra,
  };
}

describe("POST /webhooks/github/secret-scanning: the three branches", () => {
  it("live and revocable: revoked through the worker, tagged, escalated once; a redelivery does nothing", async () => {
    const fixture = await createLeakFixture();
    const { secret, record } = await fixture.issue();
    const response = await fixture.deliverAlert(secret);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: "processed", outcome: "revoked_on_detection", credentialId: record.credentialId });
    expect(fixture.upstream.calls).toEqual([record.credentialId]);
    const stored = await fixture.ledger.getCredential(record.credentialId);
    expect(stored?.state).toBe("revoked");
    expect(stored?.tags?.revoked_on_detection).toBeDefined();
    expect(fixture.notifications).toHaveLength(1);
    expect(fixture.notifications[0]).toMatchObject({ kind: "revoked_on_detection", urgency: "high" });
    expect(fixture.notifications[0]!.details).toMatchObject({
      credentialId: record.credentialId,
      "subject.repository": "acme/web",
      "subject.run_id": "4242",
      "subject.actor": "octocat",
      "leak.repository": "acme/web",
      "leak.channel": "secret_scanning_alert",
    });

    expect(await json(await fixture.deliverAlert(secret))).toMatchObject({ status: "processed", outcome: "already_handled" });
    expect(fixture.upstream.calls).toHaveLength(1);
    expect(fixture.notifications).toHaveLength(1);
    const events = await fixture.ledger.auditByCredential(record.credentialId);
    // The repeat is audited, nothing else: the first outcome stands.
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ["revoke", "revoked_on_detection"],
      ["detect", "detected_again"],
    ]);
  });

  it("expired: tagged detected_after_expiry, one low note, no provider call, even if its state says active", async () => {
    const fixture = await createLeakFixture();
    const { secret, record } = await fixture.issue({ expiresAt: new Date(Date.now() - 120_000).toISOString() });
    expect(await json(await fixture.deliverAlert(secret))).toMatchObject({ outcome: "detected_after_expiry" });
    expect(await json(await fixture.deliverAlert(secret))).toMatchObject({ outcome: "already_handled" });
    expect(fixture.upstream.calls).toEqual([]);
    expect(fixture.notifications.map((n) => [n.kind, n.urgency])).toEqual([["detected_after_expiry", "low"]]);
    expect((await fixture.ledger.getCredential(record.credentialId))?.tags?.detected_after_expiry).toBeDefined();
  });

  it("live and not revocable: manual_revoke_required, one high alert with everything a human needs, state unchanged", async () => {
    const fixture = await createLeakFixture({ revocable: false });
    const { secret, record } = await fixture.issue();
    expect(await json(await fixture.deliverAlert(secret))).toMatchObject({ outcome: "manual_revoke_required" });
    expect(await json(await fixture.deliverAlert(secret))).toMatchObject({ outcome: "already_handled" });
    expect(fixture.upstream.calls).toEqual([]);
    expect(fixture.notifications).toHaveLength(1);
    const alert = fixture.notifications[0]!;
    expect(alert).toMatchObject({ kind: "manual_revoke_required", urgency: "high" });
    expect(alert.details).toMatchObject({
      credentialId: record.credentialId,
      "subject.repository": "acme/web",
      "subject.run_id": "4242",
      "subject.actor": "octocat",
      "leak.url": expect.stringContaining("/security/secret-scanning/"),
    });
    // Its worker named no manual revocation page (as on records older than the field): none is made up.
    expect(alert.details).not.toHaveProperty("manualRevocationUrl");
    const stored = await fixture.ledger.getCredential(record.credentialId);
    expect(stored?.state).toBe("active");
    expect(stored?.tags?.manual_revoke_required).toBeDefined();
  });

  it("an unknown token: 200, audited as detected_unknown with its hash only, nobody alerted", async () => {
    const fixture = await createLeakFixture();
    const secret = `ghp_${randomUUID()}`;
    expect(await json(await fixture.deliverAlert(secret))).toEqual({ status: "processed", outcome: "unknown" });
    expect(fixture.notifications).toEqual([]);
    const events = await fixture.ledger.auditByTime(ALL_TIME);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "detect", reason: "detected_unknown", details: { "leak.repository": "acme/web" } });
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(fixture.logs.join("\n")).not.toContain(secret);
  });

  it("the same delivery id twice is answered from memory, without another REST lookup", async () => {
    const fixture = await createLeakFixture();
    const { secret } = await fixture.issue();
    const deliveryId = randomUUID();
    expect(await json(await fixture.deliverAlert(secret, { deliveryId }))).toMatchObject({ outcome: "revoked_on_detection" });
    fixture.github.failNextLookups(500); // would fail if the alert were read again
    expect(await json(await fixture.deliverAlert(secret, { deliveryId }))).toEqual({ status: "duplicate" });
  });
});

describe("POST /webhooks/github/secret-scanning: GitHub's own payloads", () => {
  it("has real secret_scanning_alert examples to test with", () => {
    expect(EXAMPLES.length).toBeGreaterThan(0);
  });

  it.each(EXAMPLES.map((example, i) => ({ i, example })))(
    "example $i ($example.action) is read and its alert looked up",
    async ({ example }) => {
      const fixture = await createLeakFixture();
      const { secret, record } = await fixture.issue();
      // The stand-in serves our secret under the example's repository and alert number.
      while (fixture.github.openAlert(example.repository.full_name, secret) < example.alert.number);
      const body = JSON.stringify(example);
      const response = await post(fixture, body, signedHeaders(fixture, body));
      expect(await json(response)).toEqual({ status: "processed", outcome: "revoked_on_detection", credentialId: record.credentialId });
      expect(fixture.notifications[0]?.details["leak.repository"]).toBe(example.repository.full_name);
    },
  );

  it("answers ping with pong", async () => {
    const fixture = await createLeakFixture();
    const body = JSON.stringify(PING);
    const response = await post(fixture, body, signedHeaders(fixture, body, { "x-github-event": "ping" }));
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: "pong" });
  });

  it.each(["resolved", "assigned"])("acknowledges and ignores action %s", async (action) => {
    const fixture = await createLeakFixture();
    const { secret, record } = await fixture.issue();
    expect(await json(await fixture.deliverAlert(secret, { action }))).toEqual({ status: "ignored", reason: `action ${action}` });
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("active");
  });

  it.each(["created", "reopened", "publicly_leaked", "validated"])("processes action %s", async (action) => {
    const fixture = await createLeakFixture();
    const { secret } = await fixture.issue();
    expect(await json(await fixture.deliverAlert(secret, { action }))).toMatchObject({ outcome: "revoked_on_detection" });
  });

  it("acknowledges and ignores other events", async () => {
    const fixture = await createLeakFixture();
    const body = "{}";
    expect(await json(await post(fixture, body, signedHeaders(fixture, body, { "x-github-event": "issues" })))).toEqual({
      status: "ignored",
      reason: "event issues",
    });
  });
});

describe("POST /webhooks/github/secret-scanning: bad input changes nothing", () => {
  const alertBody = (repository = "acme/web", number = 1) =>
    JSON.stringify({ action: "created", alert: { number }, repository: { full_name: repository } });

  it.each([
    {
      case: "no signature",
      headers: (f: LeakFixture, b: string) => signedHeaders(f, b, { "x-hub-signature-256": undefined }),
      status: 401,
      code: "missing_signature",
    },
    {
      case: "a signature by another secret",
      headers: (f: LeakFixture, b: string) => signedHeaders(f, b, { "x-hub-signature-256": `sha256=${"0".repeat(64)}` }),
      status: 401,
      code: "invalid_signature",
    },
    {
      case: "a short signature",
      headers: (f: LeakFixture, b: string) => signedHeaders(f, b, { "x-hub-signature-256": f.github.signWebhook(b).slice(0, 40) }),
      status: 401,
      code: "invalid_signature",
    },
    {
      case: "a wrong content type",
      headers: (f: LeakFixture, b: string) => signedHeaders(f, b, { "content-type": "application/x-www-form-urlencoded" }),
      status: 415,
      code: "unsupported_media_type",
    },
    {
      case: "no event header",
      headers: (f: LeakFixture, b: string) => signedHeaders(f, b, { "x-github-event": undefined }),
      status: 400,
      code: "missing_event",
    },
    {
      case: "no delivery header",
      headers: (f: LeakFixture, b: string) => signedHeaders(f, b, { "x-github-delivery": undefined }),
      status: 400,
      code: "missing_delivery",
    },
  ])("$case → $status $code", async ({ headers, status, code }) => {
    const fixture = await createLeakFixture();
    const { secret, record } = await fixture.issue();
    fixture.github.openAlert("acme/web", secret);
    const body = alertBody();
    const response = await post(fixture, body, headers(fixture, body));
    expect(response.status).toBe(status);
    expect(await json(response)).toEqual({ error: { code, message: expect.any(String) } });
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("active");
    expect(await fixture.ledger.auditByTime(ALL_TIME)).toEqual([]);
  });

  it.each([
    { case: "malformed JSON", body: "{not json", code: "malformed_json" },
    {
      case: "no alert number",
      body: JSON.stringify({ action: "created", alert: {}, repository: { full_name: "acme/web" } }),
      code: "invalid_payload",
    },
    { case: "no repository", body: JSON.stringify({ action: "created", alert: { number: 1 } }), code: "invalid_payload" },
    { case: "a repository that is not owner/name", body: alertBody("acme/web/x"), code: "invalid_payload" },
    { case: "an array", body: "[]", code: "invalid_payload" },
  ])("$case → 400 $code", async ({ body, code }) => {
    const fixture = await createLeakFixture();
    const response = await post(fixture, body, signedHeaders(fixture, body));
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({ error: { code, message: expect.any(String) } });
  });

  it("a body over 1 MiB → 413 before the signature is even computed", async () => {
    const fixture = await createLeakFixture();
    const body = JSON.stringify({ padding: "x".repeat(1024 * 1024) });
    const response = await post(fixture, body, signedHeaders(fixture, body));
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("an event for a repository this deployment does not watch → 200 ignored (not a failed delivery in GitHub's UI), nothing looked up", async () => {
    const fixture = await createLeakFixture({ watchesRepository: (repo) => repo.startsWith("acme/") });
    const { secret, record } = await fixture.issue();
    fixture.github.failNextLookups(500); // would fail if the alert were read
    const response = await fixture.deliverAlert(secret, { repository: "evil/web" });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: "ignored", reason: "repository evil/web is not watched" });
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("active");
    expect(fixture.notifications).toEqual([]);
  });

  it.each([
    { case: "404s (right after created)", fail: 404, code: "github_alert_unavailable" },
    { case: "is rate-limited", fail: 403, code: "github_rate_limited" },
    { case: "fails", fail: 500, code: "github_alert_unavailable" },
  ])(
    "a REST lookup that $case → 200 accepted (GitHub never delivers again), then the sweeper reads it and revokes",
    async ({ fail, code }) => {
      const fixture = await createLeakFixture();
      const { secret, record } = await fixture.issue();
      fixture.github.failNextLookups(fail);
      const deliveryId = randomUUID();
      const response = await fixture.deliverAlert(secret, { deliveryId });
      expect(response.status).toBe(200);
      expect(await json(response)).toEqual({ status: "accepted", reason: expect.stringContaining(code) });
      expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("active");
      expect(fixture.notifications).toEqual([]);
      expect(await json(await fixture.deliverAlert(secret, { deliveryId }))).toEqual({ status: "duplicate" });
      expect((await fixture.sweeper.sweep()).alertsRead).toBe(1);
      expect(await fixture.ledger.getCredential(record.credentialId)).toMatchObject({ state: "revoked", outcome: "revoked_on_detection" });
      expect(fixture.upstream.calls).toEqual([record.credentialId]);
      expect(fixture.notifications.map((n) => n.kind)).toEqual(["revoked_on_detection"]);
      expect((await fixture.sweeper.sweep()).alertsRead).toBe(0);
    },
  );

  it("a ledger that cannot record the detection → 503, so nothing is acknowledged that was not stored", async () => {
    const ledger = new MemoryLedger();
    const fixture = await createLeakFixture({ ledger });
    const { secret } = await fixture.issue();
    ledger.recordDetection = async () => {
      throw new LedgerError("recordDetection: DynamoDB request failed (InternalServerError)");
    };
    const response = await fixture.deliverAlert(secret);
    expect(response.status).toBe(503);
    expect(fixture.upstream.calls).toEqual([]);
  });
});

describe("POST /webhooks/github/secret-scanning/partner", () => {
  it("labels our tokens true_positive and others false_positive, in order, hashes only, and acts on ours", async () => {
    const fixture = await createLeakFixture();
    const live = await fixture.issue();
    const expired = await fixture.issue({ expiresAt: new Date(Date.now() - 120_000).toISOString() });
    const stranger = `ghp_${randomUUID()}`;
    const response = await fixture.postPartner([
      { token: live.secret, type: "credvend_token", url: "https://github.com/acme/web/blob/x", source: "commit" },
      { token: stranger, type: "github_pat", url: "https://gist.github.com/x", source: "gist" },
      { token: expired.secret, type: "credvend_token", url: "https://github.com/acme/web/blob/y", source: "commit" },
    ]);
    expect(response.status).toBe(200);
    const labels = (await response.json()) as { token_hash: string; token_type: string; label: string }[];
    expect(labels.map((l) => [l.token_type, l.label])).toEqual([
      ["credvend_token", "true_positive"],
      ["github_pat", "false_positive"],
      ["credvend_token", "true_positive"],
    ]);
    expect(labels[0]!.token_hash).toBe(live.record.tokenHashes[0]);
    expect(JSON.stringify(labels)).not.toContain(stranger);
    expect(fixture.upstream.calls).toEqual([live.record.credentialId]);
    expect(fixture.notifications.map((n) => n.kind).sort()).toEqual(["detected_after_expiry", "revoked_on_detection"]);
  });

  it("answers a batch of 1,000 tokens, batched lookups and bounded revocations", async () => {
    const fixture = await createLeakFixture();
    const ours = await Promise.all(Array.from({ length: 20 }, () => fixture.issue()));
    const matches = Array.from({ length: 1000 }, (_, i) =>
      i < ours.length ? { token: ours[i]!.secret, type: "credvend_token" } : { token: `other_${i}_${randomUUID()}`, type: "other" },
    );
    const response = await fixture.postPartner(matches);
    expect(response.status).toBe(200);
    const labels = (await response.json()) as { label: string }[];
    expect(labels).toHaveLength(1000);
    expect(labels.filter((l) => l.label === "true_positive")).toHaveLength(20);
    expect(fixture.upstream.calls).toHaveLength(20);
    // The 980 strangers are audited together: one event, their hashes only.
    const unknown = (await fixture.ledger.auditByTime(ALL_TIME)).filter((e) => e.reason === "detected_unknown");
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.details).toMatchObject({ channel: "partner", count: "980" });
    expect(unknown[0]!.details!.tokenHashes!.split(" ")).toHaveLength(980);
    expect(JSON.stringify(unknown)).not.toContain("other_");
  });

  it.each([
    { case: "no signature headers", headers: (_f: LeakFixture, _b: string) => ({}), status: 401, code: "missing_signature" },
    {
      case: "a wrong key id",
      headers: (f: LeakFixture, b: string) => ({
        "github-public-key-identifier": "a".repeat(64),
        "github-public-key-signature": f.github.signPartner(b),
      }),
      status: 401,
      code: "unknown_key",
    },
    {
      case: "a signature of another body",
      headers: (f: LeakFixture, _b: string) => ({
        "github-public-key-identifier": f.github.partnerKeyId,
        "github-public-key-signature": f.github.signPartner("[]"),
      }),
      status: 401,
      code: "invalid_signature",
    },
    {
      case: "a short signature",
      headers: (f: LeakFixture, _b: string) => ({
        "github-public-key-identifier": f.github.partnerKeyId,
        "github-public-key-signature": "MEQC",
      }),
      status: 401,
      code: "invalid_signature",
    },
    {
      case: "a wrong content type",
      headers: (f: LeakFixture, b: string) => ({
        "content-type": "text/plain",
        "github-public-key-identifier": f.github.partnerKeyId,
        "github-public-key-signature": f.github.signPartner(b),
      }),
      status: 415,
      code: "unsupported_media_type",
    },
  ])("$case → $status $code, nothing changed", async ({ headers, status, code }) => {
    const fixture = await createLeakFixture();
    const { secret, record } = await fixture.issue();
    const body = JSON.stringify([{ token: secret, type: "credvend_token" }]);
    const response = await fixture.app.request("/webhooks/github/secret-scanning/partner", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers(fixture, body) },
      body,
    });
    expect(response.status).toBe(status);
    expect(await json(response)).toEqual({ error: { code, message: expect.any(String) } });
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("active");
  });

  it.each([
    { case: "malformed JSON", body: "[{", code: "malformed_json" },
    { case: "an object instead of an array", body: JSON.stringify({ token: "x" }), code: "invalid_payload" },
    { case: "a token that is not a string", body: JSON.stringify([{ token: 42, type: "x" }]), code: "invalid_payload" },
    { case: "an entry that is not an object", body: JSON.stringify(["token"]), code: "invalid_payload" },
  ])("a signed body with $case → 400 $code", async ({ body, code }) => {
    const fixture = await createLeakFixture();
    const response = await fixture.app.request("/webhooks/github/secret-scanning/partner", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "github-public-key-identifier": fixture.github.partnerKeyId,
        "github-public-key-signature": fixture.github.signPartner(body),
      },
      body,
    });
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({ error: { code, message: expect.any(String) } });
    expect(await fixture.ledger.auditByTime(ALL_TIME)).toEqual([]);
  });

  it("a body over 1 MiB → 413", async () => {
    const fixture = await createLeakFixture();
    const body = JSON.stringify([{ token: "x".repeat(1024 * 1024), type: "t" }]);
    const response = await fixture.app.request("/webhooks/github/secret-scanning/partner", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "github-public-key-identifier": fixture.github.partnerKeyId,
        "github-public-key-signature": fixture.github.signPartner(body),
      },
      body,
    });
    expect(response.status).toBe(413);
  });
});

describe("notifier failures", () => {
  it("a notifier that throws does not fail the webhook, and the credential is still revoked once", async () => {
    const fixture = await createLeakFixture({
      ledger: new MemoryLedger(),
      notifier: {
        notify: async () => {
          throw new Error("SNS down");
        },
      },
    });
    const { secret, record } = await fixture.issue();
    const response = await fixture.deliverAlert(secret);
    expect(response.status).toBe(200);
    expect((await fixture.ledger.getCredential(record.credentialId))?.state).toBe("revoked");
    expect(fixture.logs.some((line) => line.includes("notifier failed"))).toBe(true);
  });
});
