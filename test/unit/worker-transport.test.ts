// Transport hardening of the gRPC-web client: circuit breaker per worker, response size cap,
// SigV4 signing for Function URLs with AWS_IAM auth (checked with the same library on the server),
// and keep-alive HTTP/1.1: one connection carries many calls.
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { ResponseTooLargeError, sizeCappedHttpClient } from "../../functions/adapters/plugins/response-size-cap.js";
import { NodeSha256, sigV4Signer } from "../../functions/adapters/plugins/sigv4-signer.js";
import { WorkerError } from "../../functions/core/errors.js";
import { PluginError, listenOnLoopback, servePlugin, type PluginImplementation } from "../../plugin-workers/sdk/index.js";
import { demoPlugin, demoScopes } from "./plugin-sdk-fixture.js";

const prepareRequest = { scopes: demoScopes, subject: {}, ttlSeconds: 60 };

function inMemoryClient(plugin: PluginImplementation, extra: Partial<ConstructorParameters<typeof GrpcWebPluginClient>[0]> = {}) {
  const { app } = servePlugin(plugin, { onError: () => undefined });
  return new GrpcWebPluginClient({
    name: "demo",
    baseUrl: "http://worker.test",
    fetch: async (input, init) => app.fetch(new Request(input, init)),
    maxRetries: 0,
    ...extra,
  });
}

async function workerError(promise: Promise<unknown>): Promise<WorkerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkerError);
  return error as WorkerError;
}

describe("circuit breaker per worker", () => {
  it("opens after N failures, fails fast while open, and recovers through a half-open probe", async () => {
    let down = true;
    let calls = 0;
    const plugin = demoPlugin({
      validate(scopes) {
        calls++;
        if (down) throw new PluginError("unavailable", "down");
        return scopes.map((scope) => ({ scope, valid: true }));
      },
    });
    let now = Date.now();
    const client = inMemoryClient(plugin, { breaker: { failureThreshold: 3, openMs: 10_000, clock: { now: () => new Date(now) } } });

    for (let i = 0; i < 3; i++) await workerError(client.prepare(prepareRequest));
    expect(calls).toBe(3);
    const fast = await workerError(client.prepare(prepareRequest));
    expect(fast.code).toBe("worker_unavailable");
    expect(fast.message).toContain("circuit open");
    expect(calls).toBe(3); // the worker was not called
    expect(client.breaker.state()).toBe("open");

    now += 10_000; // half-open: one probe, which fails and re-opens at once
    await workerError(client.prepare(prepareRequest));
    expect(calls).toBe(4);
    expect(client.breaker.state()).toBe("open");

    now += 10_000;
    down = false;
    expect((await client.prepare(prepareRequest)).validations).toHaveLength(2);
    expect(client.breaker.state()).toBe("closed");
  });

  it("does not count a caller's invalid scope as a worker failure", async () => {
    const client = inMemoryClient(
      demoPlugin({
        validate: () => {
          throw new PluginError("invalid_argument", "no such bucket");
        },
      }),
      {
        breaker: { failureThreshold: 1 },
      },
    );
    for (let i = 0; i < 3; i++) expect((await workerError(client.prepare(prepareRequest))).kind).toBe("invalid_request");
    expect(client.breaker.state()).toBe("closed");
  });
});

describe("response size cap", () => {
  it("refuses an answer larger than the cap, without the worker's content in the message", async () => {
    const huge = demoPlugin({
      vend: () => ({ credential: { token: "x".repeat(200_000) }, expiresAt: new Date(), revocable: false, upstreamRef: "r", notes: [] }),
    });
    const client = inMemoryClient(huge, { maxResponseBytes: 64 * 1024 });
    const error = await workerError(
      client.vend({ ...prepareRequest, scopes: [demoScopes[0]!], credentialId: "c1", serialized: new Uint8Array() }),
    );
    expect(error.kind).toBe("upstream_failed");
    expect(error.message).toBe("worker demo answered Vend with more than 65536 bytes");
    expect((await client.describe()).name).toBe("demo"); // small answers still pass
  });
});

describe("response size cap over loopback HTTP", () => {
  it("refuses a large answer, drops that connection, and the next call still works", async () => {
    const huge = demoPlugin({
      vend: () => ({ credential: { token: "x".repeat(200_000) }, expiresAt: new Date(), revocable: false, upstreamRef: "r", notes: [] }),
    });
    const server = await listenOnLoopback(servePlugin(huge, { onError: () => undefined }).app);
    try {
      const client = new GrpcWebPluginClient({ name: "demo", baseUrl: server.url, maxRetries: 0, maxResponseBytes: 64 * 1024 });
      const vend = { ...prepareRequest, scopes: [demoScopes[0]!], credentialId: "c1", serialized: new Uint8Array() };
      expect((await workerError(client.vend(vend))).message).toBe("worker demo answered Vend with more than 65536 bytes");
      expect((await client.describe()).name).toBe("demo");
    } finally {
      await server.close();
    }
  });
});

