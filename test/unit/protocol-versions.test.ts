// Protocol versions between the core and a worker, through POST /v1/vend and the real gRPC-web
// client: a worker of another major is refused 503 worker_refused naming both versions; a worker of
// the older minor 1.0 (no Prepare, no protocol_version in Describe) vends through the three single
// steps, and Prepare is never sent to it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnectRouter } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { FileCodeHash } from "../../functions/adapters/plugins/file-code-hash.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { OidcVerifier } from "../../functions/adapters/oidc/github-oidc-verifier.js";
import { VerifiedPluginDirectory } from "../../functions/core/plugin-trust/verified-plugin-directory.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import { VendPipeline } from "../../functions/core/vend-pipeline.js";
import { createVendApp } from "../../functions/vend/app.js";
import { describeToProto } from "../../plugin-protocol/convert.js";
import { PROTOCOL_VERSION } from "../../plugin-protocol/protocol-version.js";
import { PluginService } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { createPluginService, describePlugin } from "../../plugin-workers/sdk/plugin-service.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { ISSUER, createVendFixture } from "../support/vend-fixture.js";
import { demoPlugin } from "./plugin-sdk-fixture.js";
import { DEMO_CODE, generateKeyPair, signDemo, trustOf } from "./plugin-trust-fixture.js";

const POLICY = `
version: 1
audience: credvend
issuers: [${ISSUER}]
rules:
  - name: web-main
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["demo:read:*"]
    maxTtl: 15m
`;

/**
 * A worker written against protocol 1.0: the SDK's steps, but no Prepare (Unimplemented, as an old
 * worker answers it) and a Describe without protocol_version. Records every RPC it is sent.
 */
function protocol10Worker(rpcs: string[]): GrpcWebPluginClient {
  const plugin = demoPlugin();
  const service = createPluginService(plugin, () => undefined);
  delete service.prepare;
  const { protocolVersion: _absent, ...description } = describePlugin(plugin);
  service.describe = async () => describeToProto({ ...description, capabilities: description.capabilities.filter((c) => c !== "prepare") });
  const router = createConnectRouter({ grpcWeb: true, grpc: false, connect: false });
  router.service(PluginService, service);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, createFetchHandler(h)]));
  return new GrpcWebPluginClient({
    name: "demo",
    baseUrl: "http://plugin.test",
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const path = new URL(request.url).pathname;
      rpcs.push(path.slice(path.lastIndexOf("/") + 1));
      return handlers.get(path)!(request);
    },
  });
}

async function vendApp(client: GrpcWebPluginClient, manifest: Parameters<typeof signDemo>[1]) {
  const fixture = await createVendFixture(); // for its dev issuer and tokens
  const key = await generateKeyPair();
  const zip = join(mkdtempSync(join(tmpdir(), "credvend-protocol-")), "code.zip");
  writeFileSync(zip, DEMO_CODE);
  const ledger = new MemoryLedger();
  const alerts: Notification[] = [];
  const plugins = new VerifiedPluginDirectory({
    workers: [
      { registration: { name: "demo", providers: ["demo"], signed: await signDemo(key, manifest) }, client, code: new FileCodeHash(zip) },
    ],
    trust: trustOf(key),
    notifier: { notify: async (n) => void alerts.push(n) },
    audit: (event) => ledger.appendAudit(event),
  });
  const routes = fixture.issuer.routes();
  const verifier = new OidcVerifier({
    issuers: [ISSUER],
    audience: "credvend",
    fetch: async (input, init) => routes.fetch(new Request(input, init)),
  });
  const pipeline = new VendPipeline({
    policy: loadPolicyYaml(POLICY),
    ledger,
    plugins,
    notifier: { notify: async (n) => void alerts.push(n) },
  });
  const app = createVendApp({ pipeline, verifier });
  const vend = async () =>
    app.request("/v1/vend", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await fixture.token()}` },
      body: JSON.stringify({ scopes: ["demo:read:Reports"] }),
    });
  return { vend, alerts };
}

describe("plugin protocol versions", () => {
  it("vends through a 1.0 worker with its single steps, never sending it Prepare", async () => {
    const rpcs: string[] = [];
    const { vend, alerts } = await vendApp(protocol10Worker(rpcs), {
      protocolVersion: "1.0",
      capabilities: ["validate", "analyze", "serialize", "vend", "revoke"],
    });
    const response = await vend();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ scopes: ["demo:read:reports"], credential: { token: expect.any(String) } });
    expect(rpcs).toEqual(["Describe", "ValidateScope", "AnalyzeScope", "SerializeScope", "Vend"]);
    expect(alerts).toEqual([]);
  });

  it("answers 503 worker_refused naming both versions for a worker of another major, and never calls it", async () => {
    const rpcs: string[] = [];
    const { vend, alerts } = await vendApp(protocol10Worker(rpcs), { protocol: "credvend.plugin.v2", protocolVersion: "2.0" });
    const response = await vend();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: {
        code: "worker_refused",
        message: `worker demo speaks plugin protocol 2.0; this core speaks ${PROTOCOL_VERSION} (major 1 only)`,
      },
    });
    expect(rpcs).toEqual([]);
    expect(alerts).toMatchObject([{ urgency: "high", kind: "worker_refused", details: { reason: "incompatible_protocol" } }]);
  });
});
