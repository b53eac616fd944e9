// The sweeper: GitHub never delivers a webhook again, so whatever a delivery left unfinished is
// finished here, on a schedule (a Lambda every minute on AWS, a timer in the local stack). It
// reads only the sparse sweep index (nothing when idle) and drives each due item on:
//   pending detection (crash, inline budget spent)  → the leak handler acts as on a delivery
//   revoking, lease ended (holder died, timeout)     → taken over, revoked (a repeat is already_gone)
//   failed, attempts left (backoff elapsed)          → retried; after the last → revoke_failed
//   settled but not announced                        → audited and alerted
//   alert GitHub could not serve yet (404, limits)   → read again with backoff → a detection;
//                                                      after the last read → one high alert
//   scheduled early expiry (granted TTL reached)      → revoked, `expired_by_broker` (../revocation/early-expiry.ts)
import { systemClock, type Clock } from "../ports/clock.js";
import type { CredentialLedger } from "../ports/credential-ledger.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import type { Notifier } from "../ports/notifier.js";
import type { PendingAlert } from "../records.js";
import { tokenHash } from "../../../plugin-protocol/token-hash.js";
import type { LeakHandler } from "./leak-handler.js";
import type { LeakResult } from "./leak-detection.js";
import type { EarlyExpiry } from "../revocation/early-expiry.js";

export interface LeakSweeperDeps {
  readonly ledger: CredentialLedger;
  readonly handler: LeakHandler;
  readonly notifier: Notifier;
  /** The secret of a GitHub alert (the REST API); throws while GitHub cannot serve it. */
  readonly readAlert: (alert: PendingAlert) => Promise<string>;
  /** Credentials revoked at their granted TTL, because the provider keeps them alive longer. */
  readonly earlyExpiry?: Pick<EarlyExpiry, "sweep">;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Items per sweep of each kind. Default 100. */
  readonly batchSize?: number;
  /** Reads of an alert before giving up. Default 8 (about 2 h with the backoff). */
  readonly maxAlertReads?: number;
  /** Backoff before read n: alertRetryBaseMs · 2^(n-1), at most 30 min. Default 30 s. */
  readonly alertRetryBaseMs?: number;
  /** Budget of one sweep, so a slow upstream cannot overrun the schedule. Default 50 s. */
  readonly budgetMs?: number;
}

export interface SweepReport {
  readonly detections: readonly LeakResult[];
  readonly alertsRead: number;
  readonly alertsGivenUp: number;
  /** Credentials revoked at their granted TTL by this sweep. */
  readonly expired: number;
}

export class LeakSweeper {
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly deps: LeakSweeperDeps) {
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
  }

  async sweep(): Promise<SweepReport> {
    const limit = this.deps.batchSize ?? 100;
    const budgetMs = this.deps.budgetMs ?? 50_000;
    let alertsRead = 0;
    let alertsGivenUp = 0;
    for (const alert of await this.deps.ledger.dueAlerts(this.clock.now(), limit)) {
      if ((await this.readAlert(alert, budgetMs)) === "read") alertsRead++;
      else if (alert.attempts + 1 >= (this.deps.maxAlertReads ?? 8)) alertsGivenUp++;
    }
    const detections: LeakResult[] = [];
    for (const credentialId of await this.deps.ledger.dueDetections(this.clock.now(), limit)) {
      const result = await this.deps.handler.resume(credentialId);
      if (result) detections.push(result);
    }
    const expired = (await this.deps.earlyExpiry?.sweep())?.expired ?? 0;
    if (detections.length + alertsRead + alertsGivenUp + expired > 0)
      this.logger.log("info", "sweep done", { detections: detections.length, alertsRead, alertsGivenUp, expired });
    return { detections, alertsRead, alertsGivenUp, expired };
  }

  private async readAlert(alert: PendingAlert, budgetMs: number): Promise<"read" | "later"> {
    let secret: string;
    try {
      secret = await this.deps.readAlert(alert);
    } catch (error) {
      await this.alertFailed(alert, error);
      return "later";
    }
    const repository = `${alert.owner}/${alert.repo}`;
    await this.deps.handler.handle(
      {
        tokenHash: tokenHash(secret),
        source: {
          channel: "secret_scanning_alert",
          repository,
          alertNumber: String(alert.number),
          ...(alert.deliveryId ? { deliveryId: alert.deliveryId } : {}),
          ...(alert.url ? { url: alert.url } : {}),
          ...(alert.secretType ? { secretType: alert.secretType } : {}),
        },
      },
      { budgetMs },
    );
    // The detection is recorded: from here on it is swept as one.
    await this.deps.ledger.rescheduleAlert(alert, undefined);
    return "read";
  }

  private async alertFailed(alert: PendingAlert, error: unknown): Promise<void> {
    const attempts = alert.attempts + 1;
    const max = this.deps.maxAlertReads ?? 8;
    const code = (error as { code?: unknown }).code;
    this.logger.log("warn", "alert still not readable", {
      repository: `${alert.owner}/${alert.repo}`,
      alert: alert.number,
      attempts,
      code: typeof code === "string" ? code : undefined,
    });
    if (attempts < max) {
      const delay = Math.min(30 * 60_000, (this.deps.alertRetryBaseMs ?? 30_000) * 2 ** (attempts - 1));
      await this.deps.ledger.rescheduleAlert(alert, { attempts, dueAt: this.clock.now().getTime() + delay });
      return;
    }
    const repository = `${alert.owner}/${alert.repo}`;
    await this.deps.notifier.notify({
      urgency: "high",
      kind: "alert_unreadable",
      title: `ACTION REQUIRED: secret scanning alert ${repository}#${alert.number} could not be read`,
      details: {
        "leak.repository": repository,
        "leak.alertNumber": String(alert.number),
        ...(alert.url ? { "leak.url": alert.url } : {}),
        attempts: String(attempts),
        action:
          "open the alert, and if the secret is a credvend credential, revoke it by hand; check the GitHub App's secret scanning read permission",
      },
    });
    await this.deps.ledger.rescheduleAlert(alert, undefined);
  }
}
