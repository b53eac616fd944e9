// The vend's last step: the credential recorded before it is handed out, and what happens when
// the ledger cannot hold it (the event beside it corrected, the credential revoked, or a human
// alerted when it cannot be). Apart from the pipeline (vend-pipeline.ts), which mints it.
import { CredvendError, LedgerError, VendNotRecordedError } from "./errors.js";
import type { IdSource } from "./ids.js";
import type { Clock } from "./ports/clock.js";
import type { CredentialLedger } from "./ports/credential-ledger.js";
import type { Notifier } from "./ports/notifier.js";
import type { PluginClient } from "./ports/plugin-client.js";
import type { AuditEvent, CredentialRecord } from "./records.js";
import type { StageTimer } from "./timing/stage-timer.js";
import { unrecordedCredentialAlert } from "./unrecorded-credential.js";

export interface VendRecordingDeps {
  readonly ledger: CredentialLedger;
  /** Where a credential left live but unrecorded is reported (high urgency). */
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly ids: IdSource;
}

export class VendRecording {
  constructor(private readonly deps: VendRecordingDeps) {}

  /** Step "audit". If the ledger cannot hold the credential, it is not handed out (and revoked if possible). */
  async persist(
    worker: PluginClient,
    record: CredentialRecord,
    event: AuditEvent,
    revokeAt: Date | undefined,
    timer: StageTimer,
  ): Promise<void> {
    // The record, its lookups and the vend event: one transaction where the store has them, else
    // side by side (record-vend.ts); an early revocation is scheduled beside them. All must land
    // before the credential is handed out.
    const [vended, scheduled] = await timer.time("ledger", () =>
      Promise.allSettled([
        this.deps.ledger.recordVend(record, event),
        revokeAt ? this.deps.ledger.scheduleRevocation(record.credentialId, revokeAt) : Promise.resolve(),
      ]),
    );
    if (vended.status === "fulfilled" && scheduled.status === "fulfilled") return;
    const err: unknown = vended.status === "rejected" ? vended.reason : (scheduled as PromiseRejectedResult).reason;
    // A vend event may have landed for a credential that is not handed out: say so beside it.
    const eventWritten = vended.status === "fulfilled" || (vended.reason instanceof VendNotRecordedError && vended.reason.eventWritten);
    if (eventWritten) {
      await this.auditQuietly({
        ...event,
        eventId: this.deps.ids.eventId(),
        at: this.deps.clock.now().toISOString(),
        type: "failure",
        reason: "ledger_unavailable",
      });
    }
    await this.compensate(worker, record, event);
    throw err instanceof LedgerError ? err : new LedgerError("could not record the credential", { cause: err });
  }

  /**
   * Revokes a credential the ledger could not hold. If that fails too, or the worker cannot revoke
   * it, a live credential exists that nothing records and leak response would not find: a high
   * alert says what a human needs to revoke it by hand, and a `failure` event tries to keep the
   * same in the ledger. Neither carries the secret.
   */
  private async compensate(worker: PluginClient, record: CredentialRecord, event: AuditEvent): Promise<void> {
    const revokeError = !record.revocable
      ? "not_revocable"
      : await worker
          .revoke({ credentialId: record.credentialId, scopes: [], upstreamRef: record.upstreamRef, expiresAt: new Date(record.expiresAt) })
          .then(() => undefined, errorCode);
    if (revokeError === undefined) return;
    const alert = unrecordedCredentialAlert(record, revokeError);
    await Promise.all([
      this.auditQuietly({
        ...event,
        eventId: this.deps.ids.eventId(),
        at: this.deps.clock.now().toISOString(),
        type: "failure",
        reason: alert.kind,
        details: alert.details,
      }),
      // The notifier reports its own channels' failures (FanOutNotifier); the caller's 503 stands.
      this.deps.notifier.notify(alert).catch(() => undefined),
    ]);
  }

  /** For events about a failure already being reported: the original error matters more. */
  private async auditQuietly(event: AuditEvent): Promise<void> {
    await this.deps.ledger.appendAudit(event).catch(() => undefined);
  }
}

/**
 * When the broker must revoke a credential its provider keeps alive past the granted TTL (beyond
 * a tolerance for the vend's own latency and clock skew): the granted time, counted from before
 * the vend, so never later than asked. Only a revocable credential can be cut short.
 */
export function earlyRevocation(issuedAt: Date, grantedTtl: number, expiresAt: Date, revocable: boolean): Date | undefined {
  const granted = issuedAt.getTime() + grantedTtl * 1000;
  return revocable && expiresAt.getTime() > granted + EARLY_REVOCATION_TOLERANCE_MS ? new Date(granted) : undefined;
}

/** A provider's expiry this much past the granted time is still "on time" (latency, clock skew). */
const EARLY_REVOCATION_TOLERANCE_MS = 30_000;

/** The code a failure is audited under. */
export function errorCode(err: unknown): string {
  return err instanceof CredvendError ? err.code : "internal_error";
}
