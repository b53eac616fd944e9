// What session revocation keeps outside IAM, shared by every environment of the worker (on AWS its
// own DynamoDB table, dynamodb-revocation-store.ts): per role, a lock, so one process at a time
// rewrites the role's deny policy, and the sessions asked to be denied, so a writer that reads a
// stale policy from IAM (eventually consistent) still writes every one of them.
import type { RevokedSession } from "./session-deny-policy.js";

export interface RevocationStore {
  /**
   * Takes the role's lock for `owner` until `leaseUntil` when nobody holds it or its holder's lease
   * ended before `now` (a crashed holder blocks no longer than its lease). False when held.
   */
  acquire(role: string, owner: string, now: Date, leaseUntil: Date): Promise<boolean>;
  /** Gives the lock back; false when `owner` no longer held it (its lease ran out and was taken). */
  release(role: string, owner: string): Promise<boolean>;
  /** Records a session to deny (atomic; needs no lock): the next writer of the policy includes it. */
  remember(role: string, session: RevokedSession): Promise<void>;
  /** Every session recorded for the role, read consistently. */
  remembered(role: string): Promise<RevokedSession[]>;
  /** Drops recorded sessions (expired ones, or one that cannot fit); called by the lock holder only. */
  forget(role: string, sessions: readonly RevokedSession[]): Promise<void>;
}
