// Protocol 1.2's Vend with the preparation inline, counted at the worker's HTTP boundary: a verified
// 1.2 worker built on the SDK vends canonical scopes in one round trip; a scope it would normalize
// costs the refused inline Vend (nothing minted) and a plain Vend, with the policy checked on the
// normalized scopes in between; a 1.1 worker gets Prepare + Vend. The real gRPC-web client, the
// real verified directory (signed manifests), the SDK's service, a fixed clock.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, createConnectRouter } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { FileCodeHash } from "../../functions/adapters/plugins/file-code-hash.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { CredvendError, PolicyDeniedError } from "../../functions/core/errors.js";
import { VerifiedPluginDirectory } from "../../functions/core/plugin-trust/verified-plugin-directory.js";
import { evaluateRequest } from "../../functions/core/policy/evaluate-request.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import { VendPipeline } from "../../functions/core/vend-pipeline.js";
import { describeToProto, prepareFromProto } from "../../plugin-protocol/convert.js";
import { inlineVendRequestToProto } from "../../plugin-protocol/convert-inline-vend.js";
import { formatScope, parseScope } from "../../plugin-protocol/scope.js";
import { createPluginService, describePlugin } from "../../plugin-workers/sdk/plugin-service.js";
import { PluginService, PrepareResponseSchema } from "../../proto/gen/credvend/plugin/v1/plugin_pb.js";
import { servePlugin } from "../../plugin-workers/sdk/serve-plugin.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { demoClaims, demoPlugin } from "./plugin-sdk-fixture.js";
import { DEMO_CODE, generateKeyPair, signDemo, trustOf } from "./plugin-trust-fixture.js";

const POLICY = `
version: 1
audience: credvend
issuers: [${demoClaims.iss}]
rules:
  - name: web-main
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["demo:read:*"]
    maxTtl: 15m
`;

/** Allows exactly these scopes, no globs: what is granted must be one of them. */
const EXACT_POLICY = (allow: readonly string[]) => `
version: 1
audience: credvend
issuers: [${demoClaims.iss}]
rules:
  - name: exact
    when: { repository: acme/web }
    allow: ${JSON.stringify(allow)}
    maxTtl: 15m
`;

const NOW = new Date("2026-12-06T12:00:00.000Z");

/**
 * The demo worker (upper case normalized to lower, "*" warned about) on the SDK's service, speaking
 * `version`: a 1.1 worker's Describe says 1.1, as its signed manifest does. Records each RPC's name
 * and every error the SDK would report as the worker's own failure.
 */
async function setup(options: { version: "1.1" | "1.2"; policy?: string }) {
  const plugin = demoPlugin();
  const reported: unknown[] = [];
  const service = createPluginService(plugin, (error) => reported.push(error));
  service.describe = async () => describeToProto({ ...describePlugin(plugin), protocolVersion: options.version });
  const router = createConnectRouter({ grpcWeb: true, grpc: false, connect: false });
  router.service(PluginService, service);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, createFetchHandler(h)]));
  const rpcs: string[] = [];
  const client = new GrpcWebPluginClient({
    name: "demo",
    baseUrl: "http://plugin.test",
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const path = new URL(request.url).pathname;
      const rpc = path.slice(path.lastIndexOf("/") + 1);
      if (rpc !== "Describe") rpcs.push(rpc);
      return handlers.get(path)!(request);
    },
  });
  const key = await generateKeyPair();
  const zip = join(mkdtempSync(join(tmpdir(), "credvend-one-trip-")), "code.zip");
  writeFileSync(zip, DEMO_CODE);
  const ledger = new MemoryLedger();
  const plugins = new VerifiedPluginDirectory({
    workers: [
      {
        registration: { name: "demo", providers: ["demo"], signed: await signDemo(key, { protocolVersion: options.version }) },
        client,
        code: new FileCodeHash(zip),
      },
    ],
    trust: trustOf(key),
    notifier: { notify: async () => undefined },
    audit: (event) => ledger.appendAudit(event),
  });
  const policy = loadPolicyYaml(options.policy ?? POLICY);
  const pipeline = new VendPipeline({ policy, ledger, plugins, clock: { now: () => NOW }, notifier: { notify: async () => undefined } });
  const vend = (scopes: string[]) => pipeline.vend(demoClaims, { scopes });
  return { vend, rpcs, plugin, ledger, policy, reported };
}

