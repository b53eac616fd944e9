// The SDK over the in-memory harness: every RPC through the full gRPC-web encoding, no network.
import { describe, expect, it } from "vitest";
import { WorkerError } from "../../functions/core/errors.js";
import {
  GENERIC_INTERNAL_MESSAGE,
  PLUGIN_PROTOCOL,
  PROTOCOL_VERSION,
  PluginError,
  servePlugin,
  type PluginErrorCode,
} from "../../plugin-workers/sdk/index.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { demoClaims, demoPlugin, demoScopes } from "./plugin-sdk-fixture.js";

const quiet = { onError: () => undefined };
const vendRequest = {
  credentialId: "cred-1",
  scopes: [{ provider: "demo", action: "read", resource: "alpha" }],
  subject: demoClaims,
  ttlSeconds: 900,
  serialized: new Uint8Array([1, 2, 3]),
};

async function workerError(promise: Promise<unknown>): Promise<WorkerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkerError);
  return error as WorkerError;
}

describe("servePlugin over the in-memory harness", () => {
  it("describes the worker, with capabilities derived from the implemented methods", async () => {
    const full = await inMemoryWorkerClient(demoPlugin()).describe();
    expect(full).toEqual({
      name: "demo",
      version: "1.2.3",
      protocol: PLUGIN_PROTOCOL,
      protocolVersion: PROTOCOL_VERSION,
      providers: ["demo"],
      capabilities: ["validate", "analyze", "serialize", "prepare", "vend", "revoke"],
    });
    const minimal = await inMemoryWorkerClient(demoPlugin({ analyze: undefined, revoke: undefined })).describe();
    expect(minimal.capabilities).toEqual(["validate", "serialize", "prepare", "vend"]);
  });

  it("Describe carries the worker's configuration state, asked on each call; a worker that does not say leaves it unset (unknown)", async () => {
    let configured = false;
    const client = inMemoryWorkerClient(
      demoPlugin({ configuration: async () => (configured ? { configured } : { configured, missing: "DEMO_API_KEY" }) }),
    );
    expect((await client.describe()).configuration).toEqual({ configured: false, missing: "DEMO_API_KEY" });
    configured = true;
    expect((await client.describe()).configuration).toEqual({ configured: true });
    expect((await inMemoryWorkerClient(demoPlugin()).describe()).configuration).toBeUndefined();
  });

  it("validates, normalizes and explains invalid scopes", async () => {
    const client = inMemoryWorkerClient(demoPlugin());
    const results = await client.validate([demoScopes[0]!, { provider: "demo", action: "write", resource: "x" }]);
    expect(results).toEqual([
      { scope: demoScopes[0], valid: true, normalized: { provider: "demo", action: "read", resource: "alpha" } },
      { scope: { provider: "demo", action: "write", resource: "x" }, valid: false, error: 'unknown action "write"' },
    ]);
  });

  it("analyzes and serializes single steps with the subject's claims", async () => {
    const plugin = demoPlugin();
    const client = inMemoryWorkerClient(plugin);
    const request = { scopes: demoScopes, subject: demoClaims, ttlSeconds: 600 };
    const analyses = await client.analyze(request);
    expect(analyses.map((a) => a.risk)).toEqual(["low", "high"]);
    expect(analyses[1]!.warnings).toEqual(["every resource"]);
    const serialized = await client.serialize(request);
    expect(new TextDecoder().decode(serialized.serialized)).toBe('["alpha","*"]');
    expect(serialized.mediaType).toBe("application/json");
    expect(plugin.calls.serialize[0]).toEqual({ ...request, scopes: [{ ...demoScopes[0], resource: "alpha" }, demoScopes[1]] });
  });

  it("prepares in one round trip on the normalized scopes", async () => {
    const plugin = demoPlugin();
    const result = await inMemoryWorkerClient(plugin).prepare({ scopes: demoScopes, subject: demoClaims, ttlSeconds: 900 });
    expect(result.validations.every((v) => v.valid)).toBe(true);
    expect(result.analyses.map((a) => a.scope.resource)).toEqual(["alpha", "*"]);
    expect(new TextDecoder().decode(result.serialized!.serialized)).toBe('["alpha","*"]');
    expect(plugin.calls.analyze[0]!.subject).toEqual(demoClaims);
    expect(plugin.calls.analyze[0]!.ttlSeconds).toBe(900);
  });

  it("answers prepare with the validations only when a scope is invalid", async () => {
    const plugin = demoPlugin();
    const bad = { provider: "demo", action: "delete", resource: "x" };
    const result = await inMemoryWorkerClient(plugin).prepare({ scopes: [demoScopes[0]!, bad], subject: {}, ttlSeconds: 60 });
    expect(result.validations.map((v) => v.valid)).toEqual([true, false]);
    expect(result.analyses).toEqual([]);
    expect(result.serialized).toBeUndefined();
    expect(plugin.calls.analyze).toHaveLength(0);
    expect(plugin.calls.serialize).toHaveLength(0);
  });

  it("vends with everything the core sent and returns the credential", async () => {
    const plugin = demoPlugin();
    const result = await inMemoryWorkerClient(plugin).vend(vendRequest);
    expect(result).toEqual({
      credential: { token: "demo-cred-1" },
      expiresAt: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 123)),
      revocable: true,
      upstreamRef: "ref-cred-1",
      notes: ["demo note"],
    });
    expect(plugin.calls.vend[0]).toEqual(vendRequest);
  });

  it("refuses to vend an invalid scope without calling the implementation", async () => {
    const plugin = demoPlugin();
    const error = await workerError(
      inMemoryWorkerClient(plugin).vend({ ...vendRequest, scopes: [{ provider: "demo", action: "admin", resource: "x" }] }),
    );
    expect(error.kind).toBe("invalid_request");
    expect(error.message).toContain("demo:admin:x");
    expect(plugin.calls.vend).toHaveLength(0);
  });

  it("revokes, and reports an unimplemented revoke as an upstream failure", async () => {
    const revokeRequest = { credentialId: "cred-1", scopes: [], upstreamRef: "ref", expiresAt: new Date() };
    const client = inMemoryWorkerClient(demoPlugin());
    expect(await client.revoke(revokeRequest)).toEqual({ outcome: "revoked", detail: "done" });
    expect((await client.revoke({ ...revokeRequest, credentialId: "gone" })).outcome).toBe("already_gone");
    const error = await workerError(inMemoryWorkerClient(demoPlugin({ revoke: undefined })).revoke(revokeRequest));
    expect(error.kind).toBe("upstream_failed");
  });

  const errorKinds: { code: PluginErrorCode; kind: WorkerError["kind"]; showsMessage: boolean }[] = [
    { code: "invalid_argument", kind: "invalid_request", showsMessage: true },
    // A PluginError's message is written for the caller ("not configured", "throttled upstream");
    // only `internal` (and anything not a PluginError) stays generic.
    { code: "unavailable", kind: "unavailable", showsMessage: true },
    { code: "not_found", kind: "upstream_failed", showsMessage: true },
    { code: "permission_denied", kind: "upstream_failed", showsMessage: true },
    { code: "internal", kind: "upstream_failed", showsMessage: false },
  ];
  for (const { code, kind, showsMessage } of errorKinds) {
    it(`maps PluginError ${code} to WorkerError ${kind}`, async () => {
      const plugin = demoPlugin({
        vend: () => {
          throw new PluginError(code, "worker says no");
        },
      });
      const error = await workerError(inMemoryWorkerClient(plugin, quiet).vend(vendRequest));
      expect(error.kind).toBe(kind);
      expect(error.worker).toBe("demo");
      expect(error.message.includes("worker says no")).toBe(showsMessage);
      expect(error.cause).toBeDefined();
    });
  }

  it("turns an unexpected throw into upstream_failed without the thrown message", async () => {
    const reported: unknown[] = [];
    const plugin = demoPlugin({
      vend: () => {
        throw new Error("db password hunter2 rejected");
      },
    });
    const client = inMemoryWorkerClient(plugin, { onError: (error) => reported.push(error) });
    const error = await workerError(client.vend(vendRequest));
    expect(error.kind).toBe("upstream_failed");
    expect(error.message).not.toContain("hunter2");
    expect(String((error.cause as Error).message)).not.toContain("hunter2");
    expect((error.cause as Error).message).toContain(GENERIC_INTERNAL_MESSAGE);
    expect(reported).toHaveLength(1);
  });

  it("serves /healthz and nothing but gRPC-web on the service path", async () => {
    const { app } = servePlugin(demoPlugin());
    const health = await app.request("/healthz");
    expect(await health.json()).toEqual({ status: "ok", name: "demo", version: "1.2.3" });
    // A Connect-protocol request (application/proto) is not served.
    const connect = await app.request("/credvend.plugin.v1.PluginService/Describe", {
      method: "POST",
      headers: { "content-type": "application/proto" },
      body: new Uint8Array(0),
    });
    expect(connect.status).toBe(415);
    expect((await app.request("/credvend.plugin.v1.PluginService/Nope", { method: "POST" })).status).toBe(404);
  });

  it("refuses a request body over the cap", async () => {
    const plugin = demoPlugin();
    const { app } = servePlugin(plugin, { maxBodyBytes: 1024 });
    const big = new Uint8Array(2048);
    const raw = await app.request("/credvend.plugin.v1.PluginService/Prepare", {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: big,
    });
    expect(raw.headers.get("grpc-status")).toBe("8");
    const client = inMemoryWorkerClient(plugin, { maxBodyBytes: 1024 });
    const scopes = Array.from({ length: 100 }, (_, i) => ({ provider: "demo", action: "read", resource: `r${i}` }));
    const error = await workerError(client.prepare({ scopes, subject: {}, ttlSeconds: 60 }));
    expect(error.kind).toBe("upstream_failed");
    expect(plugin.calls.validate).toHaveLength(0);
  });
});
