// TTL exactly as asked: a GitHub installation token (which GitHub keeps alive for an hour) vended
// for 15 minutes is answered with the granted expiry, kept in the ledger with its real one, and
// revoked by the sweeper at the granted time through the worker's Revoke (DELETE
// /installation/token, with the token), audited `expired_by_broker`; a failed revoke is retried.
// Real parts: the github worker (App auth against a local GitHub stand-in, sealed-token vault) behind
// the broker's gRPC-web client, the DynamoDB ledger on dynalite, the vend pipeline, the sweeper.
import { randomBytes, randomUUID } from "node:crypto";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbLedger, ensureLedgerTable } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import { CredentialRevoker } from "../../functions/core/revocation/credential-revoker.js";
import { EarlyExpiry } from "../../functions/core/revocation/early-expiry.js";
import { VendPipeline } from "../../functions/core/vend-pipeline.js";
import { loadGitHubAppCredentials } from "../../plugin-workers/github/config.js";
import { GitHubApp } from "../../plugin-workers/github/github-app.js";
import { AesGcmSealer, MemoryVaultStore, TokenVault } from "../../plugin-workers/github/token-vault.js";
import { createGitHubWorker } from "../../plugin-workers/github/worker.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { StaticPluginDirectory } from "../support/static-plugin-directory.js";

const POLICY = `
version: 1
audience: credvend
issuers: [https://token.actions.githubusercontent.com]
rules:
  - name: web-github
    when: { repository: acme/web }
    allow: ["github:contents-read:acme/web"]
    maxTtl: 15m
`;
const CLAIMS = { iss: "https://token.actions.githubusercontent.com", repository: "acme/web", repository_id: "1", run_id: "77" };

let github: FakeGitHubApi;
let dynamo: LocalDynamo;
beforeAll(async () => {
  [github, dynamo] = await Promise.all([startFakeGitHubApi(), startDynalite()]);
});
afterAll(async () => Promise.all([github?.close(), dynamo?.close()]));

async function setup(policy = POLICY) {
  const client = localDynamoClient(dynamo.endpoint);
  const tableName = `ledger-${randomUUID()}`;
  await ensureLedgerTable(client, tableName);
  const ledger = new DynamoDbLedger({ client, tableName });
  // GitHub's DELETE /installation/token: scripted statuses (then 204), and who called with what.
  const revocations: string[] = [];
  const script: number[] = [];
  const api = new Hono().delete("/installation/token", (c) => {
    revocations.push(c.req.header("authorization") ?? "");
    const status = script.shift() ?? 204;
    return status === 204 ? c.body(null, 204) : c.json({ message: "no" }, status as 500);
  });
  const credentials = loadGitHubAppCredentials({
    GITHUB_APP_ID: github.appId,
    GITHUB_APP_PRIVATE_KEY: github.privateKey,
    GITHUB_API_URL: github.url,
  })!;
  const worker = inMemoryWorkerClient(
    createGitHubWorker({
      app: new GitHubApp(credentials),
      revocation: {
        vault: new TokenVault(new AesGcmSealer(randomBytes(32)), new MemoryVaultStore()),
        apiUrl: "http://github.test",
        fetch: async (input, init) => api.fetch(new Request(input, init)),
      },
    }),
    { maxRetries: 0 },
  );
  let now = Date.now();
  const clock = { now: () => new Date(now) };
  const plugins = new StaticPluginDirectory([{ client: worker, providers: ["github"] }]);
  const pipeline = new VendPipeline({
    policy: loadPolicyYaml(policy),
    plugins,
    ledger,
    notifier: { notify: async () => undefined },
    clock,
  });
  const earlyExpiry = new EarlyExpiry({ ledger, revoker: new CredentialRevoker({ ledger, plugins, clock }), clock, retryBaseMs: 1000 });
  return { ledger, pipeline, earlyExpiry, revocations, script, advance: (ms: number) => (now += ms), clock };
}

