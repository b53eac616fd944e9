// Early revocation of one AWS session: IAM at the SDK boundary (aws-sdk-client-mock keeping the
// role's inline policy like IAM would), exact PutRolePolicy documents, pruning and the size limit.
import { GetRolePolicyCommand, IAMClient, NoSuchEntityException, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkerError } from "../../functions/core/errors.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import type { AwsStsConfig } from "../../plugin-workers/aws-sts/config.js";
import { REVOKED_SESSIONS_POLICY, denyDocument, sessionsOf } from "../../plugin-workers/aws-sts/session-deny-policy.js";
import { createAwsStsWorker } from "../../plugin-workers/aws-sts/worker.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";

const ROLE = "arn:aws:iam::123456789012:role/ci/credvend-ci";
const CONFIG: AwsStsConfig = { defaultRoleArn: ROLE, roles: { deployer: "arn:aws:iam::123456789012:role/deployer" }, maxSessionSeconds: 3600, region: "eu-west-1" };
const stsMock = mockClient(STSClient);
const iamMock = mockClient(IAMClient);

/** The role's inline policy, as IAM keeps it (GetRolePolicy answers it URL-encoded). */
let stored: string | undefined;
beforeEach(() => {
  stored = undefined;
  iamMock.on(GetRolePolicyCommand).callsFake(async () => {
    if (stored === undefined) throw new NoSuchEntityException({ message: "no such policy", $metadata: {} });
    return { RoleName: "credvend-ci", PolicyName: REVOKED_SESSIONS_POLICY, PolicyDocument: encodeURIComponent(stored) };
  });
  iamMock.on(PutRolePolicyCommand).callsFake(async (input: { PolicyDocument: string }) => {
    stored = input.PolicyDocument;
    return {};
  });
});
afterEach(() => {
  stsMock.reset();
  iamMock.reset();
});

function setup(withIam = true) {
  const worker = createAwsStsWorker({ config: CONFIG, sts: new STSClient({ region: "eu-west-1" }), ...(withIam ? { iam: new IAMClient({ region: "us-east-1" }) } : {}) });
  const client = inMemoryWorkerClient(worker, { maxRetries: 0 });
  const vend = async (credentialId: string, expiresAt = new Date(Date.now() + 3600_000), scope = "aws:s3-read:acme-assets") => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "t", Expiration: expiresAt },
      AssumedRoleUser: { Arn: `arn:aws:sts::123456789012:assumed-role/credvend-ci/${credentialId}`, AssumedRoleId: `AROAEXAMPLEID:${credentialId}` },
    });
    const request = { scopes: [parseScope(scope)], subject: { repository: "acme/web", actor: "octocat" }, ttlSeconds: 900 };
    const prepared = await client.prepare(request);
    return { credentialId, ...(await client.vend({ ...request, credentialId, serialized: prepared.serialized!.serialized })) };
  };
  const revoke = (v: { credentialId: string; upstreamRef: string; expiresAt: Date }) =>
    client.revoke({ credentialId: v.credentialId, scopes: [], upstreamRef: v.upstreamRef, expiresAt: v.expiresAt });
  return { client, vend, revoke };
}

const hourEnd = (date: Date) => new Date(Math.ceil(date.getTime() / 3600_000) * 3600_000);

describe("aws-sts early revocation", () => {
  it("when enabled: revocable sessions, and Revoke writes a Deny on the session's aws:userid until its hour ends", async () => {
    const { client, vend, revoke } = setup();
    expect((await client.describe()).capabilities).toContain("revoke");
    const vended = await vend("cred-0001");
    expect(vended.revocable).toBe(true);
    expect(await revoke(vended)).toEqual({ outcome: "revoked", detail: "session cred-0001 denied on role credvend-ci until it expires" });

    const puts = iamMock.commandCalls(PutRolePolicyCommand);
    expect(puts).toHaveLength(1);
    const end = hourEnd(vended.expiresAt);
    expect(puts[0]!.args[0].input).toEqual({
      RoleName: "credvend-ci",
      PolicyName: "credvend-revoked-sessions",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
          Sid: `RevokedUntil${end.getTime() / 1000}`, Effect: "Deny", Action: "*", Resource: "*",
          Condition: { StringEquals: { "aws:userid": ["AROAEXAMPLEID:cred-0001"] }, DateLessThan: { "aws:CurrentTime": end.toISOString().replace(".000Z", "Z") } },
        }],
      }),
    });
  });

  it("adds sessions to the existing document, is idempotent, and prunes entries whose hour has passed", async () => {
    const { vend, revoke } = setup();
    stored = denyDocument([{ userId: "AROAEXAMPLEID:old", expiresAt: new Date(Date.now() + 60_000) }], new Date());
    // Pretend the old entry's hour is over: rewrite it two hours back.
    stored = stored!.replace(/RevokedUntil\d+/, `RevokedUntil${Math.floor(Date.now() / 1000) - 7200}`);
    const first = await vend("cred-0001");
    const second = await vend("cred-0002");
    await revoke(first);
    await revoke(second);
    await revoke(second);
    expect(sessionsOf(stored).map((s) => s.userId).sort()).toEqual(["AROAEXAMPLEID:cred-0001", "AROAEXAMPLEID:cred-0002"]);
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(2);
  });

  it("concurrent revocations on one role all land (writes are serialized and read back)", async () => {
    const { vend, revoke } = setup();
    const sessions: Awaited<ReturnType<typeof vend>>[] = [];
    for (let i = 0; i < 8; i++) sessions.push(await vend(`cred-c${i}`)); // one STS answer at a time
    await Promise.all(sessions.map(revoke));
    expect(sessionsOf(stored)).toHaveLength(8);
  });

  it("an expired session is already gone: no IAM call", async () => {
    const { vend, revoke } = setup();
    const vended = await vend("cred-0003");
    expect(await revoke({ ...vended, expiresAt: new Date(Date.now() - 1000) })).toEqual({ outcome: "already_gone", detail: "the session has expired" });
    expect(iamMock.commandCalls(GetRolePolicyCommand)).toHaveLength(0);
  });

  it("a full inline policy is refused (unavailable, so the core alerts and points at the console), never truncated", async () => {
    const { vend, revoke } = setup();
    const soon = new Date(Date.now() + 1800_000);
    stored = denyDocument(Array.from({ length: 200 }, (_, i) => ({ userId: `AROAEXAMPLEID:${"x".repeat(40)}-${i}`, expiresAt: soon })), new Date());
    const vended = await vend("cred-0004");
    const error = await revoke(vended).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).message).toContain("inline policy limit");
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(0);
  });

  it("IAM refusing the write (no iam:PutRolePolicy) is unavailable, not revoked", async () => {
    iamMock.on(PutRolePolicyCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDenied" }));
    const { vend, revoke } = setup();
    const error = await revoke(await vend("cred-0005")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).kind).toBe("unavailable");
  });

  it("sessions of a named role are not revocable this way (the worker may only change the default role)", async () => {
    const { vend } = setup();
    expect((await vend("cred-0007", undefined, "aws:role:deployer")).revocable).toBe(false);
  });

  it("when not enabled: credentials not revocable (the leak handler takes the manual branch); Revoke advertised for one signed manifest", async () => {
    const { client, vend } = setup(false);
    expect((await client.describe()).capabilities).toContain("revoke");
    expect((await vend("cred-0006")).revocable).toBe(false);
  });
});
