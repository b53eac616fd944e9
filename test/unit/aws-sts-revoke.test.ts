// Early revocation of one AWS session: IAM at the SDK boundary (aws-sdk-client-mock keeping the
// role's inline policy like IAM would, with reads that can lag behind writes), the role lock and
// recorded sessions in memory (the same contract as DynamoDB's). Exact PutRolePolicy documents,
// pruning, the read-back, the lock, and the size limit.
import { GetRolePolicyCommand, IAMClient, NoSuchEntityException, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WorkerError } from "../../functions/core/errors.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import type { AwsStsConfig } from "../../plugin-workers/aws-sts/config.js";
import type { RevocationTiming } from "../../plugin-workers/aws-sts/revoke.js";
import { REVOKED_SESSIONS_POLICY, denyDocument, sessionsOf } from "../../plugin-workers/aws-sts/session-deny-policy.js";
import { createAwsStsWorker } from "../../plugin-workers/aws-sts/worker.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { MemoryRevocationStore } from "../support/memory-revocation-store.js";

const ROLE = "arn:aws:iam::123456789012:role/ci/credvend-ci";
const CONFIG: AwsStsConfig = {
  defaultRoleArn: ROLE,
  roles: { deployer: "arn:aws:iam::123456789012:role/deployer" },
  maxSessionSeconds: 3600,
  region: "eu-west-1",
};
const TIMING: RevocationTiming = {
  lockWaitMs: 300,
  deadlineMs: 1_500,
  leaseMs: 10_000,
  lockPausesMs: [5, 40],
  readBackPausesMs: [0, 10, 20, 40],
};
const stsMock = mockClient(STSClient);
const iamMock = mockClient(IAMClient);

/** The role's inline policy, as IAM keeps it (GetRolePolicy answers it URL-encoded). */
let stored: string | undefined;
/** What reads answer instead of `stored` while IAM is "not yet consistent": one entry per read. */
let lagging: (string | undefined)[] = [];
let store: MemoryRevocationStore;
beforeEach(() => {
  stored = undefined;
  lagging = [];
  store = new MemoryRevocationStore();
  iamMock.on(GetRolePolicyCommand).callsFake(async () => {
    const document = lagging.length > 0 ? lagging.shift() : stored;
    if (document === undefined) throw new NoSuchEntityException({ message: "no such policy", $metadata: {} });
    return { RoleName: "credvend-ci", PolicyName: REVOKED_SESSIONS_POLICY, PolicyDocument: encodeURIComponent(document) };
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

/** One worker: on Lambda, one process of many sharing IAM and the lock table. */
function setup(options: { revocation?: boolean; timing?: RevocationTiming } = {}) {
  const revocation =
    options.revocation === false
      ? {}
      : { revocation: { iam: new IAMClient({ region: "us-east-1" }), store, timing: options.timing ?? TIMING } };
  const worker = createAwsStsWorker({ config: CONFIG, sts: new STSClient({ region: "eu-west-1" }), ...revocation });
  const client = inMemoryWorkerClient(worker, { maxRetries: 0 });
  const vend = async (credentialId: string, expiresAt = new Date(Date.now() + 3600_000), scope = "aws:s3-read:acme-assets") => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "t", Expiration: expiresAt },
      AssumedRoleUser: {
        Arn: `arn:aws:sts::123456789012:assumed-role/credvend-ci/${credentialId}`,
        AssumedRoleId: `AROAEXAMPLEID:${credentialId}`,
      },
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
const deniedIds = () =>
  sessionsOf(stored)
    .map((s) => s.userId)
    .sort();
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail("expected a failure"),
    (error: unknown) => error as WorkerError,
  );

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
        Statement: [
          {
            Sid: `RevokedUntil${end.getTime() / 1000}`,
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: {
              StringEquals: { "aws:userid": ["AROAEXAMPLEID:cred-0001"] },
              DateLessThan: { "aws:CurrentTime": end.toISOString().replace(".000Z", "Z") },
            },
          },
        ],
      }),
    });
    expect(store.locks.size).toBe(0); // released
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
    expect(deniedIds()).toEqual(["AROAEXAMPLEID:cred-0001", "AROAEXAMPLEID:cred-0002"]);
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(2);
  });

  it("concurrent revocations on one role, from several workers sharing the lock table, all land", async () => {
    const workers = [setup(), setup(), setup()];
    const sessions: { worker: (typeof workers)[number]; vended: Awaited<ReturnType<(typeof workers)[number]["vend"]>> }[] = [];
    for (let i = 0; i < 9; i++) sessions.push({ worker: workers[i % 3]!, vended: await workers[i % 3]!.vend(`cred-c${i}`) }); // one STS answer at a time
    await Promise.all(sessions.map(({ worker, vended }) => worker.revoke(vended)));
    expect(deniedIds()).toHaveLength(9);
  });

  it("an expired session is already gone: no IAM call", async () => {
    const { vend, revoke } = setup();
    const vended = await vend("cred-0003");
    expect(await revoke({ ...vended, expiresAt: new Date(Date.now() - 1000) })).toEqual({
      outcome: "already_gone",
      detail: "the session has expired",
    });
    expect(iamMock.commandCalls(GetRolePolicyCommand)).toHaveLength(0);
  });

  it("IAM refusing the write (no iam:PutRolePolicy) is unavailable, not revoked", async () => {
    iamMock.on(PutRolePolicyCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDenied" }));
    const { vend, revoke } = setup();
    const error = await failure(revoke(await vend("cred-0005")));
    expect(error).toBeInstanceOf(WorkerError);
    expect(error.kind).toBe("unavailable");
    expect(store.locks.size).toBe(0);
  });

  it("sessions of a named role are not revocable this way (the worker may only change the default role)", async () => {
    const { vend } = setup();
    expect((await vend("cred-0007", undefined, "aws:role:deployer")).revocable).toBe(false);
  });

  it("when not enabled: credentials not revocable (the leak handler takes the manual branch); Revoke advertised for one signed manifest", async () => {
    const { client, vend } = setup({ revocation: false });
    expect((await client.describe()).capabilities).toContain("revoke");
    expect((await vend("cred-0006")).revocable).toBe(false);
  });
});