describe("early expiry: a provider's credential cut to the granted TTL", () => {
  it("a 15-minute GitHub token: the answer says 15 minutes, the ledger keeps the real hour, the sweeper revokes it at 15", async () => {
    const { ledger, pipeline, earlyExpiry, revocations, advance, clock } = await setup();
    const issuedAt = clock.now().getTime();
    const vended = await pipeline.vend(CLAIMS, { scopes: ["github:contents-read:acme/web"], ttlSeconds: 3600 });
    expect(vended.ttlSeconds).toBe(900);
    expect(Date.parse(vended.expiresAt)).toBe(issuedAt + 900_000);
    expect(vended.notes.join("\n")).toContain("credvend revokes it at");

    const record = await ledger.getCredential(vended.credentialId);
    expect(record?.revokeAt).toBe(vended.expiresAt);
    // The real expiry, from GitHub: what leak response goes by if the early revoke never happens.
    expect(Date.parse(record!.expiresAt)).toBeGreaterThan(issuedAt + 3000_000);

    advance(899_000);
    expect(await earlyExpiry.sweep()).toEqual({ expired: 0, retried: 0 });
    expect(revocations).toEqual([]);

    advance(1_000);
    expect(await earlyExpiry.sweep()).toEqual({ expired: 1, retried: 0 });
    expect(revocations).toEqual([`token ${vended.credential.token}`]);
    expect(await ledger.getCredential(vended.credentialId)).toMatchObject({ state: "revoked", revokedBy: "expired_by_broker" });
    const events = await ledger.auditByCredential(vended.credentialId);
    expect(events.map((e) => [e.type, e.reason ?? ""])).toEqual([
      ["vend", ""],
      ["revoke", "expired_by_broker"],
    ]);
    expect(events[1]?.details).toMatchObject({ upstream: "revoked", revokeAt: vended.expiresAt, expiresAt: record!.expiresAt });
    expect(JSON.stringify(events)).not.toContain(vended.credential.token!);

    // Done: off the schedule, nothing more upstream.
    advance(3600_000);
    expect(await earlyExpiry.sweep()).toEqual({ expired: 0, retried: 0 });
    expect(revocations).toHaveLength(1);
  });

  it("a failed early revoke keeps the credential live with its real expiry in the ledger, and is retried", async () => {
    const { ledger, pipeline, earlyExpiry, revocations, script, advance } = await setup();
    const vended = await pipeline.vend(CLAIMS, { scopes: ["github:contents-read:acme/web"], ttlSeconds: 600 });
    script.push(500);
    advance(600_000);
    expect(await earlyExpiry.sweep()).toEqual({ expired: 0, retried: 1 });
    const record = await ledger.getCredential(vended.credentialId);
    expect(record).toMatchObject({ state: "active", revokeAt: vended.expiresAt });
    expect(record?.revokedBy).toBeUndefined();
    // Not before the backoff.
    expect(await earlyExpiry.sweep()).toEqual({ expired: 0, retried: 0 });
    advance(1_000);
    expect(await earlyExpiry.sweep()).toEqual({ expired: 1, retried: 0 });
    expect(revocations).toHaveLength(2);
    expect(await ledger.getCredential(vended.credentialId)).toMatchObject({ state: "revoked", revokedBy: "expired_by_broker" });
  });

  it("a credential that expires on time (the grant is the provider's own life) is never scheduled", async () => {
    const { ledger, pipeline, earlyExpiry, revocations, advance } = await setup(POLICY.replace("maxTtl: 15m", "maxTtl: 1h"));
    const vended = await pipeline.vend(CLAIMS, { scopes: ["github:contents-read:acme/web"], ttlSeconds: 3600 });
    expect((await ledger.getCredential(vended.credentialId))?.revokeAt).toBeUndefined();
    advance(3600_000);
    expect(await earlyExpiry.sweep()).toEqual({ expired: 0, retried: 0 });
    expect(revocations).toEqual([]);
  });
});
