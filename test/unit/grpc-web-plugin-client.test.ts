// The client's failure handling: bounded retries for idempotent calls only, deadlines, and a
// worker that is not there.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { WorkerError } from "../../functions/core/errors.js";
import { PluginError } from "../../plugin-workers/sdk/index.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { demoPlugin, demoScopes, hang } from "./plugin-sdk-fixture.js";

const prepareRequest = { scopes: demoScopes, subject: {}, ttlSeconds: 60 };
const vendRequest = { ...prepareRequest, credentialId: "c1", serialized: new Uint8Array() };

async function workerError(promise: Promise<unknown>): Promise<WorkerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkerError);
  return error as WorkerError;
}

/** Prepare's first step fails with `code` `failures` times, then works; Vend always fails. */
function flakyPlugin(failures: number, code: "unavailable" | "invalid_argument" = "unavailable") {
  let prepareCalls = 0;
  let vendCalls = 0;
  const plugin = demoPlugin();
  const flaky = demoPlugin({
    validate(scopes) {
      return plugin.validate(scopes);
    },
    analyze(request) {
      prepareCalls++;
      if (prepareCalls <= failures) throw new PluginError(code, "try later");
      return plugin.analyze!(request);
    },
    vend() {
      vendCalls++;
      throw new PluginError("unavailable", "try later");
    },
  });
  return { flaky, calls: () => prepareCalls, vendCalls: () => vendCalls };
}

describe("GrpcWebPluginClient", () => {
  it("retries Prepare after a transient failure", async () => {
    const { flaky, calls } = flakyPlugin(2);
    const client = inMemoryWorkerClient(flaky, { maxRetries: 2 });
    const result = await client.prepare(prepareRequest);
    expect(result.validations).toHaveLength(2);
    expect(calls()).toBe(3);
  });

  it("gives up after maxRetries and reports the worker unavailable", async () => {
    const { flaky, calls } = flakyPlugin(10);
    const error = await workerError(inMemoryWorkerClient(flaky, { maxRetries: 2 }).prepare(prepareRequest));
    expect(error.kind).toBe("unavailable");
    expect(error.code).toBe("worker_unavailable");
    expect(calls()).toBe(3);
  });

  it("does not retry an invalid request", async () => {
    const { flaky, calls } = flakyPlugin(10, "invalid_argument");
    const error = await workerError(inMemoryWorkerClient(flaky).prepare(prepareRequest));
    expect(error.kind).toBe("invalid_request");
    expect(calls()).toBe(1);
  });

  it("never retries Vend", async () => {
    const { flaky, vendCalls } = flakyPlugin(0);
    const error = await workerError(inMemoryWorkerClient(flaky, { maxRetries: 5 }).vend(vendRequest));
    expect(error.kind).toBe("unavailable");
    expect(vendCalls()).toBe(1);
  });

  it("times out on a worker that hangs, within the deadline and without retrying", async () => {
    let calls = 0;
    const stuck = demoPlugin({
      validate: () => {
        calls++;
        return hang();
      },
    });
    const started = Date.now();
    const error = await workerError(inMemoryWorkerClient(stuck, { timeoutMs: 100 }).prepare(prepareRequest));
    expect(error.kind).toBe("timeout");
    expect(error.message).toContain("100 ms");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls).toBe(1);
  });

  it("times out over real HTTP too", async () => {
    const server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new GrpcWebPluginClient({ name: "slow", baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 100 });
      const error = await workerError(client.describe());
      expect(error.kind).toBe("timeout");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("reports a worker whose port is closed as unavailable", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const client = new GrpcWebPluginClient({ name: "gone", baseUrl: `http://127.0.0.1:${port}`, retryBaseDelayMs: 1 });
    const error = await workerError(client.prepare(prepareRequest));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toBe("worker gone is unavailable");
    const vendError = await workerError(client.vend(vendRequest));
    expect(vendError.kind).toBe("unavailable");
  });

  it("reports an answer that breaks the protocol as upstream_failed", async () => {
    // A vend answer without a credential is a protocol error.
    const empty = demoPlugin({ vend: () => ({ credential: {}, expiresAt: new Date(), revocable: false, upstreamRef: "", notes: [] }) });
    const error = await workerError(inMemoryWorkerClient(empty).vend({ ...vendRequest, scopes: [demoScopes[0]!] }));
    expect(error.kind).toBe("upstream_failed");
  });
});
