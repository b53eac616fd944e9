// startLocalTokensWorker as the local stack runs it: a loopback port, the core's client with its
// default fetch, and /introspect over real HTTP.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { callerSecretSigner, createCallerSecret } from "../../cli/dev/worker-caller-secret.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { startLocalTokensWorker } from "../../plugin-workers/local-tokens/serve.js";
import type { LoopbackServer } from "../../plugin-workers/sdk/index.js";

let worker: LoopbackServer;
let client: GrpcWebPluginClient;

beforeAll(async () => {
  worker = await startLocalTokensWorker({ port: 0, host: "127.0.0.1", store: new MemoryLocalTokenStore() });
  client = new GrpcWebPluginClient({ name: "local-tokens", baseUrl: worker.url });
});
afterAll(() => worker.close());

async function introspect(token: string): Promise<{ active: boolean; scopes?: string[] }> {
  const response = await fetch(`${worker.url}/introspect`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { active: boolean; scopes?: string[] };
}

describe("local-tokens on a loopback port", () => {
  it("describes itself", async () => {
    const description = await client.describe();
    expect(description).toMatchObject({ name: "local-tokens", providers: ["local"] });
    expect(description.capabilities).toEqual(["validate", "analyze", "serialize", "prepare", "vend", "revoke"]);
  });

  it("vends, introspects and revokes over HTTP", async () => {
    const request = { scopes: [parseScope("local:read:billing")], subject: { repository: "acme/web" }, ttlSeconds: 120 };
    const prepared = await client.prepare(request);
    const vended = await client.vend({ ...request, credentialId: "loop-1", serialized: prepared.serialized!.serialized });
    const token = vended.credential.token!;
    expect(await introspect(token)).toMatchObject({ active: true, scopes: ["local:read:billing"] });
    await client.revoke({ credentialId: "loop-1", scopes: request.scopes, upstreamRef: vended.upstreamRef, expiresAt: vended.expiresAt });
    expect(await introspect(token)).toEqual({ active: false });
  });
});

describe("workers mint credentials for any caller: local-tokens on a loopback port with the core's secret", () => {
  it("answers gRPC only with the secret; /introspect and /healthz stay open to local services", async () => {
    const secret = createCallerSecret();
    const store = new MemoryLocalTokenStore();
    const guarded = await startLocalTokensWorker({ port: 0, store, callerSecret: secret });
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const request = { scopes: [parseScope("local:admin:*")], subject: { repository: "acme/web" }, ttlSeconds: 120 };
      const outsider = new GrpcWebPluginClient({ name: "local-tokens", baseUrl: guarded.url, maxRetries: 0 });
      await expect(outsider.prepare(request)).rejects.toThrow(/credvend core only/);
      expect(console.warn).toHaveBeenCalledWith("credvend plugin: refused Prepare from (local process): no caller secret");

      const core = new GrpcWebPluginClient({ name: "local-tokens", baseUrl: guarded.url, sign: callerSecretSigner(secret) });
      const prepared = await core.prepare(request);
      const vended = await core.vend({ ...request, credentialId: "guarded-1", serialized: prepared.serialized!.serialized });
      const answer = await fetch(`${guarded.url}/introspect`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: vended.credential.token }),
      });
      expect(await answer.json()).toMatchObject({ active: true, credential_id: "guarded-1" });
      expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
    } finally {
      vi.restoreAllMocks();
      await guarded.close();
    }
  });
});
