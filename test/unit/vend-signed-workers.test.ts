// POST /v1/vend in front of a verified directory: a signed local-tokens worker vends; the same
// worker with tampered code, or its code untouched but its Lambda configuration tampered with,
// makes the request fail 503 (no fallback), alerts and audits.
import { PLUGIN_PROTOCOL, PROTOCOL_VERSION } from "../../plugin-protocol/protocol-version.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileCodeHash, codeSha256Of } from "../../functions/adapters/plugins/file-code-hash.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { OidcVerifier } from "../../functions/adapters/oidc/github-oidc-verifier.js";
import { VerifiedPluginDirectory, type DeployedCode } from "../../functions/core/plugin-trust/verified-plugin-directory.js";
import { signManifest, type LambdaConfiguration } from "../../functions/core/plugin-trust/index.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import { VendPipeline } from "../../functions/core/vend-pipeline.js";
import { createVendApp } from "../../functions/vend/app.js";
import { readWorkerPackage } from "../../infra/build-workers.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { createLocalTokensWorker } from "../../plugin-workers/local-tokens/worker.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { ALL_TIME, ISSUER, SAMPLE_POLICY, createVendFixture } from "../support/vend-fixture.js";
import { generateKeyPair, trustOf } from "./plugin-trust-fixture.js";

/** The worker's Lambda configuration as GetFunctionConfiguration would answer it; tests change it. */
function fakeLambda(zip: string, lambda: LambdaConfiguration): DeployedCode {
  return { configuration: async () => ({ ...(await new FileCodeHash(zip).configuration()), lambda }) };
}

async function signedVendApp(options: { lambda?: LambdaConfiguration } = {}) {
  const fixture = await createVendFixture(); // for its dev issuer and tokens
  const key = await generateKeyPair();
  const zip = join(mkdtempSync(join(tmpdir(), "credvend-signed-")), "code.zip");
  writeFileSync(zip, "local-tokens code");
  const { name, version, providers, capabilities, handler, runtime, environment } = readWorkerPackage(
    join(import.meta.dirname, "../../plugin-workers/local-tokens"),
  );
  const signed = await signManifest(
    {
      name,
      version,
      providers,
      capabilities,
      handler,
      runtime,
      environment,
      protocol: PLUGIN_PROTOCOL,
      protocolVersion: PROTOCOL_VERSION,
      codeSha256: codeSha256Of(new TextEncoder().encode("local-tokens code")),
      signedAt: new Date().toISOString(),
    },
    key.privateKey,
    key.publicKey,
  );
  const ledger = new MemoryLedger();
  const alerts: Notification[] = [];
  const code = options.lambda ? fakeLambda(zip, options.lambda) : new FileCodeHash(zip);
  const plugins = new VerifiedPluginDirectory({
    workers: [
      {
        registration: { name: "local-tokens", providers: ["local"], signed },
        client: inMemoryWorkerClient(createLocalTokensWorker({ store: new MemoryLocalTokenStore() })),
        code,
      },
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
  const app = createVendApp({
    pipeline: new VendPipeline({
      policy: loadPolicyYaml(SAMPLE_POLICY),
      ledger,
      plugins,
      notifier: { notify: async (n) => void alerts.push(n) },
    }),
    verifier,
  });
  const vend = async () =>
    app.request("/v1/vend", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await fixture.token()}` },
      body: JSON.stringify({ scopes: ["local:read:billing"] }),
    });
  return { vend, zip, ledger, alerts };
}

describe("vend with signed workers", () => {
  it("vends through a verified worker", async () => {
    const { vend, alerts } = await signedVendApp();
    const response = await vend();
    expect(response.status).toBe(200);
    expect(((await response.json()) as { credential: { token: string } }).credential.token).toMatch(/^cvd_/);
    expect(alerts).toEqual([]);
  });

  it("fails 503 with worker_refused when the deployed code is not the signed code, and vends nothing", async () => {
    const { vend, zip, ledger, alerts } = await signedVendApp();
    writeFileSync(zip, "local-tokens code, patched");
    const response = await vend();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: { code: "worker_refused", message: "worker local-tokens failed verification and is refused" },
    });
    const events = await ledger.auditByTime(ALL_TIME);
    expect(events.map((e) => e.type)).toEqual(["worker_refused"]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.urgency).toBe("high");
  });

  it("fails 503 with worker_refused when NODE_OPTIONS is injected into the worker's configuration, code untouched", async () => {
    const asSigned: LambdaConfiguration = {
      handler: "index.handler",
      runtime: "nodejs24.x",
      layers: [],
      environmentNames: ["LOCAL_TOKENS_TABLE"],
    };
    expect((await (await signedVendApp({ lambda: asSigned })).vend()).status).toBe(200);

    const { vend, ledger, alerts } = await signedVendApp({
      lambda: { ...asSigned, environmentNames: ["LOCAL_TOKENS_TABLE", "NODE_OPTIONS"] },
    });
    const response = await vend();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: { code: "worker_refused", message: "worker local-tokens failed verification and is refused" },
    });
    const events = await ledger.auditByTime(ALL_TIME);
    expect(events.map((e) => [e.type, e.reason, e.details])).toEqual([
      [
        "worker_refused",
        "configuration_mismatch",
        { worker: "local-tokens", detail: "environment variable NODE_OPTIONS is set, which no worker may have" },
      ],
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ urgency: "high", kind: "worker_refused", details: { reason: "configuration_mismatch" } });
  });
});
