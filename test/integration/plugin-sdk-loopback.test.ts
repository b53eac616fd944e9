// The SDK served over real loopback HTTP (@hono/node-server) and called by the client with its
// default fetch: what the local stack and a Function URL see on the wire.
import { request as httpRequest } from "node:http";
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { WorkerError } from "../../functions/core/errors.js";
import { listenOnLoopback, servePlugin, type LoopbackServer } from "../../plugin-workers/sdk/index.js";
import { PluginService } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { demoClaims, demoPlugin, demoScopes } from "../unit/plugin-sdk-fixture.js";

const GRPC_WEB = "application/grpc-web+proto";
let server: LoopbackServer;
let client: GrpcWebPluginClient;

beforeAll(async () => {
  server = await listenOnLoopback(servePlugin(demoPlugin(), { maxBodyBytes: 4096 }).app, { port: 0 });
  client = new GrpcWebPluginClient({ name: "demo", baseUrl: server.url });
});
afterAll(() => server.close());

describe("a plugin on a loopback port", () => {
  it("listens on 127.0.0.1 and serves /healthz", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("round-trips every RPC", async () => {
    const request = { scopes: demoScopes, subject: demoClaims, ttlSeconds: 300 };
    expect((await client.describe()).capabilities).toContain("revoke");
    expect((await client.validate(demoScopes)).map((v) => v.valid)).toEqual([true, true]);
    expect((await client.analyze(request)).map((a) => a.risk)).toEqual(["low", "high"]);
    expect((await client.serialize(request)).mediaType).toBe("application/json");
    const prepared = await client.prepare(request);
    expect(prepared.analyses).toHaveLength(2);
    const vended = await client.vend({ ...request, credentialId: "c1", serialized: prepared.serialized!.serialized });
    expect(vended.credential).toEqual({ token: "demo-c1" });
    const revoked = await client.revoke({
      credentialId: "c1",
      scopes: demoScopes,
      upstreamRef: vended.upstreamRef,
      expiresAt: vended.expiresAt,
    });
    expect(revoked.outcome).toBe("revoked");
  });

  it("speaks application/grpc-web+proto on the wire", async () => {
    // An empty DescribeRequest in one gRPC-web frame: flag 0, length 0.
    const response = await fetch(`${server.url}/credvend.plugin.v1.PluginService/Describe`, {
      method: "POST",
      headers: { "content-type": GRPC_WEB, "x-grpc-web": "1" },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(GRPC_WEB);
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body[0]).toBe(0); // a data frame first, then the trailer frame
    expect(new TextDecoder().decode(body)).toContain("grpc-status: 0");

    const sent: string[] = [];
    const spying = new GrpcWebPluginClient({
      name: "demo",
      baseUrl: server.url,
      fetch: (input, init) => {
        sent.push(new Headers(init?.headers).get("content-type") ?? "");
        return fetch(input, init);
      },
    });
    await spying.describe();
    expect(sent).toEqual([GRPC_WEB]);
  });

  it("refuses a body over the cap", async () => {
    const response = await fetch(`${server.url}/credvend.plugin.v1.PluginService/Prepare`, {
      method: "POST",
      headers: { "content-type": GRPC_WEB },
      body: new Uint8Array(8192),
    });
    expect(response.headers.get("grpc-status")).toBe("8");
    const scopes = Array.from({ length: 400 }, (_, i) => ({ provider: "demo", action: "read", resource: `r${i}` }));
    const error = await client.prepare({ scopes, subject: {}, ttlSeconds: 60 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).kind).toBe("upstream_failed");
  });

  // Node's http client (connect-node, and most non-fetch clients) sends bodies chunked, with no
  // Content-Length: the cap must hold for them too, and a small body must go through.
  it("serves a chunked request, and refuses a chunked body over the cap", async () => {
    const node = createClient(PluginService, createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" }));
    expect((await node.describe({})).name).toBe("demo");

    const chunked = (bytes: number) =>
      new Promise<{ status: number; grpcStatus: string | undefined }>((resolve, reject) => {
        const request = httpRequest(
          `${server.url}/credvend.plugin.v1.PluginService/Prepare`,
          { method: "POST", headers: { "content-type": GRPC_WEB, "transfer-encoding": "chunked" } },
          (response) => {
            response.resume();
            response.on("end", () =>
              resolve({ status: response.statusCode ?? 0, grpcStatus: response.headers["grpc-status"] as string | undefined }),
            );
          },
        );
        request.on("error", reject);
        for (let sent = 0; sent < bytes; sent += 1024) request.write(new Uint8Array(Math.min(1024, bytes - sent)));
        request.end();
      });
    expect(await chunked(8192)).toEqual({ status: 200, grpcStatus: "8" });
  });
});