describe("aws-sts revocation across processes: the role's lock", () => {
  it("never writes without the lock: held by a live holder, Revoke waits its bounded time and answers unavailable, IAM untouched", async () => {
    const { vend, revoke } = setup();
    const vended = await vend("cred-0010");
    await store.acquire("credvend-ci", "someone-else", new Date(), new Date(Date.now() + 60_000));
    const started = Date.now();
    const error = await failure(revoke(vended));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain("held the role's deny policy for too long");
    expect(Date.now() - started).toBeLessThan(TIMING.lockWaitMs + 200);
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(0);
    expect(iamMock.commandCalls(GetRolePolicyCommand)).toHaveLength(0);
    // The session stays recorded: whoever holds the lock next writes it too.
    expect((await store.remembered("credvend-ci")).map((s) => s.userId)).toEqual(["AROAEXAMPLEID:cred-0010"]);
  });

  it("a crashed holder's lease runs out: the next Revoke takes the lock over and writes", async () => {
    const { vend, revoke } = setup();
    const vended = await vend("cred-0011");
    await store.acquire("credvend-ci", "crashed", new Date(Date.now() - 30_000), new Date(Date.now() - 1));
    expect((await revoke(vended)).outcome).toBe("revoked");
    expect(deniedIds()).toEqual(["AROAEXAMPLEID:cred-0011"]);
  });

  it("a lock taken over before it was released (lease ran out midway): unavailable, never revoked", async () => {
    const { vend, revoke } = setup();
    const vended = await vend("cred-0012");
    iamMock.on(PutRolePolicyCommand).callsFake(async (input: { PolicyDocument: string }) => {
      stored = input.PolicyDocument;
      store.locks.set("credvend-ci", { owner: "taker", leaseUntil: Date.now() + 60_000 });
      return {};
    });
    const error = await failure(revoke(vended));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain("taken over");
  });

  it("a stale read by the next holder drops no session: the recorded sessions are written with IAM's document", async () => {
    const first = setup();
    const second = setup();
    const a = await first.vend("cred-a");
    const b = await second.vend("cred-b");
    await first.revoke(a);
    // IAM answers the second holder's first read from before a's write (eventually consistent).
    lagging = [undefined];
    await second.revoke(b);
    expect(deniedIds()).toEqual(["AROAEXAMPLEID:cred-a", "AROAEXAMPLEID:cred-b"]);
  });
});

