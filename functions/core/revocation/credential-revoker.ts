// Revoking one credential outside leak response — its job's own request (DELETE
// /v1/credentials/{id}) or the broker's early expiry — through the worker that vended it.
// Leak response's claim decides who calls the upstream, so a revoke never races a leak's; a claim
// is taken over only when its holder died and it is not leak response's (that one is on the leak
// sweep, which finishes it). An upstream failure gives the claim back and leaves the credential as
// it was: its real expiry in the ledger still holds, and the caller may try again.
import { CredvendError } from "../errors.js";
import { randomIds, type IdSource } from "../ids.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { CredentialLedger } from "../ports/credential-ledger.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import type { PluginClient, PluginDirectory } from "../ports/plugin-client.js";
import type { CredentialRecord, RevokedBy } from "../records.js";
import { parseScope } from "../../../plugin-protocol/scope.js";

export interface CredentialRevokerDeps {
  readonly ledger: CredentialLedger;
  readonly plugins: PluginDirectory;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** How long a claim holder is presumed alive; it must outlast the worker's deadline. Default 120 s. */
  readonly leaseMs?: number;
}

export type RevocationResult =
  /** Revoked (now or before): by whom and when; `upstream` is the worker's answer when it was this call. */
  | { readonly status: "revoked"; readonly by: RevokedBy | "revoked_on_detection"; readonly at: string; readonly upstream?: string }
  /** Expired before anyone revoked it: nothing to do. */
  | { readonly status: "expired"; readonly at: string }
  /** Someone else is revoking it right now. */
  | { readonly status: "in_progress" }
  /** The worker failed; nothing changed. */
  | { readonly status: "failed"; readonly code: string }
  /** It cannot be revoked automatically, ever (the reason is safe to show its owner). */
  | { readonly status: "not_revocable"; readonly reason: string };

export class CredentialRevoker {
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly logger: Logger;

  constructor(private readonly deps: CredentialRevokerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.ids = deps.ids ?? randomIds;
    this.logger = deps.logger ?? silentLogger;
  }

  async revoke(record: CredentialRecord, by: RevokedBy): Promise<RevocationResult> {
    const settled = settledResult(record, this.clock.now());
    if (settled) return settled;
    const worker = await this.revoker(record);
    if (typeof worker === "string") return { status: "not_revocable", reason: worker };
    const now = this.clock.now();
    const held = record.invalidation;
    // A dead holder's claim that leak response does not own (its claims are on the leak sweep).
    const stale = record.state === "revoking" && record.sweepDueAt === undefined && (held?.leaseUntil ?? 0) < now.getTime();
    if (record.state === "revoking" && !stale) return { status: "in_progress" };
    const claimId = this.ids.eventId();
    const won = await this.deps.ledger.claimRevocation({
      credentialId: record.credentialId,
      claimId,
      now,
      leaseUntil: new Date(now.getTime() + (this.deps.leaseMs ?? 120_000)),
      ...(stale && held?.claimId ? { staleClaimId: held.claimId } : {}),
    });
    if (!won) return this.reread(record.credentialId);
    const before = record.state === "failed" ? "failed" : "active";
    return this.callWorker(record, worker, claimId, by, before);
  }

  private async callWorker(
    record: CredentialRecord,
    worker: PluginClient,
    claimId: string,
    by: RevokedBy,
    before: "active" | "failed",
  ): Promise<RevocationResult> {
    const { credentialId } = record;
    let upstream: string;
    try {
      const result = await worker.revoke({
        credentialId,
        scopes: record.scopes.map(parseScope),
        upstreamRef: record.upstreamRef,
        expiresAt: new Date(record.expiresAt),
      });
      if (result.outcome === "manual_required") {
        await this.deps.ledger.releaseRevocation(credentialId, claimId, before);
        return { status: "not_revocable", reason: result.detail };
      }
      upstream = result.outcome;
    } catch (error) {
      const code = error instanceof CredvendError ? error.code : "internal_error";
      this.logger.log("warn", "revocation failed", { credentialId, by, code, error: error instanceof Error ? error : undefined });
      // A timed-out call may still run upstream: the claim stays ours until its lease ends.
      if (!(error instanceof CredvendError && error.kind === "timeout"))
        await this.deps.ledger.releaseRevocation(credentialId, claimId, before);
      return { status: "failed", code };
    }
    const at = this.clock.now().toISOString();
    if (!(await this.deps.ledger.completeRevocation(credentialId, claimId, by, at))) return this.reread(credentialId);
    await this.deps.ledger.appendAudit({
      eventId: this.ids.eventId(),
      type: "revoke",
      at,
      credentialId,
      ...(record.subject.repository ? { repository: record.subject.repository } : {}),
      scopes: [...record.scopes],
      subject: record.subject,
      reason: by,
      details: { upstream, expiresAt: record.expiresAt, ...(record.revokeAt ? { revokeAt: record.revokeAt } : {}) },
    });
    this.logger.log("info", "credential revoked", { credentialId, by, upstream });
    return { status: "revoked", by, at, upstream };
  }

  /** After a lost condition: what the ledger says now. */
  private async reread(credentialId: string): Promise<RevocationResult> {
    const current = await this.deps.ledger.getCredential(credentialId);
    return (current && settledResult(current, this.clock.now())) ?? { status: "in_progress" };
  }

  /** The worker that revokes this credential, or why there is none. */
  private async revoker(record: CredentialRecord): Promise<PluginClient | string> {
    if (!record.revocable) return `its worker (${record.worker}) vended it as not revocable; it expires at ${record.expiresAt}`;
    const worker = await this.deps.plugins.forProvider(record.provider);
    if (!worker) return `no worker serves provider "${record.provider}" any more; it expires at ${record.expiresAt}`;
    const description = await worker.describe();
    return description.capabilities.includes("revoke") ? worker : `its worker (${worker.name}) does not revoke credentials`;
  }
}

/** A credential this revoker will not revoke: revoked, expired (by its real expiry), or settled by leak response. */
function settledResult(record: CredentialRecord, now: Date): RevocationResult | undefined {
  if (record.state === "revoked")
    return {
      status: "revoked",
      by: record.revokedBy ?? "revoked_on_detection",
      at: record.revokedAt ?? record.outcomeAt ?? record.expiresAt,
    };
  if (Date.parse(record.expiresAt) <= now.getTime()) return { status: "expired", at: record.expiresAt };
  // Leak response settled it without revoking (manual_revoke_required, revoke_failed): a human's job.
  if (record.outcome !== undefined) return { status: "not_revocable", reason: `leak response settled it as ${record.outcome}` };
  return undefined;
}
