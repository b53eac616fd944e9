// The manual-revocation URL of a leak alert is the one the credential's worker returned at vend
// time: real workers (aws-sts against a local STS over HTTP, github against a local GitHub API)
// vend through the vend pipeline into the ledger, then the leak handler acts on the leaked secret.
// No record here is written by hand.
import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeakHandler } from "../../functions/core/leak/leak-handler.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import type { PluginClient } from "../../functions/core/ports/plugin-client.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { createAwsStsWorker } from "../../plugin-workers/aws-sts/worker.js";
import { REVOKED_SESSIONS_POLICY, denyDocument } from "../../plugin-workers/aws-sts/session-deny-policy.js";
import { loadGitHubAppCredentials } from "../../plugin-workers/github/config.js";
import { GitHubApp } from "../../plugin-workers/github/github-app.js";
import { createGitHubWorker } from "../../plugin-workers/github/worker.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";
import { startFakeSts, type FakeSts } from "../support/fake-sts.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { MemoryRevocationStore } from "../support/memory-revocation-store.js";
import { StaticPluginDirectory } from "../support/static-plugin-directory.js";
import { ISSUER, createVendFixture } from "../support/vend-fixture.js";

const POLICY = `
version: 1
audience: credvend
issuers: [${ISSUER}]
rules:
  - name: web-main
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["aws:s3-read:acme-web-assets", "github:contents-read:acme/web"]
    maxTtl: 1h
`;
const ROLE = "arn:aws:iam::123456789012:role/ci/credvend-ci";
const REVOKE_SESSIONS = "https://console.aws.amazon.com/iam/home?account=123456789012#/roles/details/credvend-ci?section=revoke_sessions";

let sts: FakeSts;
let github: FakeGitHubApi;
beforeAll(async () => {
  [sts, github] = await Promise.all([startFakeSts(), startFakeGitHubApi()]);
});
afterAll(async () => {
  await sts?.close();
  await github?.close();
});

const stsClient = () =>
  new STSClient({
    region: "eu-west-1",
    endpoint: sts.url,
    maxAttempts: 1,
    credentials: { accessKeyId: "AKIDWORKER", secretAccessKey: "worker-secret" },
  });
const awsWorker = (iam?: IAMClient) =>
  inMemoryWorkerClient(
    createAwsStsWorker({
      config: { defaultRoleArn: ROLE, roles: {}, maxSessionSeconds: 3600, region: "eu-west-1" },
      sts: stsClient(),
      ...(iam ? { revocation: { iam, store: new MemoryRevocationStore() } } : {}),
    }),
    { maxRetries: 0 },
  );
const iamClient = () =>
  new IAMClient({ region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: "AKIDWORKER", secretAccessKey: "worker-secret" } });
const githubWorker = () => {
  const credentials = loadGitHubAppCredentials({
    GITHUB_APP_ID: github.appId,
    GITHUB_APP_PRIVATE_KEY: github.privateKey,
    GITHUB_API_URL: github.url,
  })!;
  return inMemoryWorkerClient(createGitHubWorker({ app: new GitHubApp(credentials) }), { maxRetries: 0 });
};

/** Vends `scope` through the pipeline with `worker`, then reports one of its secrets as leaked. */
async function vendThenLeak(worker: PluginClient, provider: string, scope: string, ttlSeconds: number) {
  const fixture = await createVendFixture({ policy: POLICY, otherWorkers: [{ client: worker, providers: [provider] }] });
  const response = await fixture.vend({ scopes: [scope], ttlSeconds });
  expect(response.status).toBe(200);
  const { credentialId, credential } = (await response.json()) as { credentialId: string; credential: Record<string, string> };
  const notifications: Notification[] = [];
  const handler = new LeakHandler({
    ledger: fixture.ledger,
    plugins: new StaticPluginDirectory([{ client: worker, providers: [provider] }]),
    notifier: { notify: async (n) => void notifications.push(n) },
    // One attempt: the terminal revoke_failed (and its alert) comes at once instead of from the sweeper.
    maxAttempts: 1,
  });
  const secret = Object.values(credential).at(-1)!;
  const result = await handler.handle({
    tokenHash: tokenHash(secret),
    source: { channel: "secret_scanning_alert", repository: "acme/web" },
  });
  const audit = await fixture.ledger.auditByCredential(credentialId);
  return { result, notifications, audit, record: await fixture.ledger.getCredential(credentialId) };
}

