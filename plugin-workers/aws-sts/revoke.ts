// Early revocation of ONE AWS session (opt-in: CREDVEND_AWS_REVOKE_SESSIONS=1): the session's
// aws:userid is added to a Deny inline policy on its role (session-deny-policy.ts). IAM has no
// compare-and-set, and Lambda runs one request per environment, so concurrent revocations of one
// role run in different processes. What keeps one from dropping another's entry:
//   1. the session is recorded first in the worker's table (RevocationStore.remember, an atomic
//      add), so whoever writes the policy next writes it too, whatever IAM answered them;
//   2. one writer per role across all environments: the role's lock in that table (a lease, so a
//      crashed holder blocks no longer than that), waited for with bounded backoff — without it,
//      nothing is written, and the answer is `unavailable` (retried by the core);
//   3. the holder writes IAM's document ∪ the recorded sessions, expired ones pruned;
//   4. `revoked` only once a read of the policy shows the session, retried with backoff because
//      IAM is eventually consistent.
// A policy over IAM's inline limit is never truncated: the answer is `manual_required`, and the core
// alerts at once with the role's Revoke sessions tab (retrying could not make it fit).
import { randomUUID } from "node:crypto";
import { GetRolePolicyCommand, NoSuchEntityException, PutRolePolicyCommand, type IAMClient } from "@aws-sdk/client-iam";
import type { RevokeRequest, RevokeResult } from "../../plugin-protocol/types.js";
import { PluginError } from "../sdk/plugin-error.js";
import { systemClock, type Clock } from "../sdk/clock.js";
import type { RevocationStore } from "./revocation-store.js";
import {
  INLINE_POLICY_LIMIT,
  REVOKED_SESSIONS_POLICY,
  denyDocument,
  policySize,
  sessionsOf,
  type RevokedSession,
} from "./session-deny-policy.js";
import type { AwsSessionRef } from "./session-ref.js";

const ROLE_NAME = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:.*\/)?([A-Za-z0-9+=,.@_-]{1,64})$/;

export interface RevocationTiming {
  /** How long to wait for the role's lock before answering `unavailable`. */
  readonly lockWaitMs: number;
  /** Since the call began: no policy write starts after it, and the read-back stops retrying. */
  readonly deadlineMs: number;
  /** How long a holder is presumed alive: past the deadline plus one IAM call's worst case. */
  readonly leaseMs: number;
  /** Pauses while the lock is held elsewhere: the first, doubled up to the last, with jitter. */
  readonly lockPausesMs: readonly [first: number, max: number];
  /** Pauses before each read of the policy after writing it. */
  readonly readBackPausesMs: readonly number[];
}

/** Within the core's worker timeout (5 s by default): up to 2 s for the lock, 4 s in all. */
export const REVOCATION_TIMING: RevocationTiming = {
  lockWaitMs: 2_000,
  deadlineMs: 4_000,
  leaseMs: 20_000,
  lockPausesMs: [25, 400],
  readBackPausesMs: [0, 100, 200, 400, 800],
};

export interface SessionRevocationOptions {
  readonly iam: IAMClient;
  readonly store: RevocationStore;
  readonly clock?: Clock;
  readonly timing?: RevocationTiming;
}

