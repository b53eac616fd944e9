// Early expiry: a credential the provider keeps alive past the TTL the policy granted (GitHub's
// fixed hour, STS's 900 s minimum) is revoked by the broker at the granted time. The vend put it
// on the revocation schedule; the sweeper (leak-sweeper.ts, every minute) runs this. A failure is
// retried with backoff until the credential's real expiry, which the ledger keeps all along.
import { systemClock, type Clock } from "../ports/clock.js";
import type { CredentialLedger, ScheduledRevocation } from "../ports/credential-ledger.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import type { CredentialRevoker } from "./credential-revoker.js";

export interface EarlyExpiryDeps {
  readonly ledger: CredentialLedger;
  readonly revoker: CredentialRevoker;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Scheduled revocations per sweep. Default 100. */
  readonly batchSize?: number;
  /** Backoff before retry n: retryBaseMs · 2^(n-1), at most 5 min. Default 15 s. */
  readonly retryBaseMs?: number;
}

const RETRY_CAP_MS = 5 * 60_000;

export interface EarlyExpiryReport {
  /** Revoked by this sweep. */
  readonly expired: number;
  /** Left for a later sweep (a failure, or someone else revoking it). */
  readonly retried: number;
}

export class EarlyExpiry {
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly deps: EarlyExpiryDeps) {
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
  }

  async sweep(): Promise<EarlyExpiryReport> {
    let expired = 0;
    let retried = 0;
    for (const due of await this.deps.ledger.dueRevocations(this.clock.now(), this.deps.batchSize ?? 100)) {
      const outcome = await this.expire(due);
      if (outcome === "expired") expired++;
      else if (outcome === "later") retried++;
    }
    return { expired, retried };
  }

  private async expire(due: ScheduledRevocation): Promise<"expired" | "later" | "done"> {
    const record = await this.deps.ledger.getCredential(due.credentialId);
    if (!record) {
      // Its vend failed after scheduling (nothing was handed out): nothing to revoke.
      await this.deps.ledger.rescheduleRevocation(due.credentialId, undefined);
      return "done";
    }
    const result = await this.deps.revoker.revoke(record, "expired_by_broker");
    if (result.status === "in_progress" || result.status === "failed") {
      const attempts = due.attempts + 1;
      const now = this.clock.now().getTime();
      const backoff = Math.min(RETRY_CAP_MS, (this.deps.retryBaseMs ?? 15_000) * 2 ** (attempts - 1));
      // Never later than the real expiry: the last try then finds it expired and stops.
      const dueAt = new Date(Math.min(now + backoff, Date.parse(record.expiresAt)));
      const lastError = result.status === "failed" ? result.code : "in_progress";
      this.logger.log("warn", "early expiry not done yet; retrying", { credentialId: record.credentialId, attempts, lastError });
      await this.deps.ledger.rescheduleRevocation(record.credentialId, { attempts, dueAt, lastError });
      return "later";
    }
    if (result.status === "not_revocable")
      this.logger.log("warn", "early expiry impossible; the credential lives to its real expiry", {
        credentialId: record.credentialId,
        expiresAt: record.expiresAt,
        reason: result.reason,
      });
    await this.deps.ledger.rescheduleRevocation(record.credentialId, undefined);
    return result.status === "revoked" && result.upstream !== undefined ? "expired" : "done";
  }
}
