// The pipeline with real parts: the local-tokens worker behind the real gRPC-web client (in
// process), the in-memory ledger. What is counted is what crosses the worker's HTTP boundary.
import { describe, expect, it } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { StaticPluginDirectory } from "../support/static-plugin-directory.js";
import { LedgerError, PolicyDeniedError, WorkerError } from "../../functions/core/errors.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
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

/** What the worker handed out, seen from inside: the tests check none of it leaks. */
interface Vended {
  readonly secrets: string[];
  readonly upstreamRefs: string[];
}

function setup(ledger = new MemoryLedger(), worker: { revokeFails?: boolean; revocable?: boolean } = {}) {
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
  const vended: Vended = { secrets: [], upstreamRefs: [] };
  const wrapped: PluginClient = {
    name: client.name,
    describe: () => client.describe(),
    prepare: (request) => client.prepare(request),
    vend: async (request) => {
      const result = await client.vend(request);
      vended.secrets.push(...Object.values(result.credential));
      vended.upstreamRefs.push(result.upstreamRef);
      return worker.revocable === false ? { ...result, revocable: false } : result;
    },
    revoke: (request) =>
      worker.revokeFails
        ? Promise.reject(new WorkerError("local-tokens", "unavailable", "worker local-tokens is unavailable"))
        : client.revoke(request),
  };
  const alerts: Notification[] = [];
  let sequence = 0;
  const pipeline = new VendPipeline({
    policy: loadPolicyYaml(SAMPLE_POLICY),
    ledger,
    ids: { credentialId: () => `cred-${++sequence}`, eventId: () => `event-${++sequence}` },
    plugins: new StaticPluginDirectory([{ client: wrapped, providers: ["local"] }]),
    notifier: { notify: async (alert) => void alerts.push(alert) },
  });
  return { pipeline, ledger, store, calls, alerts, vended };
}

class FailingLedger extends MemoryLedger {
  override async recordIssued(_record: CredentialRecord): Promise<void> {
    throw new LedgerError("recordIssued: table unavailable");
  }
}