export function awsSessionRevoke(options: SessionRevocationOptions): (request: RevokeRequest) => Promise<RevokeResult> {
  const { iam, store } = options;
  const clock = options.clock ?? systemClock;
  const timing = options.timing ?? REVOCATION_TIMING;

  return async (request) => {
    const start = clock.now().getTime();
    if (request.expiresAt.getTime() <= start) return { outcome: "already_gone", detail: "the session has expired" };
    const ref = parseRef(request.upstreamRef);
    const role = ROLE_NAME.exec(ref.roleArn)?.[1];
    if (!role || !ref.assumedRoleId.includes(":")) throw new PluginError("invalid_argument", "the session reference names no role session");
    const session: RevokedSession = { userId: ref.assumedRoleId, expiresAt: request.expiresAt };
    const deadline = start + timing.deadlineMs;

    // A repeat (a retry, a second leak report) was recorded by the first request; if IAM shows the
    // deny too, it was revoked before: already_gone, as the protocol answers a repeat. Recorded
    // only (the first attempt failed) or shown only (another holder wrote it since) is this revocation.
    const recordedBefore = includes(await storeCall("read the recorded sessions", () => store.remembered(role)), session);
    await storeCall("record the session", () => store.remember(role, session));
    const owner = randomUUID();
    await acquire(role, owner, start + timing.lockWaitMs);
    let failure: unknown;
    let shownBefore = false;
    try {
      shownBefore = await denyUnderLock(role, session, deadline);
    } catch (error) {
      failure = error;
    }
    // A release that fails leaves the lock to its lease; one that finds another holder means our
    // lease ran out midway, and nothing we saw can be trusted.
    const released = await store.release(role, owner).catch(() => true);
    if (failure instanceof PolicyFullError) return { outcome: "manual_required", detail: failure.message };
    if (failure !== undefined) throw failure;
    if (!released) throw new PluginError("unavailable", "the role's lock was taken over before the deny was confirmed; retry");
    if (recordedBefore && shownBefore)
      return { outcome: "already_gone", detail: `session ${ref.sessionName} was denied on role ${role} before` };
    return { outcome: "revoked", detail: `session ${ref.sessionName} denied on role ${role} until it expires` };
  };

  async function acquire(role: string, owner: string, giveUpAt: number): Promise<void> {
    const [first, max] = timing.lockPausesMs;
    for (let pause = first; ; pause = Math.min(pause * 2, max)) {
      const now = clock.now();
      const leaseUntil = new Date(now.getTime() + timing.leaseMs);
      if (await storeCall("take the role's lock", () => store.acquire(role, owner, now, leaseUntil))) return;
      const wait = pause / 2 + (Math.random() * pause) / 2;
      if (now.getTime() + wait > giveUpAt) {
        throw new PluginError("unavailable", "another revocation held the role's deny policy for too long; retry");
      }
      await sleep(wait);
    }
  }

  /** Returns once a read of the policy shows the session (true when the first read did); throws otherwise. */
  async function denyUnderLock(role: string, session: RevokedSession, deadline: number): Promise<boolean> {
    const current = await readSessions(iam, role);
    if (includes(current, session)) return true;
    const now = clock.now();
    const recorded = await storeCall("read the recorded sessions", () => store.remembered(role));
    const expired = recorded.filter((s) => s.expiresAt.getTime() <= now.getTime());
    await storeCall("prune the recorded sessions", () => store.forget(role, expired));
    const document = denyDocument([...current, ...recorded, session], now)!;
    if (policySize(document) > INLINE_POLICY_LIMIT) {
      // Recorded no longer: a session that cannot fit must not crowd out the next ones.
      await store.forget(role, [session]).catch(() => undefined);
      throw new PolicyFullError(
        `the role's inline policy limit is reached (${REVOKED_SESSIONS_POLICY}, ${INLINE_POLICY_LIMIT} characters): revoke the session by hand in the IAM console`,
      );
    }
    if (clock.now().getTime() >= deadline) throw new PluginError("unavailable", "no time was left to write the deny policy; retry");
    await iam
      .send(new PutRolePolicyCommand({ RoleName: role, PolicyName: REVOKED_SESSIONS_POLICY, PolicyDocument: document }))
      .catch((error: unknown) => {
        throw new PluginError("unavailable", `IAM refused the deny policy (${errorName(error)})`, { cause: error });
      });
    for (const pause of timing.readBackPausesMs) {
      if (clock.now().getTime() + pause >= deadline) break;
      await sleep(pause);
      const read = await readSessions(iam, role).catch(() => undefined); // a failed read is one attempt
      if (read && includes(read, session)) return false;
    }
    throw new PluginError("unavailable", "IAM does not show the deny yet (it is eventually consistent); retry");
  }
}

async function readSessions(iam: IAMClient, role: string): Promise<RevokedSession[]> {
  try {
    const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: REVOKED_SESSIONS_POLICY }));
    // IAM returns the document URL-encoded.
    return sessionsOf(PolicyDocument ? decodeURIComponent(PolicyDocument) : undefined);
  } catch (error) {
    if (error instanceof NoSuchEntityException) return [];
    throw new PluginError("unavailable", `IAM could not be read (${errorName(error)})`, { cause: error });
  }
}

async function storeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new PluginError("unavailable", `could not ${what} in the lock table (${errorName(error)})`, { cause: error });
  }
}

function includes(sessions: readonly RevokedSession[], session: RevokedSession): boolean {
  return sessions.some((s) => s.userId === session.userId);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "error";
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

function parseRef(upstreamRef: string): AwsSessionRef {
  try {
    const ref = JSON.parse(upstreamRef) as Partial<AwsSessionRef>;
    if (typeof ref.roleArn === "string" && typeof ref.assumedRoleId === "string" && typeof ref.sessionName === "string")
      return ref as AwsSessionRef;
  } catch {
    // Reported below.
  }
  throw new PluginError("invalid_argument", "the session reference is not one this worker wrote");
}

/** The session cannot be added without truncating the deny policy: only a human can revoke it. */
class PolicyFullError extends Error {
  override readonly name = "PolicyFullError";
}
