// The SDK's test client, as a plugin author uses it: no broker code, the worker's own errors back.
import { describe, expect, it } from "vitest";
import { createPluginTestClient, GENERIC_INTERNAL_MESSAGE, PluginError, type PluginErrorCode } from "../../plugin-workers/sdk/index.js";
import { demoPlugin } from "./plugin-sdk-fixture.js";

const quiet = { onError: () => undefined };
const vendRequest = {
  credentialId: "c-1",
  scopes: [{ provider: "demo", action: "read", resource: "x" }],
  subject: { repository: "acme/web" },
  ttlSeconds: 60,
  serialized: new Uint8Array(),
};

async function rejection(promise: Promise<unknown>): Promise<PluginError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginError);
  return error as PluginError;
}

describe("createPluginTestClient (SDK)", () => {
  it("runs every step through gRPC-web and answers in the contract's types", async () => {
    const client = createPluginTestClient(demoPlugin());
    expect((await client.describe()).name).toBe("demo");
    expect(await client.validate([{ provider: "demo", action: "read", resource: "X" }])).toMatchObject([
      { valid: true, normalized: { resource: "x" } },
    ]);
    const vended = await client.vend(vendRequest);
    expect(vended).toMatchObject({ credential: { token: "demo-c-1" }, revocable: true, upstreamRef: "ref-c-1" });
    expect(vended.expiresAt.toISOString()).toBe("2030-01-01T00:00:00.123Z");
  });

  const codes: PluginErrorCode[] = ["invalid_argument", "not_found", "unavailable", "permission_denied", "internal"];
  for (const code of codes) {
    it(`gives back the worker's PluginError ${code} with its message`, async () => {
      const plugin = demoPlugin({
        vend: () => {
          throw new PluginError(code, "worker says no");
        },
      });
      const error = await rejection(createPluginTestClient(plugin, quiet).vend(vendRequest));
      expect(error.code).toBe(code);
      expect(error.message).toBe("worker says no");
    });
  }

  it("turns an unexpected throw into internal with the generic message (no worker internals)", async () => {
    const plugin = demoPlugin({
      vend: () => {
        throw new Error("db password hunter2 rejected");
      },
    });
    const error = await rejection(createPluginTestClient(plugin, quiet).vend(vendRequest));
    expect(error.code).toBe("internal");
    expect(error.message).toBe(GENERIC_INTERNAL_MESSAGE);
  });
});