describe("VendPipeline", () => {
  // This worker is handed out without 1.2's inline Vend (a StaticPluginDirectory); vend-one-round-trip.test.ts counts the one-trip path.
  it("costs exactly two worker round trips per vend through a worker without the inline Vend, whatever the number of scopes", async () => {
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
    expect(record?.subject).toEqual({
      iss: "https://issuer.test",
      repository: "acme/web",
      ref: "refs/heads/main",
      run_id: "42",
      actor: "octocat",
    });
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
    const { pipeline, store, calls, ledger, alerts } = setup(new FailingLedger());
    await expect(pipeline.vend(claims, { scopes: ["local:read:a"] })).rejects.toBeInstanceOf(LedgerError);
    expect(calls).toEqual(["Prepare", "Vend", "Revoke"]);
    const minted = await store.findByCredentialId("cred-1");
    expect(minted?.revokedAt).toBeInstanceOf(Date);
    // The vend event was written alongside the record; a failure event says it was not handed out.
    const events = await ledger.auditByCredential("cred-1");
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ["vend", undefined],
      ["failure", "ledger_unavailable"],
    ]);
    expect(alerts).toEqual([]);
  });

  // Review finding: when the compensating revoke failed too, the error was swallowed, leaving a
  // live credential that nothing recorded and nobody was told about.
  describe("no silent abandon: the ledger cannot record a credential and it stays live", () => {
    it.each([
      {
        case: "the compensating revoke fails",
        worker: { revokeFails: true },
        revokeError: "worker_unavailable",
        calls: ["Prepare", "Vend"],
      },
      { case: "the worker cannot revoke it", worker: { revocable: false }, revokeError: "not_revocable", calls: ["Prepare", "Vend"] },
    ])("$case: a 503, one high alert naming the credential, without its secret", async ({ worker, revokeError, calls: wantCalls }) => {
      const { pipeline, calls, ledger, alerts, vended } = setup(new FailingLedger(), worker);
      await expect(pipeline.vend(claims, { scopes: ["local:read:a"] })).rejects.toMatchObject({ code: "ledger_unavailable" });
      expect(calls).toEqual(wantCalls);

      expect(alerts).toHaveLength(1);
      const [alert] = alerts;
      expect(alert).toMatchObject({
        urgency: "high",
        kind: "unrecorded_credential",
        details: {
          credentialId: "cred-1",
          provider: "local",
          worker: "local-tokens",
          upstreamRef: vended.upstreamRefs[0],
          scopes: "local:read:a",
          revokeError,
          tokenHashes: vended.secrets.map(tokenHash).join(" "),
          "subject.repository": "acme/web",
          "subject.run_id": "42",
        },
      });
      expect(alert!.details["upstreamRef"]).toBeTruthy();
      expect(vended.secrets).toHaveLength(1);
      for (const secret of vended.secrets) expect(JSON.stringify(alerts)).not.toContain(secret);

      // What can be written is: the vend event landed, so the failure events beside it do too.
      const events = await ledger.auditByCredential("cred-1");
      expect(events.map((e) => [e.type, e.reason])).toEqual([
        ["vend", undefined],
        ["failure", "ledger_unavailable"],
        ["failure", "unrecorded_credential"],
      ]);
      expect(events[2]!.details).toEqual(alert!.details);
      for (const secret of vended.secrets) expect(JSON.stringify(events)).not.toContain(secret);
    });

    it("the alert still goes out when the ledger takes no write at all, and a failing notifier does not change the answer", async () => {
      class DownLedger extends FailingLedger {
        override async appendAudit(_event: AuditEvent): Promise<void> {
          throw new LedgerError("appendAudit: table unavailable");
        }
      }
      const { pipeline, ledger, alerts } = setup(new DownLedger(), { revokeFails: true });
      await expect(pipeline.vend(claims, { scopes: ["local:read:a"] })).rejects.toMatchObject({ code: "ledger_unavailable" });
      expect(alerts.map((a) => [a.urgency, a.kind, a.details["credentialId"]])).toEqual([["high", "unrecorded_credential", "cred-1"]]);
      expect(await ledger.auditByCredential("cred-1")).toEqual([]);

      const failingNotifier = new VendPipeline({
        policy: loadPolicyYaml(SAMPLE_POLICY),
        ledger: new DownLedger(),
        plugins: new StaticPluginDirectory([{ client: { ...revokeless(), name: "local-tokens" }, providers: ["local"] }]),
        notifier: { notify: async () => Promise.reject(new Error("SNS down")) },
      });
      await expect(failingNotifier.vend(claims, { scopes: ["local:read:a"] })).rejects.toMatchObject({ code: "ledger_unavailable" });
    });
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
    const pipeline = new VendPipeline({
      policy,
      ledger,
      plugins: new StaticPluginDirectory([{ client: rewriting, providers: ["aws"] }]),
      notifier: { notify: async () => {} },
    });
    await expect(pipeline.vend(claims, { scopes: ["aws:s3-write:acme-web-assets/builds/1.zip"] })).rejects.toBeInstanceOf(
      PolicyDeniedError,
    );
    expect(calls).toEqual(["Prepare"]);
    const events = await ledger.auditByTime(hour);
    expect(events.map((e) => [e.type, e.details?.["denied"]])).toEqual([
      ["deny", "aws:s3-write:victim-bucket/x:acme-web-assets/builds/1.zip"],
    ]);
  });
});

/** A worker that vends a fixed local token it cannot revoke. */
function revokeless(): PluginClient {
  return {
    name: "revokeless",
    describe: async () => Promise.reject(new Error("unexpected")),
    prepare: async (request) => ({
      validations: request.scopes.map((scope) => ({ scope, valid: true })),
      analyses: [],
      serialized: { serialized: new Uint8Array(), mediaType: "application/octet-stream" },
    }),
    vend: async () => ({
      credential: { token: "cvd_secret" },
      expiresAt: new Date(Date.now() + 900_000),
      revocable: false,
      upstreamRef: "tok-1",
      notes: [],
    }),
    revoke: async () => Promise.reject(new Error("unexpected")),
  };
}
