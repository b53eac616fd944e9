import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, importJWK, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { DEV_KEY_FILE } from "../../cli/dev/dev-oidc-issuer.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { servePlugin, listenOnLoopback } from "../../plugin-workers/sdk/index.js";
import { createLocalTokensWorker } from "../../plugin-workers/local-tokens/worker.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import type { PluginClient } from "../../functions/core/ports/plugin-client.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { expectStagesWithinTotal, parseServerTiming } from "../support/server-timing.js";
import { ALL_TIME, ISSUER, createVendFixture, type VendFixture } from "../support/vend-fixture.js";

async function json(response: Response): Promise<{ error?: { code: string; message: string } } & Record<string, unknown>> {
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return (await response.json()) as { error?: { code: string; message: string } } & Record<string, unknown>;
}

async function expectNothingRecorded(fixture: VendFixture): Promise<void> {
  const events = await fixture.ledger.auditByTime(ALL_TIME);
  expect(events.filter((e) => e.type === "vend")).toEqual([]);
}

describe("POST /v1/vend", () => {
  it("vends a credential, records it by hash and audits the vend", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.vend({ scopes: ["local:read:billing"], ttlSeconds: 600 });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await json(response);
    expect(body).toMatchObject({ provider: "local", scopes: ["local:read:billing"], ttlSeconds: 600 });
    const token = (body.credential as { token: string }).token;
    expect(token).toMatch(/^cvd_/);

    const record = await fixture.ledger.findByTokenHash(tokenHash(token));
    expect(record).toMatchObject({ credentialId: body.credentialId, provider: "local", revocable: true, state: "active" });
    expect(record?.subject).toMatchObject({ repository: "acme/web", ref: "refs/heads/main" });
    expect(JSON.stringify(record)).not.toContain(token);
    const events = await fixture.ledger.auditByCredential(String(body.credentialId));
    expect(events.map((e) => e.type)).toEqual(["vend"]);
    expect(JSON.stringify(events)).not.toContain(token);
    expect(fixture.logs.join("\n")).not.toContain(token);
  });

  // Regression: 7200 s came back as 900 s with `notes: []`: the caller could not tell why.
  it("TTL narrowed by the policy is reported in notes, naming the rule (regression: silent TTL narrowing)", async () => {
    const fixture = await createVendFixture();
    const body = await json(await fixture.vend({ scopes: ["local:write:billing"], ttlSeconds: 7200 }));
    expect(body.ttlSeconds).toBe(900);
    expect(body.notes).toEqual(["ttlSeconds 7200 narrowed to 900 by the policy's maxTtl (rule web-main)"]);
    expect(JSON.stringify(body.notes)).not.toContain((body.credential as { token: string }).token);
  });

  it("TTL clamped by the worker's maximum is reported in notes, beside the worker's own", async () => {
    const localTokens = createLocalTokensWorker({ store: new MemoryLocalTokenStore(), maxTtlSeconds: 300 });
    const fixture = await createVendFixture({ worker: inMemoryWorkerClient(localTokens) });
    const body = await json(await fixture.vend({ scopes: ["local:read:billing"], ttlSeconds: 600 }));
    expect(body.ttlSeconds).toBe(600);
    expect(body.notes).toEqual([
      expect.stringMatching(/^ttlSeconds 600 clamped to 300 by the local-tokens worker's maximum \(expires \d{4}-\d\d-\d\dT[\d:.]+Z\)$/),
      "ttl clamped from 600s to the local-tokens maximum of 300s",
    ]);
    const lifetime = Date.parse(String(body.expiresAt)) - Date.now();
    expect(lifetime).toBeLessThanOrEqual(300_000);
  });

  it("a TTL within the policy's maxTtl, or none, comes back as asked with no TTL note", async () => {
    const fixture = await createVendFixture();
    const asked = await json(await fixture.vend({ scopes: ["local:read:billing"], ttlSeconds: 900 }));
    expect([asked.ttlSeconds, asked.notes]).toEqual([900, []]);
    const unasked = await json(await fixture.vend({ scopes: ["local:read:billing"] }));
    expect([unasked.ttlSeconds, unasked.notes]).toEqual([900, []]);
  });

  it.each([30, 99999])("ttlSeconds %i is out of range: 400 stating the accepted range, nothing recorded", async (ttlSeconds) => {
    const fixture = await createVendFixture();
    const response = await fixture.vend({ scopes: ["local:read:billing"], ttlSeconds });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toEqual({
      code: "invalid_request",
      message: "ttlSeconds: must be a whole number from 60 to 43200 (the policy may narrow it further)",
    });
    const query = await fixture.app.request(`/v1/aws/container-credentials?scope=local:read:billing&ttlSeconds=${ttlSeconds}`, {
      headers: { authorization: `Bearer ${await fixture.token()}` },
    });
    expect(query.status).toBe(400);
    expect((await json(query)).error?.message).toContain("from 60 to 43200");
    expect(await fixture.ledger.auditByTime(ALL_TIME)).toEqual([]);
  });

  it("narrows a TTL over the policy's max instead of refusing it", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.vend({ scopes: ["local:write:billing"], ttlSeconds: 7200 });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.ttlSeconds).toBe(900);
    const lifetime = Date.parse(String(body.expiresAt)) - Date.now();
    expect(lifetime).toBeGreaterThan(890_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
  });

  it.each(["../release", "acme/release", "Release", `r${"x".repeat(63)}`, ""])(
    "refuses identity %j with a 400 JSON error, before any token check or worker call, recording nothing",
    async (identity) => {
      const fixture = await createVendFixture();
      const response = await fixture.vend({ scopes: ["local:read:billing"], identity });
      expect(response.status).toBe(400);
      const body = await json(response);
      expect(body.error).toMatchObject({ code: "invalid_request" });
      expect(body.error?.message).toMatch(/^identity: /);
      await expectNothingRecorded(fixture);
    },
  );

  it("answers 403 naming the denied scope, and audits the denial", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.vend({ scopes: ["local:read:billing", "local:admin:billing"] });
    expect(response.status).toBe(403);
    const body = await json(response);
    expect(body.error).toMatchObject({ code: "scope_denied" });
    expect(body.error?.message).toContain("local:admin:billing");
    expect(body.error?.message).not.toContain("local:read:billing");
    const events = await fixture.ledger.auditByRepository("acme/web", ALL_TIME);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "deny", reason: "scope_denied", details: { denied: "local:admin:billing" } });
  });

  it("denies a repository no rule names: 403 no_matching_rule, audited as the hour's summary of its owner", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.vend({ scopes: ["local:read:billing"] }, await fixture.token({ repository: "acme/api" }));
    expect(response.status).toBe(403);
    const { error } = await json(response);
    expect(error).toMatchObject({ code: "no_matching_rule", message: expect.stringContaining("local:read:billing") });
    expect(error?.message).toContain("no rule names this repository or its owner");
    const events = await fixture.ledger.auditByTime(ALL_TIME);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "deny_flood",
      reason: "no_matching_rule",
      repository: "acme/api",
      scopes: ["local:read:billing"],
    });
  });

  it("denies another workflow of a repository a rule names: 403 scope_denied, audited in full", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.vend({ scopes: ["local:read:billing"] }, await fixture.token({ ref: "refs/heads/feature" }));
    expect(response.status).toBe(403);
    expect((await json(response)).error).toMatchObject({
      code: "scope_denied",
      message: expect.stringContaining("no rule matches this workflow"),
    });
    expect((await fixture.ledger.auditByTime(ALL_TIME)).map((e) => e.type)).toEqual(["deny"]);
  });

  it.each([
    { name: "malformed JSON", body: "{", type: "application/json", status: 400, code: "malformed_json" },
    { name: "wrong content type", body: "{}", type: "text/plain", status: 415, code: "unsupported_media_type" },
    {
      name: "body over the limit",
      body: JSON.stringify({ scopes: ["local:read:x"], pad: "x".repeat(20_000) }),
      type: "application/json",
      status: 413,
      code: "payload_too_large",
    },
    { name: "not an object", body: "[]", type: "application/json", status: 400, code: "invalid_request" },
    {
      name: "unknown field",
      body: '{"scopes":["local:read:x"],"role":"admin"}',
      type: "application/json",
      status: 400,
      code: "invalid_request",
    },
    { name: "no scopes", body: '{"scopes":[]}', type: "application/json", status: 400, code: "invalid_request" },
    { name: "scope not a string", body: '{"scopes":[1]}', type: "application/json", status: 400, code: "invalid_request" },
    {
      name: "ttl not a number",
      body: '{"scopes":["local:read:x"],"ttlSeconds":"900"}',
      type: "application/json",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "ttl too short",
      body: '{"scopes":["local:read:x"],"ttlSeconds":5}',
      type: "application/json",
      status: 400,
      code: "invalid_request",
    },
    { name: "bad scope grammar", body: '{"scopes":["local:read"]}', type: "application/json", status: 400, code: "invalid_scope" },
    { name: "unknown provider", body: '{"scopes":["nope:read:x"]}', type: "application/json", status: 400, code: "unknown_provider" },
    {
      name: "mixed providers",
      body: '{"scopes":["local:read:x","aws:s3-read:b"]}',
      type: "application/json",
      status: 400,
      code: "mixed_providers",
    },
    {
      name: "invalid for the provider",
      body: '{"scopes":["local:read:Bad_Name"]}',
      type: "application/json",
      status: 400,
      code: "invalid_scope",
    },
  ])("$name → $status $code, nothing changed", async ({ body, type, status, code }) => {
    const fixture = await createVendFixture();
    const response = await fixture.app.request("/v1/vend", {
      method: "POST",
      headers: { "content-type": type, authorization: `Bearer ${await fixture.token()}` },
      body,
    });
    expect(response.status).toBe(status);
    expect((await json(response)).error?.code).toBe(code);
    expect(await fixture.ledger.auditByTime(ALL_TIME)).toEqual([]);
  });
});

