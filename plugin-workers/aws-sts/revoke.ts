// Early revocation of ONE AWS session (opt-in: CREDVEND_AWS_REVOKE_SESSIONS=1, and the worker's
// role needs iam:GetRolePolicy + iam:PutRolePolicy on the vended roles): the session's
// aws:userid is added to a Deny inline policy on its role (session-deny-policy.ts), expired
// entries pruned on each write. IAM has no compare-and-set, so writes for one role are serialized
// in this process and each one is read back; a concurrent writer in another process could still
// drop an entry (documented in functions/webhooks/README.md), which the read-back catches if it
// lands before it, and a later delivery repairs.
import { GetRolePolicyCommand, NoSuchEntityException, PutRolePolicyCommand, type IAMClient } from "@aws-sdk/client-iam";
import type { Clock } from "../sdk/index.js";
import { systemClock } from "../sdk/index.js";
import type { RevokeRequest, RevokeResult } from "../../plugin-protocol/types.js";
import { PluginError } from "../sdk/index.js";
import { INLINE_POLICY_LIMIT, REVOKED_SESSIONS_POLICY, denyDocument, policySize, sessionsOf } from "./session-deny-policy.js";
import type { AwsSessionRef } from "./session-ref.js";

const ROLE_NAME = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:.*\/)?([A-Za-z0-9+=,.@_-]{1,64})$/;
const ATTEMPTS = 3;

export function awsSessionRevoke(iam: IAMClient, clock: Clock = systemClock): (request: RevokeRequest) => Promise<RevokeResult> {
  const queues = new Map<string, Promise<unknown>>();
  return async (request) => {
    if (request.expiresAt.getTime() <= clock.now().getTime()) return { outcome: "already_gone", detail: "the session has expired" };
    const ref = parseRef(request.upstreamRef);
    const roleName = ROLE_NAME.exec(ref.roleArn)?.[1];
    if (!roleName || !ref.assumedRoleId.includes(":")) throw new PluginError("invalid_argument", "the session reference names no role session");
    const session = { userId: ref.assumedRoleId, expiresAt: request.expiresAt };
    // One write at a time per role in this process: read-modify-write must not interleave.
    const previous = queues.get(roleName) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => denySession(iam, clock, roleName, session));
    queues.set(roleName, run);
    try {
      await run;
    } finally {
      if (queues.get(roleName) === run) queues.delete(roleName);
    }
    return { outcome: "revoked", detail: `session ${ref.sessionName} denied on role ${roleName} until it expires` };
  };
}

async function denySession(iam: IAMClient, clock: Clock, roleName: string, session: { userId: string; expiresAt: Date }): Promise<void> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const current = await readSessions(iam, roleName);
    if (current.some((s) => s.userId === session.userId)) return;
    const document = denyDocument([...current, session], clock.now())!;
    if (policySize(document) > INLINE_POLICY_LIMIT) {
      throw new PluginError("unavailable", `the role's inline policy limit is reached (${REVOKED_SESSIONS_POLICY}); revoke its sessions in the IAM console`);
    }
    await iam
      .send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: REVOKED_SESSIONS_POLICY, PolicyDocument: document }))
      .catch((error: unknown) => {
        throw new PluginError("unavailable", `IAM refused the deny policy (${error instanceof Error ? error.name : "error"})`, { cause: error });
      });
    // Read back: another writer may have replaced the document in between.
    if ((await readSessions(iam, roleName)).some((s) => s.userId === session.userId)) return;
  }
  throw new PluginError("unavailable", "the deny policy kept being overwritten; retry");
}

async function readSessions(iam: IAMClient, roleName: string) {
  try {
    const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: REVOKED_SESSIONS_POLICY }));
    // IAM returns the document URL-encoded.
    return sessionsOf(PolicyDocument ? decodeURIComponent(PolicyDocument) : undefined);
  } catch (error) {
    if (error instanceof NoSuchEntityException) return [];
    throw new PluginError("unavailable", `IAM could not be read (${error instanceof Error ? error.name : "error"})`, { cause: error });
  }
}

function parseRef(upstreamRef: string): AwsSessionRef {
  try {
    const ref = JSON.parse(upstreamRef) as Partial<AwsSessionRef>;
    if (typeof ref.roleArn === "string" && typeof ref.assumedRoleId === "string" && typeof ref.sessionName === "string") return ref as AwsSessionRef;
  } catch {
    // Reported below.
  }
  throw new PluginError("invalid_argument", "the session reference is not one this worker wrote");
}
