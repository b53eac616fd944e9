// The Lambda handler behind a Function URL: the client's calls travel as base64 events.
import { describe, expect, it } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { servePlugin } from "../../plugin-workers/sdk/index.js";
import { functionUrlEvent, VEND_ROLE_ARN, viaLambda } from "./plugin-sdk-lambda-fetch.js";
import { demoClaims, demoPlugin, demoScopes } from "./plugin-sdk-fixture.js";

describe("plugin Lambda handler (Function URL)", () => {
  it("round-trips describe, prepare and vend through base64 events", async () => {
    const { handler } = servePlugin(demoPlugin(), { allowedCallers: [VEND_ROLE_ARN] });
    const seen = { base64: [] as boolean[] };
    const client = new GrpcWebPluginClient({
      name: "demo",
      baseUrl: "https://abc.lambda-url.eu-west-1.on.aws",
      fetch: viaLambda(handler, seen),
    });
    expect((await client.describe()).name).toBe("demo");
    const prepared = await client.prepare({ scopes: demoScopes, subject: demoClaims, ttlSeconds: 60 });
    const vended = await client.vend({
      scopes: demoScopes,
      subject: demoClaims,
      ttlSeconds: 60,
      credentialId: "c9",
      serialized: prepared.serialized!.serialized,
    });
    expect(vended.credential).toEqual({ token: "demo-c9" });
    expect(seen.base64).toEqual([true, true, true]);
  });

  it("answers /healthz as JSON text", async () => {
    const { handler } = servePlugin(demoPlugin());
    const result = await handler(await functionUrlEvent(new Request("https://x/healthz")));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: "ok" });
  });
});
