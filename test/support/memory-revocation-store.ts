// aws-sts' RevocationStore in memory, with the DynamoDB one's conditions (the same contract runs on
// both: test/integration/aws-sts-revocation-store.test.ts). For unit tests of revoke.ts.
import type { RevocationStore } from "../../plugin-workers/aws-sts/revocation-store.js";
import type { RevokedSession } from "../../plugin-workers/aws-sts/session-deny-policy.js";

const entry = (s: RevokedSession) => `${Math.ceil(s.expiresAt.getTime() / 1000)} ${s.userId}`;

export class MemoryRevocationStore implements RevocationStore {
  readonly locks = new Map<string, { owner: string; leaseUntil: number }>();
  private readonly sessions = new Map<string, Set<string>>();

  async acquire(role: string, owner: string, now: Date, leaseUntil: Date): Promise<boolean> {
    const held = this.locks.get(role);
    if (held && held.leaseUntil >= now.getTime()) return false;
    this.locks.set(role, { owner, leaseUntil: leaseUntil.getTime() });
    return true;
  }

  async release(role: string, owner: string): Promise<boolean> {
    if (this.locks.get(role)?.owner !== owner) return false;
    this.locks.delete(role);
    return true;
  }

  async remember(role: string, session: RevokedSession): Promise<void> {
    this.sessions.set(role, (this.sessions.get(role) ?? new Set()).add(entry(session)));
  }

  async remembered(role: string): Promise<RevokedSession[]> {
    return [...(this.sessions.get(role) ?? [])].map((text) => {
      const [epoch, userId] = text.split(" ");
      return { userId: userId!, expiresAt: new Date(Number(epoch) * 1000) };
    });
  }

  async forget(role: string, sessions: readonly RevokedSession[]): Promise<void> {
    for (const session of sessions) this.sessions.get(role)?.delete(entry(session));
  }
}