describe("aws-sts revocation: revoked only when a read-back shows the session", () => {
  it("rides out IAM's eventual consistency: reads that lag behind the write are retried with backoff", async () => {
    const { vend, revoke } = setup();
    const vended = await vend("cred-0020");
    // The first read (before writing) and two read-backs still answer "no policy".
    lagging = [undefined, undefined, undefined];
    expect((await revoke(vended)).outcome).toBe("revoked");
    expect(iamMock.commandCalls(GetRolePolicyCommand)).toHaveLength(4);
  });

  it("a read-back that never shows the session is unavailable (retried by the core), not revoked", async () => {
    const { vend, revoke } = setup();
    const vended = await vend("cred-0021");
    lagging = Array.from({ length: 10 }, () => undefined);
    const error = await failure(revoke(vended));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain("does not show the deny yet");
    expect(iamMock.commandCalls(GetRolePolicyCommand)).toHaveLength(1 + TIMING.readBackPausesMs.length);
    expect(store.locks.size).toBe(0);
  });

  it("a repeat of a revocation that landed is already_gone, with no second write (Revoke is idempotent)", async () => {
    const { vend, revoke } = setup();
    const vended = await vend("cred-0023");
    expect((await revoke(vended)).outcome).toBe("revoked");
    expect((await revoke(vended)).outcome).toBe("already_gone");
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(1);
  });

  it("a session IAM already shows is revoked without another write", async () => {
    const { vend, revoke } = setup();
    const vended = await vend("cred-0022");
    stored = denyDocument([{ userId: "AROAEXAMPLEID:cred-0022", expiresAt: vended.expiresAt }], new Date());
    expect((await revoke(vended)).outcome).toBe("revoked");
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(0);
  });
});

describe("aws-sts revocation: IAM's inline policy size limit", () => {
  it("a full inline policy answers manual_required (the core's manual branch with the console link, at once), never truncated", async () => {
    const { vend, revoke } = setup();
    const soon = new Date(Date.now() + 1800_000);
    stored = denyDocument(
      Array.from({ length: 200 }, (_, i) => ({ userId: `AROAEXAMPLEID:${"x".repeat(40)}-${i}`, expiresAt: soon })),
      new Date(),
    );
    const before = stored;
    const vended = await vend("cred-0004");
    const result = await revoke(vended);
    expect(result.outcome).toBe("manual_required");
    expect(result.detail).toContain("inline policy limit");
    expect(result.detail).toContain("revoke the session by hand");
    expect(iamMock.commandCalls(PutRolePolicyCommand)).toHaveLength(0);
    expect(stored).toBe(before);
    // Not left recorded, where it would crowd out sessions that still fit.
    expect(await store.remembered("credvend-ci")).toEqual([]);
  });

  it("expired sessions are pruned from IAM's document and from the recorded ones, so the policy keeps room", async () => {
    const { vend, revoke } = setup();
    const past = new Date(Date.now() - 3 * 3600_000);
    await store.remember("credvend-ci", { userId: "AROAEXAMPLEID:long-gone", expiresAt: past });
    const vended = await vend("cred-0023");
    await revoke(vended);
    expect(deniedIds()).toEqual(["AROAEXAMPLEID:cred-0023"]);
    expect((await store.remembered("credvend-ci")).map((s) => s.userId)).toEqual(["AROAEXAMPLEID:cred-0023"]);
  });
});