describe("sizeCappedHttpClient", () => {
  const answer = (chunks: number, header: Record<string, string> = {}) => {
    let pulled = 0;
    async function* body() {
      for (let i = 0; i < chunks; i++) {
        pulled++;
        yield new Uint8Array(1000);
      }
    }
    return { pulled: () => pulled, response: { status: 200, header: new Headers(header), body: body(), trailer: new Headers() } };
  };
  const request = { url: "http://w.test/x", method: "POST", header: new Headers() };
  const readAll = async (body: AsyncIterable<Uint8Array>) => {
    let total = 0;
    for await (const chunk of body) total += chunk.byteLength;
    return total;
  };

  it("refuses a declared length over the cap before reading, and a streamed body once it passes the cap", async () => {
    const declared = answer(1, { "content-length": "2049" });
    await expect(sizeCappedHttpClient(async () => declared.response, 2048)(request)).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(declared.pulled()).toBe(0);

    const streamed = answer(5);
    const capped = await sizeCappedHttpClient(async () => streamed.response, 2048)(request);
    await expect(readAll(capped.body)).rejects.toThrow("response body larger than 2048 bytes");
    expect(streamed.pulled()).toBeLessThan(5); // stopped reading once over the cap

    const ok = await sizeCappedHttpClient(async () => answer(5).response, 5000)(request);
    expect(await readAll(ok.body)).toBe(5000);
  });
});

describe("keep-alive HTTP/1.1 to the worker", () => {
  it("carries many calls over one connection", async () => {
    const { app } = servePlugin(demoPlugin());
    let connections = 0;
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1", overrideGlobalObjects: false });
    server.on("connection", () => connections++);
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new GrpcWebPluginClient({ name: "demo", baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 });
      for (let i = 0; i < 20; i++) expect((await client.prepare(prepareRequest)).validations).toHaveLength(2);
      expect(connections).toBe(1);
    } finally {
      if ("closeAllConnections" in server) server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("SigV4 for Function URLs (AWS_IAM)", () => {
  const credentials = {
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    sessionToken: "session-token-example",
  };
  const region = "eu-west-1";

  /** What the Function URL does: recompute the signature over the signed headers and compare. */
  async function signatureIsValid(request: Request): Promise<boolean> {
    const authorization = request.headers.get("authorization") ?? "";
    const amzDate = request.headers.get("x-amz-date") ?? "";
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
    if (!authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || signedHeaders.length === 0) return false;
    // The signer takes a given x-amz-content-sha256 as the payload hash: the receiver checks it.
    const body = new Uint8Array(await request.clone().arrayBuffer());
    if (request.headers.get("x-amz-content-sha256") !== createHash("sha256").update(body).digest("hex")) return false;
    const url = new URL(request.url);
    const headers = Object.fromEntries(signedHeaders.map((name) => [name, request.headers.get(name) ?? ""]));
    const verifier = new SignatureV4({ service: "lambda", region, credentials, sha256: NodeSha256 });
    const date = new Date(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
    const expected = await verifier.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: {},
        headers,
        body,
      },
      { signingDate: date },
    );
    return expected.headers.authorization === authorization;
  }

  it("signs every call; the worker's IAM front door accepts it and refuses unsigned or tampered calls", async () => {
    const { app: worker } = servePlugin(demoPlugin());
    const seen: { valid: boolean; token: string | null }[] = [];
    const frontDoor = new Hono();
    frontDoor.use(async (c, next) => {
      const valid = await signatureIsValid(c.req.raw);
      seen.push({ valid, token: c.req.header("x-amz-security-token") ?? null });
      if (!valid) return c.json({ Message: "Forbidden" }, 403);
      await next();
    });
    frontDoor.route("/", worker);
    const server = await listenOnLoopback(frontDoor);
    try {
      const sign = sigV4Signer({ region, credentials });
      const client = new GrpcWebPluginClient({ name: "demo", baseUrl: server.url, sign, maxRetries: 0 });
      expect((await client.describe()).name).toBe("demo");
      expect((await client.prepare(prepareRequest)).validations).toHaveLength(2);
      expect(seen).toEqual([
        { valid: true, token: "session-token-example" },
        { valid: true, token: "session-token-example" },
      ]);

      const unsigned = new GrpcWebPluginClient({ name: "demo", baseUrl: server.url, maxRetries: 0 });
      await workerError(unsigned.describe());
      expect(seen.at(-1)?.valid).toBe(false);

      // Signed, then the body changed on the way: the signature covers the payload.
      const tampering: typeof fetch = async (input, init) => {
        const request = new Request(input, init);
        const body = new Uint8Array(await request.arrayBuffer());
        body[body.length - 1] = body[body.length - 1]! ^ 1;
        return fetch(request.url, { method: request.method, headers: request.headers, body });
      };
      const tampered = new GrpcWebPluginClient({ name: "demo", baseUrl: server.url, maxRetries: 0, sign, fetch: tampering });
      await workerError(tampered.prepare(prepareRequest));
      expect(seen.at(-1)?.valid).toBe(false);
    } finally {
      await server.close();
    }
  });
});
