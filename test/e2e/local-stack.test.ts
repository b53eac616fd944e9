// The whole path over real loopback HTTP and a real DynamoDB API server (dynalite):
// OIDC token → vend API → local-tokens worker (gRPC-web) → ledger → introspection.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import type { WorkerError } from "../../functions/core/errors.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";

const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");
// The hours around the test run: audit queries by time walk day buckets, so keep ranges real.
const ALL_TIME = { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 3600_000).toISOString() };

async function devToken(stack: LocalStack, repository = "acme/web", ref = "refs/heads/main"): Promise<string> {
  return stack.issuer.mint({ ...defaultDevClaims({ repository, ref }), repository, ref, audience: "credvend" });
}

async function vend(stack: LocalStack, token: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.url}/v1/vend`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function introspect(stack: LocalStack, token: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.workerUrl}/introspect`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe("local stack, end to end", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, policyYaml, logger: silentLogger, keyDir: mkdtempSync(join(tmpdir(), "credvend-e2e-")) });
  });
  afterAll(async () => stack?.close());

  it("vends over loopback, records the credential and its audit event, and the worker introspects the token", async () => {
    const { status, body } = await vend(stack, await devToken(stack), {
      scopes: ["local:read:billing", "local:write:billing"],
      ttlSeconds: 600,
    });
    expect(status).toBe(200);
    const token = (body.credential as { token: string }).token;
    expect(body).toMatchObject({ provider: "local", scopes: ["local:read:billing", "local:write:billing"], ttlSeconds: 600 });

    const record = await stack.ledger.findByTokenHash(tokenHash(token));
    expect(record).toMatchObject({ credentialId: body.credentialId, worker: "local-tokens", state: "active", revocable: true });
    expect(record?.expiresAt).toBe(body.expiresAt);
    const events = await stack.ledger.auditByCredential(String(body.credentialId));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "vend", repository: "acme/web", scopes: ["local:read:billing", "local:write:billing"] });

    const answer = await introspect(stack, token);
    expect(answer).toMatchObject({ active: true, credential_id: body.credentialId, repository: "acme/web" });
    expect(answer.scopes).toEqual(["local:read:billing", "local:write:billing"]);
    expect(answer.exp).toBe(Math.floor(Date.parse(String(body.expiresAt)) / 1000));
  });

  it("denies what the sample policy does not allow, audited, and nothing is issued", async () => {
    const before = (await stack.ledger.auditByTime(ALL_TIME)).length;
    const { status, body } = await vend(stack, await devToken(stack), { scopes: ["local:admin:billing"] });
    expect(status).toBe(403);
    expect(body).toEqual({ error: { code: "scope_denied", message: expect.stringContaining("local:admin:billing") } });
    const events = await stack.ledger.auditByTime(ALL_TIME);
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({ type: "deny", reason: "scope_denied" });
  });

  it("denies a feature branch of the same repository", async () => {
    const { status } = await vend(stack, await devToken(stack, "acme/web", "refs/heads/feature"), { scopes: ["local:read:billing"] });
    expect(status).toBe(403);
  });

  it("an unknown token introspects as inactive", async () => {
    expect(await introspect(stack, "cvd_000000000000000000000000000000000000")).toEqual({ active: false });
  });

  it("workers mint credentials for any caller: a local process calling a worker's port directly gets 403, the core still vends", async () => {
    const before = (await stack.ledger.auditByTime(ALL_TIME)).length;
    const direct = await fetch(`${stack.workerUrl}/credvend.plugin.v1.PluginService/Vend`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    });
    expect(direct.status).toBe(403);
    expect(await direct.json()).toMatchObject({ error: { code: "permission_denied" } });
    // The core's own client, but without the stack's secret: Prepare is refused before any step.
    const outsider = new GrpcWebPluginClient({ name: "local-tokens", baseUrl: stack.workerUrl, maxRetries: 0 });
    const request = { scopes: [parseScope("local:admin:*")], subject: { repository: "acme/web" }, ttlSeconds: 600 };
    const refused = (await outsider.prepare(request).catch((e: unknown) => e)) as WorkerError;
    expect(refused.message).toContain("accepts calls from the credvend core only");
    const forged = await outsider.vend({ ...request, credentialId: "forged-1", serialized: new Uint8Array() }).catch((e: unknown) => e);
    expect((forged as WorkerError).message).toContain("accepts calls from the credvend core only");
    await expect(outsider.revoke({ credentialId: "any", scopes: [], upstreamRef: "any", expiresAt: new Date() })).rejects.toThrow(
      /credvend core only/,
    );

    const { status } = await vend(stack, await devToken(stack), { scopes: ["local:read:billing"] });
    expect(status).toBe(200);
    expect((await stack.ledger.auditByTime(ALL_TIME)).length).toBe(before + 1); // the core's vend only
  });
});

describe("local stack persistence", () => {
  it("a second start reuses the data and the dev issuer key", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "credvend-data-"));
    const first = await startLocalStack({ dataDir, port: 0, policyYaml, logger: silentLogger });
    let token: string;
    let credentialId: unknown;
    try {
      const vended = await vend(first, await devToken(first), { scopes: ["local:read:billing"] });
      expect(vended.status).toBe(200);
      token = (vended.body.credential as { token: string }).token;
      credentialId = vended.body.credentialId;
    } finally {
      await first.close();
    }
    const second = await startLocalStack({ dataDir, port: 0, policyYaml, logger: silentLogger });
    try {
      expect(second.issuer.kid).toBe(first.issuer.kid);
      expect((await second.ledger.findByTokenHash(tokenHash(token)))?.credentialId).toBe(credentialId);
      expect(await introspect(second, token)).toMatchObject({ active: true, credential_id: credentialId });
    } finally {
      await second.close();
    }
  });
});