describe("leak alerts carry the worker's manual revocation URL", () => {
  it("aws-sts, not revocable: manual_revoke_required links to the role's Revoke active sessions tab", async () => {
    const { result, notifications, audit, record } = await vendThenLeak(awsWorker(), "aws", "aws:s3-read:acme-web-assets", 900);
    expect(result.outcome).toBe("manual_revoke_required");
    expect(record?.manualRevocationUrl).toBe(REVOKE_SESSIONS);
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({
      kind: "manual_revoke_required",
      urgency: "high",
      details: { provider: "aws", manualRevocationUrl: REVOKE_SESSIONS },
    });
    expect(audit.find((e) => e.type === "manual")?.details).toMatchObject({ manualRevocationUrl: REVOKE_SESSIONS });
  });

  it("github, no token vault: manual_revoke_required links to the organization's installation settings", async () => {
    const url = "https://github.com/organizations/acme/settings/installations/77";
    const { result, notifications, record } = await vendThenLeak(githubWorker(), "github", "github:contents-read:acme/web", 3600);
    expect(result.outcome).toBe("manual_revoke_required");
    expect(record?.manualRevocationUrl).toBe(url);
    expect(notifications[0]).toMatchObject({ kind: "manual_revoke_required", details: { provider: "github", manualRevocationUrl: url } });
  });

  it("aws-sts, revocable but IAM refuses: the revoke_failed alert links to the same tab", async () => {
    const iam = iamClient();
    const iamMock = mockClient(iam);
    iamMock
      .on(GetRolePolicyCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
    try {
      const { result, notifications } = await vendThenLeak(awsWorker(iam), "aws", "aws:s3-read:acme-web-assets", 900);
      expect(result.outcome).toBe("revoke_failed");
      expect(notifications).toHaveLength(1);
      expect(notifications[0]).toMatchObject({ kind: "revoke_failed", urgency: "high", details: { manualRevocationUrl: REVOKE_SESSIONS } });
    } finally {
      iamMock.restore();
    }
  });

  it("aws-sts, revocable but the role's deny policy is full: manual_revoke_required at once with the same tab, never revoked, nothing truncated", async () => {
    const iam = iamClient();
    const iamMock = mockClient(iam);
    const soon = new Date(Date.now() + 1800_000);
    const full = denyDocument(
      Array.from({ length: 200 }, (_, i) => ({ userId: `AROAEXAMPLEID:${"x".repeat(40)}-${i}`, expiresAt: soon })),
      new Date(),
    )!;
    iamMock
      .on(GetRolePolicyCommand)
      .resolves({ RoleName: "credvend-ci", PolicyName: REVOKED_SESSIONS_POLICY, PolicyDocument: encodeURIComponent(full) });
    try {
      const { result, notifications, record, audit } = await vendThenLeak(awsWorker(iam), "aws", "aws:s3-read:acme-web-assets", 900);
      expect(result.outcome).toBe("manual_revoke_required");
      // No retries: the worker said a retry cannot make it fit.
      expect(record).toMatchObject({
        state: "failed",
        outcome: "manual_revoke_required",
        invalidation: { attempts: 1, lastError: "manual_required" },
      });
      expect(iamMock.commandCalls(GetRolePolicyCommand).length).toBeGreaterThan(0);
      expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(0);
      expect(notifications).toHaveLength(1);
      expect(notifications[0]).toMatchObject({
        kind: "manual_revoke_required",
        urgency: "high",
        details: { manualRevocationUrl: REVOKE_SESSIONS, reason: expect.stringContaining("inline policy limit") },
      });
      expect(audit.some((e) => e.type === "failure" && e.details?.error === "worker_upstream_failed")).toBe(false);
    } finally {
      iamMock.restore();
    }
  });
});
