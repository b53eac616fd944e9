// startLocalTokensWorker as the local stack runs it: a loopback port, the core's client with its
// default fetch, and /introspect over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