// Review finding: a policy `*` in the action slot crossed ':' into the resource (S3 keys may hold ':').
describe("POST /v1/vend: policy patterns are matched segment by segment", () => {
  const POLICY = `
version: 1
audience: credvend
issuers: [${ISSUER}]
rules:
  - name: web-builds
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["aws:s3-*:acme-web-assets/builds/*"]
    maxTtl: 15m
`;
  // Records every call; answers Prepare with "invalid" so an allowed request stops there.
  function recordingWorker(calls: string[]): PluginClient {
    const refuse = (step: string) => async (): Promise<never> => {
      calls.push(step);
      throw new Error(`${step} was not expected`);
    };
    return {
      name: "aws-recorder",
      describe: refuse("Describe"),
      vend: refuse("Vend"),
      revoke: refuse("Revoke"),
      prepare: async (request) => {
        calls.push("Prepare");
        return { validations: request.scopes.map((scope) => ({ scope, valid: false, error: "recorder" })), analyses: [] };
      },
    };
  }

  it("action wildcard does not cross ':' into the resource (victim-bucket): 403, audited, no worker call", async () => {
    const calls: string[] = [];
    const fixture = await createVendFixture({ policy: POLICY, otherWorkers: [{ client: recordingWorker(calls), providers: ["aws"] }] });
    const smuggled = "aws:s3-write:victim-bucket/x:acme-web-assets/builds/*";
    const response = await fixture.vend({ scopes: [smuggled] });
    expect(response.status).toBe(403);
    const body = await json(response);
    expect(body.error).toMatchObject({ code: "scope_denied" });
    expect(body.error?.message).toContain(smuggled);
    expect(calls).toEqual([]);
    const events = await fixture.ledger.auditByTime(ALL_TIME);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "deny",
      reason: "scope_denied",
      repository: "acme/web",
      scopes: [smuggled],
      details: { denied: smuggled },
    });

    // The same pattern still lets the intended request through to the worker.
    const allowed = await fixture.vend({ scopes: ["aws:s3-write:acme-web-assets/builds/1.zip"] });
    expect(allowed.status).toBe(400);
    expect(calls).toEqual(["Prepare"]);
  });
});

