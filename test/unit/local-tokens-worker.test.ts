// local-tokens end to end in memory: the plugin RPCs through the SDK harness, /introspect through
// the same app, a settable clock for expiry.
import { describe, expect, it } from "vitest";
import type { Clock } from "../../functions/core/ports/clock.js";
import { WorkerError } from "../../functions/core/errors.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { createLocalTokensWorker } from "../../plugin-workers/local-tokens/worker.js";
import { serveIntrospection } from "../../plugin-workers/local-tokens/introspect.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";

const T0 = Date.UTC(2030, 0, 1);

function setup() {
  const now = { ms: T0 };
  const clock: Clock = { now: () => new Date(now.ms) };
  const store = new MemoryLocalTokenStore();
  const worker = createLocalTokensWorker({ store, clock });
  const client = inMemoryWorkerClient(worker, { routes: worker.routes });
  const { app } = serveIntrospection(store, clock);
  const introspect = async (body: unknown, contentType = "application/json") => {
    const response = await app.request("/introspect", {
      method: "POST",
      headers: { "content-type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text(), cacheControl: response.headers.get("cache-control") };
  };
  const vend = async (scopes: string[], ttlSeconds = 900, credentialId = "cred-1") => {
    const request = { scopes: scopes.map(parseScope), subject: { repository: "acme/web", ref: "refs/heads/main" }, ttlSeconds };
    const prepared = await client.prepare(request);
    return client.vend({ ...request, credentialId, serialized: prepared.serialized!.serialized });
  };
  return { now, store, client, introspect, vend };
}

describe("local-tokens validate", () => {
  const cases: { name: string; scope: string; error?: RegExp }[] = [
    { name: "read", scope: "local:read:billing" },
    { name: "write with digits and dashes", scope: "local:write:svc-2" },
    { name: "admin", scope: "local:admin:billing" },
    { name: "every service", scope: "local:read:*" },
    { name: "63 characters", scope: `local:read:${"a".repeat(63)}` },
    { name: "64 characters", scope: `local:read:${"a".repeat(64)}`, error: /invalid service name/ },
    { name: "unknown action", scope: "local:delete:billing", error: /unknown action "delete": expected one of read, write, admin/ },
    { name: "other provider", scope: "aws:read:billing", error: /provider "aws" is not served by local-tokens/ },
    { name: "upper case", scope: "local:read:Billing", error: /must be lower-case/ },
    { name: "leading dash", scope: "local:read:-billing", error: /invalid service name/ },
    { name: "trailing dash", scope: "local:read:billing-", error: /invalid service name/ },
    { name: "path", scope: "local:read:billing/x", error: /invalid service name/ },
    { name: "partial wildcard", scope: "local:read:bill*", error: /invalid service name/ },
  ];
  for (const { name, scope, error } of cases) {
    it(`${error ? "rejects" : "accepts"} ${name}`, async () => {
      const [result] = await setup().client.validate([parseScope(scope)]);
      expect(result!.valid).toBe(!error);
      if (error) expect(result!.error).toMatch(error);
      else expect(result!.normalized).toEqual(parseScope(scope));
    });
  }
});

describe("local-tokens analyze and serialize", () => {
  it("rates * high and admin medium, with warnings", async () => {
    const analyses = await setup().client.analyze({
      scopes: ["local:read:billing", "local:admin:billing", "local:read:*"].map(parseScope),
      subject: {},
      ttlSeconds: 60,
    });
    expect(analyses.map((a) => a.risk)).toEqual(["low", "medium", "high"]);
    expect(analyses[0]!.warnings).toEqual([]);
    expect(analyses[1]!.warnings.join()).toMatch(/admin/);
    expect(analyses[2]!.warnings.join()).toMatch(/every internal service/);
  });

  it("serializes a sorted, de-duplicated JSON permission set", async () => {
    const serialized = await setup().client.serialize({
      scopes: ["local:write:web", "local:read:billing", "local:read:web", "local:read:billing"].map(parseScope),
      subject: {},
      ttlSeconds: 60,
    });
    expect(serialized.mediaType).toBe("application/vnd.credvend.local-tokens.permissions+json");
    expect(JSON.parse(new TextDecoder().decode(serialized.serialized))).toEqual({
      version: 1,
      grants: [
        { service: "billing", access: "read" },
        { service: "web", access: "read" },
        { service: "web", access: "write" },
      ],
    });
  });
});

describe("local-tokens vend, introspect, revoke", () => {
  it("vends a token that introspects active with its scopes and expiry", async () => {
    const { introspect, vend } = setup();
    const result = await vend(["local:read:billing", "local:write:billing"], 600);
    expect(result.revocable).toBe(true);
    expect(result.upstreamRef).toBe("cred-1");
    // Every token is revoked by the worker itself: there is no page to revoke one by hand.
    expect(result).not.toHaveProperty("manualRevocationUrl");
    expect(result.expiresAt).toEqual(new Date(T0 + 600_000));
    const token = result.credential.token!;
    const answer = await introspect({ token });
    expect(answer.status).toBe(200);
    expect(answer.cacheControl).toBe("no-store");
    expect(JSON.parse(answer.text)).toEqual({
      active: true,
      scopes: ["local:read:billing", "local:write:billing"],
      exp: T0 / 1000 + 600,
      iat: T0 / 1000,
      credential_id: "cred-1",
      repository: "acme/web",
    });
    expect(answer.text).not.toContain(token);
  });

  it("revokes: introspection turns inactive and a second revoke is already_gone", async () => {
    const { client, introspect, vend } = setup();
    const vended = await vend(["local:read:billing"]);
    const request = { credentialId: "cred-1", scopes: [], upstreamRef: vended.upstreamRef, expiresAt: vended.expiresAt };
    expect(await client.revoke(request)).toEqual({ outcome: "revoked", detail: "token revoked" });
    expect(JSON.parse((await introspect({ token: vended.credential.token })).text)).toEqual({ active: false });
    expect((await client.revoke(request)).outcome).toBe("already_gone");
  });

  it("treats an expired token as inactive and its revoke as already_gone", async () => {
    const { client, introspect, now, vend } = setup();
    const vended = await vend(["local:read:billing"], 60);
    now.ms = T0 + 60_000;
    expect(JSON.parse((await introspect({ token: vended.credential.token })).text)).toEqual({ active: false });
    const outcome = await client.revoke({ credentialId: "cred-1", scopes: [], upstreamRef: "cred-1", expiresAt: vended.expiresAt });
    expect(outcome).toEqual({ outcome: "already_gone", detail: "expired" });
  });

  it("answers inactive for unknown tokens and bad checksums, already_gone for unknown credentials", async () => {
    const { client, introspect, vend } = setup();
    const { token } = (await vend(["local:read:billing"])).credential;
    const flipped = token!.slice(0, 10) + (token![10] === "a" ? "b" : "a") + token!.slice(11);
    for (const candidate of ["cvd_abcdefghijklmnopqrstuvwxyz01232LolCm", flipped, "not-a-token"]) {
      expect(JSON.parse((await introspect({ token: candidate })).text)).toEqual({ active: false });
    }
    const outcome = await client.revoke({ credentialId: "nope", scopes: [], upstreamRef: "nope", expiresAt: new Date() });
    expect(outcome.outcome).toBe("already_gone");
  });

  it("answers a malformed introspection request with a JSON error", async () => {
    const { introspect } = setup();
    for (const body of ["{not json", "[]", JSON.stringify({ token: 42 }), JSON.stringify({})]) {
      const answer = await introspect(body);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toEqual({ error: { code: "invalid_request", message: expect.any(String) } });
    }
    expect((await introspect({ token: "x" }, "text/plain")).status).toBe(415);
    expect((await introspect({ token: "x".repeat(10_000) })).status).toBe(413);
  });

  it("clamps a long TTL with a note", async () => {
    const result = await setup().vend(["local:read:billing"], 7 * 24 * 3600);
    expect(result.expiresAt).toEqual(new Date(T0 + 12 * 3600 * 1000));
    expect(result.notes.join()).toMatch(/clamped/);
  });

  it("refuses a permission set that does not match the scopes, and a reused credential id", async () => {
    const { client, vend } = setup();
    const request = { scopes: [parseScope("local:admin:*")], subject: {}, ttlSeconds: 60, credentialId: "c2" };
    const forged = new TextEncoder().encode(JSON.stringify({ version: 1, grants: [{ service: "billing", access: "read" }] }));
    const error = await client.vend({ ...request, serialized: forged }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).kind).toBe("invalid_request");
    await vend(["local:read:billing"], 60, "same");
    const again = await vend(["local:read:billing"], 60, "same").catch((e: unknown) => e);
    expect((again as WorkerError).message).toBe("credential id already used");
  });
});
