// The pipeline with real parts: the local-tokens worker behind the real gRPC-web client (in
// process), the in-memory ledger. What is counted is what crosses the worker's HTTP boundary.
import { describe, expect, it } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { StaticPluginDirectory } from "../support/static-plugin-directory.js";
import { LedgerError, PolicyDeniedError } from "../../functions/core/errors.js";
import { loadPolicyYaml } from "../../functions/core/policy/load-policy.js";
import type { AuditEvent, CredentialRecord } from "../../functions/core/records.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { VendPipeline } from "../../functions/core/vend-pipeline.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { createLocalTokensWorker } from "../../plugin-workers/local-tokens/worker.js";
import { servePlugin } from "../../plugin-workers/sdk/index.js";
import type { PluginClient } from "../../functions/core/ports/plugin-client.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { SAMPLE_POLICY } from "../support/vend-fixture.js";

const claims = { iss: "https://issuer.test", repository: "acme/web", ref: "refs/heads/main", run_id: "42", actor: "octocat" };
const hour = { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 3600_000).toISOString() };

function setup(ledger = new MemoryLedger()) {
  const store = new MemoryLocalTokenStore();
  const { app } = servePlugin(createLocalTokensWorker({ store }));
  const calls: string[] = [];
  const client = new GrpcWebPluginClient({
    name: "local-tokens",
    baseUrl: "http://worker.test",
    fetch: async (input, init) => {
      calls.push(new URL(String(input instanceof Request ? input.url : input)).pathname.split("/").pop() ?? "");
      return app.fetch(new Request(input, init));
    },
  });
  let sequence = 0;
  const pipeline = new VendPipeline({
    policy: loadPolicyYaml(SAMPLE_POLICY),
    ledger,
    ids: { credentialId: () => `cred-${++sequence}`, eventId: () => `event-${++sequence}` },
    plugins: new StaticPluginDirectory([{ client, providers: ["local"] }]),
  });
  return { pipeline, ledger, store, calls };
}

describe("VendPipeline", () => {
  it("costs exactly two worker round trips per vend, whatever the number of scopes", async () => {
    const { pipeline, calls } = setup();
    await pipeline.vend(claims, { scopes: ["local:read:a", "local:read:b", "local:write:c", "local:write:d"] });
    expect(calls).toEqual(["Prepare", "Vend"]);
  });

  it("makes no worker call for a policy denial", async () => {
    const { pipeline, calls, ledger } = setup();
    await expect(pipeline.vend(claims, { scopes: ["local:admin:a"] })).rejects.toBeInstanceOf(PolicyDeniedError);
    expect(calls).toEqual([]);
    expect((await ledger.auditByTime(hour)).map((e) => e.type)).toEqual(["deny"]);
  });

  it("stores a hash of every credential field and the caller's forensic claims, never the secret", async () => {
    const { pipeline, ledger } = setup();
    const vended = await pipeline.vend({ ...claims, extra_secret_looking_claim: "x" }, { scopes: ["local:read:a"] });
    const record = await ledger.getCredential(vended.credentialId);
    expect(record?.tokenHashes).toEqual([tokenHash(vended.credential.token!)]);
    expect(record?.subject).toEqual({ iss: "https://issuer.test", repository: "acme/web", ref: "refs/heads/main", run_id: "42", actor: "octocat" });
    expect(JSON.stringify(record)).not.toContain(vended.credential.token);
  });

  it("removes duplicate scopes", async () => {
    const { pipeline } = setup();
    const vended = await pipeline.vend(claims, { scopes: ["local:read:a", "local:read:a"] });
    expect(vended.scopes).toEqual(["local:read:a"]);
  });

  it("passes the worker's analysis warnings through", async () => {
    const { pipeline } = setup();
    const vended = await pipeline.vend(claims, { scopes: ["local:read:*"] });
    expect(vended.warnings.length).toBeGreaterThan(0);
    expect(vended.warnings[0]).toMatch(/^local:read:\*: /);
  });

  it("does not hand out a credential the ledger could not record, and revokes it upstream", async () => {
    class FailingLedger extends MemoryLedger {
      override async recordIssued(_record: CredentialRecord): Promise<void> {
        throw new LedgerError("recordIssued: table unavailable");
      }
    }
    const { pipeline, store, calls, ledger } = setup(new FailingLedger());
    await expect(pipeline.vend(claims, { scopes: ["local:read:a"] })).rejects.toBeInstanceOf(LedgerError);
    expect(calls).toEqual(["Prepare", "Vend", "Revoke"]);
    const minted = await store.findByCredentialId("cred-1");
    expect(minted?.revokedAt).toBeInstanceOf(Date);
    // The vend event was written alongside the record; a failure event says it was not handed out.
    const events = await ledger.auditByCredential("cred-1");
    expect(events.map((e) => [e.type, e.reason])).toEqual([["vend", undefined], ["failure", "ledger_unavailable"]]);
  });

  it("does not hand out a credential whose vend event could not be written either", async () => {
    class NoVendEvents extends MemoryLedger {
      override async appendAudit(event: AuditEvent): Promise<void> {
        if (event.type === "vend") throw new LedgerError("appendAudit: table unavailable");
        return super.appendAudit(event);
      }
    }
    const { pipeline, store, calls } = setup(new NoVendEvents());
    await expect(pipeline.vend(claims, { scopes: ["local:read:a"] })).rejects.toBeInstanceOf(LedgerError);
    expect(calls).toEqual(["Prepare", "Vend", "Revoke"]);
    expect((await store.findByCredentialId("cred-1"))?.revokedAt).toBeInstanceOf(Date);
  });

  it("re-checks the worker's normalized scope segment by segment: an action wildcard does not cross ':' (victim-bucket)", async () => {
    const policy = loadPolicyYaml(`
version: 1
audience: credvend
issuers: [https://issuer.test]
rules:
  - name: web-builds
    when: { repository: acme/web }
    allow: ["aws:s3-*:acme-web-assets/builds/*"]
`);
    const calls: string[] = [];
    const canonical = parseScope("aws:s3-write:victim-bucket/x:acme-web-assets/builds/1.zip");
    const rewriting: PluginClient = {
      name: "rewriting",
      describe: async () => Promise.reject(new Error("unexpected")),
      revoke: async () => Promise.reject(new Error("unexpected")),
      prepare: async (request) => {
        calls.push("Prepare");
        return {
          validations: request.scopes.map((scope) => ({ scope, valid: true, normalized: canonical })),
          analyses: [],
          serialized: { serialized: new Uint8Array(), mediaType: "application/octet-stream" },
        };
      },
      vend: async () => {
        calls.push("Vend");
        return Promise.reject(new Error("unexpected"));
      },
    };
    const ledger = new MemoryLedger();
    const pipeline = new VendPipeline({ policy, ledger, plugins: new StaticPluginDirectory([{ client: rewriting, providers: ["aws"] }]) });
    await expect(pipeline.vend(claims, { scopes: ["aws:s3-write:acme-web-assets/builds/1.zip"] })).rejects.toBeInstanceOf(PolicyDeniedError);
    expect(calls).toEqual(["Prepare"]);
    const events = await ledger.auditByTime(hour);
    expect(events.map((e) => [e.type, e.details?.["denied"]])).toEqual([["deny", "aws:s3-write:victim-bucket/x:acme-web-assets/builds/1.zip"]]);
  });
});