describe("POST /v1/vend authentication", () => {
  async function signWithDevKey(
    fixture: VendFixture,
    claims: Record<string, unknown>,
    header: Record<string, unknown> = {},
  ): Promise<string> {
    const jwk = JSON.parse(readFileSync(join(fixture.keyDir, DEV_KEY_FILE), "utf8")) as JWK;
    const key = await importJWK(jwk, "RS256");
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ repository: "acme/web", ref: "refs/heads/main", ...claims })
      .setProtectedHeader({ alg: "RS256", kid: fixture.issuer.kid, ...header })
      .setIssuer(String(claims.iss ?? ISSUER))
      .setAudience(String(claims.aud ?? "credvend"))
      .setIssuedAt(Number(claims.iat ?? now))
      .setNotBefore(Number(claims.nbf ?? now))
      .setExpirationTime(Number(claims.exp ?? now + 600))
      .sign(key);
  }
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = () => Math.floor(Date.now() / 1000);

  const cases: { name: string; token: (f: VendFixture) => Promise<string | undefined>; code: string }[] = [
    { name: "missing token", token: async () => undefined, code: "missing_token" },
    { name: "garbage", token: async () => "not-a-jwt", code: "invalid_token" },
    {
      name: "expired",
      token: (f) => signWithDevKey(f, { iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }),
      code: "invalid_token",
    },
    { name: "not yet valid", token: (f) => signWithDevKey(f, { nbf: now() + 3600, exp: now() + 7200 }), code: "invalid_token" },
    { name: "wrong audience", token: (f) => f.token({ audience: "someone-else" }), code: "invalid_token" },
    { name: "wrong issuer", token: (f) => signWithDevKey(f, { iss: "https://evil.test" }), code: "invalid_token" },
    { name: "unknown kid", token: (f) => signWithDevKey(f, {}, { kid: "unknown-kid" }), code: "invalid_token" },
    {
      name: "alg none",
      token: async () =>
        `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss: ISSUER, aud: "credvend", repository: "acme/web", ref: "refs/heads/main", exp: now() + 600, iat: now() })}.`,
      code: "invalid_token",
    },
    {
      name: "HS256",
      token: async (f) =>
        new SignJWT({ repository: "acme/web", ref: "refs/heads/main" })
          .setProtectedHeader({ alg: "HS256", kid: f.issuer.kid })
          .setIssuer(ISSUER)
          .setAudience("credvend")
          .setIssuedAt()
          .setExpirationTime("10m")
          .sign(new TextEncoder().encode(JSON.stringify(f.issuer.jwks().keys[0]))),
      code: "invalid_token",
    },
  ];

  it.each(cases)("$name → 401 without detail, nothing changed", async ({ token, code }) => {
    const fixture = await createVendFixture();
    const bearer = await token(fixture);
    const response = await fixture.app.request("/v1/vend", {
      method: "POST",
      headers: { "content-type": "application/json", ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }) },
      body: JSON.stringify({ scopes: ["local:read:billing"] }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    const body = await json(response);
    expect(body.error?.code).toBe(code);
    if (code === "invalid_token") expect(body.error?.message).toBe("invalid or expired token");
    if (bearer) {
      expect(JSON.stringify(body)).not.toContain(bearer);
      expect(fixture.logs.join("\n")).not.toContain(bearer);
    }
    expect(await fixture.ledger.auditByTime(ALL_TIME)).toEqual([]);
  });

  it("answers 503 when the issuer's keys cannot be fetched", async () => {
    const fixture = await createVendFixture({ issuerFetch: async () => Promise.reject(new TypeError("fetch failed: ECONNREFUSED")) });
    const response = await fixture.vend({ scopes: ["local:read:billing"] });
    expect(response.status).toBe(503);
    expect((await json(response)).error?.code).toBe("jwks_unavailable");
    await expectNothingRecorded(fixture);
  });
});