describe("one worker round trip for canonical scopes (protocol 1.2)", () => {
  it("vends canonical scopes through a 1.2 worker in one call, granting exactly what was requested", async () => {
    const { vend, rpcs, plugin, ledger } = await setup({ version: "1.2" });
    const vended = await vend(["demo:read:alpha", "demo:read:beta"]);
    expect(rpcs).toEqual(["Vend"]);
    expect(vended.scopes).toEqual(["demo:read:alpha", "demo:read:beta"]);
    expect(plugin.calls.vend.map((r) => r.scopes.map(formatScope))).toEqual([["demo:read:alpha", "demo:read:beta"]]);
    // The worker serialized what it vended, in the same call.
    expect(new TextDecoder().decode(plugin.calls.vend[0]!.serialized)).toBe('["alpha","beta"]');
    expect((await ledger.getCredential(vended.credentialId))?.scopes).toEqual(["demo:read:alpha", "demo:read:beta"]);
  });

  it("costs two calls when the worker normalizes a scope: the refused inline Vend mints nothing, the second grants the normalized scope", async () => {
    const { vend, rpcs, plugin, reported } = await setup({ version: "1.2" });
    const vended = await vend(["demo:read:alpha", "demo:read:Reports"]);
    expect(rpcs).toEqual(["Vend", "Vend"]);
    // One mint only, and with the normalized scopes: the refused call reached no implementation's vend.
    expect(plugin.calls.vend.map((r) => r.scopes.map(formatScope))).toEqual([["demo:read:alpha", "demo:read:reports"]]);
    expect(vended.scopes).toEqual(["demo:read:alpha", "demo:read:reports"]);
    // The refusal is the protocol working, not a failure of the worker.
    expect(reported).toEqual([]);
  });

  it("gives a 1.1 worker Prepare + Vend, never the inline Vend", async () => {
    const { vend, rpcs, plugin } = await setup({ version: "1.1" });
    const vended = await vend(["demo:read:alpha"]);
    expect(rpcs).toEqual(["Prepare", "Vend"]);
    expect(vended.scopes).toEqual(["demo:read:alpha"]);
    expect(plugin.calls.vend).toHaveLength(1);
  });

  it("checks the policy on the normalized scope: a worker normalizing into a denied scope mints nothing (403)", async () => {
    // The policy allows the requested form only; the worker would grant the lower-cased one.
    const { vend, rpcs, plugin, ledger } = await setup({ version: "1.2", policy: EXACT_POLICY(["demo:read:Reports"]) });
    const error = await vend(["demo:read:Reports"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyDeniedError);
    expect((error as PolicyDeniedError).deniedScopes).toEqual(["demo:read:reports"]);
    expect(rpcs).toEqual(["Vend"]);
    expect(plugin.calls.vend).toEqual([]);
    const events = await ledger.auditByTime({ from: "2026-12-06T00:00:00.000Z", to: "2026-12-07T00:00:00.000Z" });
    expect(events.map((e) => [e.type, e.scopes])).toEqual([["deny", ["demo:read:reports"]]]);
  });

  it("grants on the one-trip path only scopes the policy allows as they are: an exact-match policy covers what the worker vended", async () => {
    const allowed = ["demo:read:alpha", "demo:read:beta"];
    const { vend, rpcs, plugin, policy, ledger } = await setup({ version: "1.2", policy: EXACT_POLICY(allowed) });
    const vended = await vend(allowed);
    expect(rpcs).toEqual(["Vend"]);
    const granted = plugin.calls.vend[0]!.scopes;
    expect(granted.map(formatScope)).toEqual(allowed);
    const decision = await evaluateRequest(policy, demoClaims, granted, {
      targetPolicies: async () => ({ status: "unavailable", reason: "none" }),
    });
    expect(decision.allowed).toBe(true);
    expect((await ledger.getCredential(vended.credentialId))?.scopes.map((s) => formatScope(parseScope(s)))).toEqual(allowed);
  });

  it("refuses an invalid scope in the inline Vend with 400 invalid_scope, in one call, minting nothing", async () => {
    const { vend, rpcs, plugin } = await setup({ version: "1.2", policy: EXACT_POLICY(["demo:write:alpha"]) });
    const error = await vend(["demo:write:alpha"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredvendError);
    expect(error).toMatchObject({ kind: "invalid_request", code: "invalid_scope" });
    expect((error as Error).message).toContain('demo:write:alpha: unknown action "write"');
    expect(rpcs).toEqual(["Vend"]);
    expect(plugin.calls.vend).toEqual([]);
  });

  it("returns the same warnings and notes on the one-trip and the two-trip path", async () => {
    const scopes = ["demo:read:*", "demo:read:alpha"];
    const one = await setup({ version: "1.2" });
    const two = await setup({ version: "1.1" });
    const normalized = await setup({ version: "1.2" });
    const viaOne = await one.vend(scopes);
    const viaTwo = await two.vend(scopes);
    const viaRefusal = await normalized.vend(["demo:read:*", "demo:read:ALPHA"]);
    expect([one.rpcs, two.rpcs, normalized.rpcs]).toEqual([["Vend"], ["Prepare", "Vend"], ["Vend", "Vend"]]);
    expect(viaOne.warnings).toEqual(["demo:read:*: every resource"]);
    expect(viaTwo.warnings).toEqual(viaOne.warnings);
    expect(viaRefusal.warnings).toEqual(viaOne.warnings);
    expect(viaOne.notes).toContain("demo note");
    expect(viaTwo.notes).toEqual(viaOne.notes);
    expect(viaRefusal.notes).toEqual(viaOne.notes);
  });
});

describe("the SDK's inline Vend on the wire", () => {
  function wire() {
    const plugin = demoPlugin();
    const { app } = servePlugin(plugin, { onError: () => undefined });
    const transport = createGrpcWebTransport({ baseUrl: "http://plugin.test", fetch: async (i, init) => app.fetch(new Request(i, init)) });
    return { plugin, service: createClient(PluginService, transport) };
  }
  const request = (resources: string[]) =>
    inlineVendRequestToProto({
      credentialId: "c1",
      scopes: resources.map((resource) => ({ provider: "demo", action: "read", resource })),
      subject: demoClaims,
      ttlSeconds: 300,
    });

  it("refuses a scope it would normalize with FAILED_PRECONDITION scopes_not_canonical, the Prepare answer as its detail, minting nothing", async () => {
    const { plugin, service } = wire();
    const error = await service.vend(request(["alpha", "Beta"])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((error as ConnectError).rawMessage).toBe("scopes_not_canonical: demo:read:Beta -> demo:read:beta");
    const [detail] = (error as ConnectError).findDetails(PrepareResponseSchema);
    const prepared = prepareFromProto(detail!);
    expect(prepared.validations.map((v) => formatScope(v.normalized!))).toEqual(["demo:read:alpha", "demo:read:beta"]);
    expect(new TextDecoder().decode(prepared.serialized!.serialized)).toBe('["alpha","beta"]');
    expect(plugin.calls.vend).toEqual([]);
  });

  it("answers a canonical inline Vend with the credential and the analyses", async () => {
    const { plugin, service } = wire();
    const response = await service.vend(request(["*"]));
    expect(response.credential).toEqual({ token: "demo-c1" });
    expect(response.analyses.map((a) => a.warnings)).toEqual([["every resource"]]);
    expect(plugin.calls.vend).toHaveLength(1);
  });

  it("refuses a Vend that carries scopes both inline and plain (INVALID_ARGUMENT), minting nothing", async () => {
    const { plugin, service } = wire();
    const both = request(["alpha"]);
    both.scopes = both.prepare!.scopes;
    const error = await service.vend(both).catch((e: unknown) => e);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect(plugin.calls.vend).toEqual([]);
  });
});
