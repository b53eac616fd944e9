// The worker client the functions compose: the gRPC-web transport loaded on the first call, not at
// cold start. Nothing goes to the worker until a step is asked for, and every step then reaches it.
import { describe, expect, it } from "vitest";
import { lazyGrpcWebPluginClient } from "../../functions/adapters/plugins/lazy-grpc-web-plugin-client.js";
import { servePlugin } from "../../plugin-workers/sdk/index.js";
import { demoPlugin, demoScopes } from "./plugin-sdk-fixture.js";

function lazyClientOfDemo() {
  const plugin = demoPlugin();
  const { app } = servePlugin(plugin, { onError: () => undefined });
  const paths: string[] = [];
  const client = lazyGrpcWebPluginClient({
    name: "demo",
    baseUrl: "http://worker.test",
    fetch: async (input, init) => {
      const request = new Request(input, init);
      paths.push(new URL(request.url).pathname.split("/").pop()!);
      return app.fetch(request);
    },
    maxRetries: 0,
  });
  return { client, plugin, paths };
}

describe("lazyGrpcWebPluginClient", () => {
  it("sends nothing when built, then every step reaches the worker over gRPC-web", async () => {
    const { client, plugin, paths } = lazyClientOfDemo();
    expect(client.name).toBe("demo");
    expect(paths).toEqual([]);

    expect((await client.describe()).name).toBe("demo");
    const request = { scopes: demoScopes, subject: {}, ttlSeconds: 60 };
    expect((await client.validate(demoScopes)).map((v) => v.valid)).toEqual(demoScopes.map((s) => s.action === "read"));
    expect(await client.analyze(request)).toHaveLength(demoScopes.length);
    expect((await client.serialize(request)).mediaType).toBe("application/json");
    const vended = await client.vend({ ...request, scopes: [demoScopes[0]!], credentialId: "c1", serialized: new Uint8Array() });
    expect(vended.upstreamRef).toBe("ref-c1");
    expect(
      (await client.revoke({ credentialId: "gone", scopes: [demoScopes[0]!], upstreamRef: "ref-gone", expiresAt: new Date() })).outcome,
    ).toBe("already_gone");

    expect(paths).toEqual(["Describe", "ValidateScope", "AnalyzeScope", "SerializeScope", "Vend", "Revoke"]);
    expect(plugin.calls.vend).toHaveLength(1);
  });
});