describe("POST /v1/vend when the worker fails", () => {
  it("answers 503 when the worker is down, and records nothing as vended", async () => {
    const down = await listenOnLoopback(servePlugin(createLocalTokensWorker({ store: new MemoryLocalTokenStore() })).app);
    await down.close();
    const worker = new GrpcWebPluginClient({ name: "local-tokens", baseUrl: down.url, timeoutMs: 1000, maxRetries: 0 });
    const fixture = await createVendFixture({ worker });
    const response = await fixture.vend({ scopes: ["local:read:billing"] });
    expect(response.status).toBe(503);
    const body = await json(response);
    expect(body.error?.code).toBe("worker_unavailable");
    expect(body.error?.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    await expectNothingRecorded(fixture);
  });

  it("answers 504 within the deadline when the worker hangs in Vend, and records nothing as vended", async () => {
    const store = new MemoryLocalTokenStore();
    const real = createLocalTokensWorker({ store });
    const hanging = { ...real, vend: () => new Promise<never>(() => undefined) };
    const server = await listenOnLoopback(servePlugin(hanging).app);
    try {
      const worker = new GrpcWebPluginClient({ name: "local-tokens", baseUrl: server.url, timeoutMs: 300 });
      const fixture = await createVendFixture({ worker });
      const started = Date.now();
      const response = await fixture.vend({ scopes: ["local:read:billing"] });
      expect(response.status).toBe(504);
      expect((await json(response)).error?.code).toBe("worker_timeout");
      expect(Date.now() - started).toBeLessThan(3000);
      await expectNothingRecorded(fixture);
      const failures = (await fixture.ledger.auditByTime(ALL_TIME)).filter((e) => e.type === "failure");
      expect(failures).toHaveLength(1);
      expect(failures[0]?.reason).toBe("worker_timeout");
    } finally {
      await server.close();
    }
  });
});

describe("Server-Timing: where a vend's milliseconds go", () => {
  it("a vend answers every stage (oidc, policy, each worker call, ledger, total), well-formed and summing within the total", async () => {
    const fixture = await createVendFixture();
    const token = await fixture.token();
    const response = await fixture.vend({ scopes: ["local:read:billing"] }, token);
    expect(response.status).toBe(200);
    const header = response.headers.get("server-timing");
    const entries = parseServerTiming(header);
    expect([...entries.keys()]).toEqual(["oidc", "plugins", "policy", "worker-prepare", "worker-vend", "ledger", "total"]);
    expectStagesWithinTotal(entries);
    // The worker round trips take real time on loopback: a stage that never ran would read 0.
    expect(entries.get("worker-vend")).toBeGreaterThan(0);

    // Names and durations only: nothing of the caller's token, the credential or the request.
    const body = await json(response);
    for (const value of [token, (body.credential as { token: string }).token, String(body.credentialId), "billing", "acme"])
      expect(header).not.toContain(value);
  });

  it("the vend's log line carries the same durations as the header", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.vend({ scopes: ["local:read:billing"] });
    const entries = parseServerTiming(response.headers.get("server-timing"));
    const vended = fixture.logs
      .map((line) => JSON.parse(line) as { message: string; timingMs?: unknown })
      .find((l) => l.message === "vended");
    expect(vended?.timingMs).toEqual(Object.fromEntries(entries));
  });

  it("a denial carries the stages that ran: oidc, policy, the audit write (ledger), no worker call", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.vend({ scopes: ["local:admin:billing"] });
    expect(response.status).toBe(403);
    const entries = parseServerTiming(response.headers.get("server-timing"));
    expect([...entries.keys()]).toEqual(["oidc", "plugins", "policy", "ledger", "total"]);
    expectStagesWithinTotal(entries);
  });

  it("a rejected token carries oidc and total; a malformed body before any stage carries total only", async () => {
    const fixture = await createVendFixture();
    const unauthenticated = await fixture.vend({ scopes: ["local:read:billing"] }, "not-a-jwt");
    expect(unauthenticated.status).toBe(401);
    expect([...parseServerTiming(unauthenticated.headers.get("server-timing")).keys()]).toEqual(["oidc", "total"]);
    const malformed = await fixture.vend("{");
    expect(malformed.status).toBe(400);
    expect([...parseServerTiming(malformed.headers.get("server-timing")).keys()]).toEqual(["total"]);
  });

  it("a worker failure carries the worker call that failed", async () => {
    const down = await listenOnLoopback(servePlugin(createLocalTokensWorker({ store: new MemoryLocalTokenStore() })).app);
    await down.close();
    const worker = new GrpcWebPluginClient({ name: "local-tokens", baseUrl: down.url, timeoutMs: 1000, maxRetries: 0 });
    const fixture = await createVendFixture({ worker });
    const response = await fixture.vend({ scopes: ["local:read:billing"] });
    expect(response.status).toBe(503);
    const entries = parseServerTiming(response.headers.get("server-timing"));
    expect([...entries.keys()]).toEqual(["oidc", "plugins", "policy", "worker-prepare", "total"]);
    expectStagesWithinTotal(entries);
  });

  it("the container-credentials route carries it too", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.app.request("/v1/aws/container-credentials?scope=aws:s3-read:bucket", {
      headers: { authorization: await fixture.token() },
    });
    // No aws worker in this fixture: the stages up to the worker lookup ran (the 200 is in
    // test/integration/container-credentials.test.ts).
    expect(response.status).toBe(400);
    expect([...parseServerTiming(response.headers.get("server-timing")).keys()]).toEqual(["oidc", "plugins", "total"]);
  });

  it("routes that vend nothing carry no Server-Timing", async () => {
    const fixture = await createVendFixture();
    expect((await fixture.app.request("/healthz")).headers.get("server-timing")).toBeNull();
  });
});

describe("other routes", () => {
  it("GET /healthz", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.app.request("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("unknown route → JSON 404", async () => {
    const fixture = await createVendFixture();
    const response = await fixture.app.request("/v1/nope");
    expect(response.status).toBe(404);
    expect((await json(response)).error?.code).toBe("not_found");
  });
});
