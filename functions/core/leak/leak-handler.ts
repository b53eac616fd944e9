// The leak handler: a detected secret (by hash) → the credential → one terminal outcome, however
// many deliveries arrive, concurrently, after a crash, or through the sweeper.
//
//   1. durable: each detection of ours is one conditional write on its credential (duplicates
//      collapse); unknown hashes are audited `detected_unknown`. Only this must succeed.
//   2. act, bounded in time (the rest is left to the sweeper, leak-sweeper.ts):
//      already settled                      → audit `detected_again`, nothing else
//      expired (past a skew margin)         → outcome detected_after_expiry → low note
//      live, worker advertises Revoke       → claim → worker.Revoke → revoked_on_detection → escalate
//                                               ├ timeout → claim kept until its lease ends
//                                               └ upstream fails → failed, retry with backoff;
//                                                 after the last attempt → revoke_failed → high alert
//      live, not revocable                  → outcome manual_revoke_required → high alert + manual URL
//   3. announce: audit + alert, then off the sweep; a crash before that is announced by the sweeper.
// The ledger's conditional writes decide who acts (ports/credential-ledger.ts); a loser does nothing.
import { CredvendError } from "../errors.js";
import { randomIds, type IdSource } from "../ids.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { CredentialLedger } from "../ports/credential-ledger.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import type { Notifier } from "../ports/notifier.js";
import type { PluginClient, PluginDirectory } from "../ports/plugin-client.js";
import type { CredentialRecord, TerminalOutcome } from "../records.js";
import { parseScope } from "../../../plugin-protocol/scope.js";
import { LeakAnnouncer } from "./leak-announcer.js";
import { detectionFromRecord, detectionSource, type LeakDetection, type LeakOutcome, type LeakResult } from "./leak-detection.js";
import { mapBounded } from "./map-bounded.js";

export interface LeakHandlerDeps {
  readonly ledger: CredentialLedger;
  readonly plugins: PluginDirectory;
  readonly notifier: Notifier;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /**
   * How long a claim holder is presumed alive; after it, the sweeper takes over. It must outlast
   * the worker's deadline, so a slow upstream is never called twice. Default 120 s.
   */
  readonly leaseMs?: number;
  /** Detections handled at once in a batch. Default 32. */
  readonly concurrency?: number;
  /** Upstream attempts before the terminal revoke_failed. Default 6. */
  readonly maxAttempts?: number;
  /** Backoff before retry n: retryBaseMs · 2^(n-1), at most 15 min. Default 30 s. */
  readonly retryBaseMs?: number;
  /** A credential within this of its expiry is still treated as live. Default 60 s. */
  readonly expirySkewMs?: number;
}

export const DEFAULT_LEASE_MS = 120_000;
export const DEFAULT_MAX_ATTEMPTS = 6;
export const EXPIRY_SKEW_MS = 60_000;
const RETRY_CAP_MS = 15 * 60_000;
/** After an outcome, when the sweeper announces it if its settler could not. */
const ANNOUNCE_GRACE_MS = 60_000;

export class LeakHandler {
  private readonly deps: LeakHandlerDeps;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly announcer: LeakAnnouncer;

  constructor(deps: LeakHandlerDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
    this.maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.announcer = new LeakAnnouncer({
      ledger: deps.ledger,
      notifier: deps.notifier,
      logger: this.logger,
      clock: this.clock,
      ids: deps.ids ?? randomIds,
    });
  }

  async handle(detection: LeakDetection, options: { budgetMs?: number } = {}): Promise<LeakResult> {
    return (await this.handleMany([detection], options))[0]!;
  }

  /**
   * Records the detections durably (throws if that fails: nothing is lost by answering 5xx), then
   * acts on them with bounded parallelism for at most `budgetMs`; what is unfinished by then is
   * `pending` and carries on in the background, or is finished by the sweeper.
   */
  async handleMany(detections: readonly LeakDetection[], options: { budgetMs?: number } = {}): Promise<LeakResult[]> {
    const found = await this.record(detections);
    const results: (LeakResult | undefined)[] = new Array(detections.length);
    const work = mapBounded(detections, this.deps.concurrency ?? 32, async (detection, i) => {
      const record = found.get(detection.tokenHash);
      results[i] = record ? await this.actSafely(detection, record) : { tokenHash: detection.tokenHash, outcome: "unknown" };
    });
    if (options.budgetMs === undefined) await work;
    else await withinBudget(work, options.budgetMs);
    return detections.map((d, i) => results[i] ?? { tokenHash: d.tokenHash, outcome: "pending", ...credentialOf(found.get(d.tokenHash)) });
  }

  /** The sweeper's entry: finish what a credential's recorded detection left undone. */
  async resume(credentialId: string): Promise<LeakResult | undefined> {
    const record = await this.deps.ledger.getCredential(credentialId);
    if (!record || record.sweepDueAt === undefined || record.sweepDueAt > this.clock.now().getTime()) return undefined;
    const detection = detectionFromRecord(record);
    if (record.outcome !== undefined) {
      await this.announcer.announce(record, record.outcome, detection);
      return { tokenHash: detection.tokenHash, outcome: record.outcome, credentialId };
    }
    return this.actSafely(detection, record);
  }

  private async record(detections: readonly LeakDetection[]): Promise<ReadonlyMap<string, CredentialRecord>> {
    const found = await this.deps.ledger.findByTokenHashes(detections.map((d) => d.tokenHash));
    const unknown = detections.filter((d) => !found.has(d.tokenHash));
    if (unknown.length > 0) await this.announcer.unknown(unknown);
    const now = this.clock.now();
    const first = new Map<string, LeakDetection>();
    for (const d of detections) {
      const record = found.get(d.tokenHash);
      if (record && !first.has(record.credentialId)) first.set(record.credentialId, d);
    }
    await mapBounded([...first], this.deps.concurrency ?? 32, ([credentialId, d]) =>
      this.deps.ledger.recordDetection(credentialId, { detectedAt: now.toISOString(), source: detectionSource(d) }, now),
    );
    return found;
  }

  private async actSafely(detection: LeakDetection, record: CredentialRecord): Promise<LeakResult> {
    let outcome: LeakOutcome;
    try {
      outcome = await this.branch(detection, record);
    } catch (error) {
      // Recorded already: the sweeper goes on from wherever this stopped.
      this.logger.log("warn", "leak response interrupted; left to the sweeper", {
        credentialId: record.credentialId,
        error: error instanceof Error ? error : undefined,
      });
      outcome = "pending";
    }
    this.logger.log("info", "leak detection handled", {
      outcome,
      tokenHash: detection.tokenHash,
      credentialId: record.credentialId,
      channel: detection.source.channel,
      deliveryId: detection.source.deliveryId,
    });
    return { tokenHash: detection.tokenHash, outcome, credentialId: record.credentialId };
  }

  private async branch(detection: LeakDetection, record: CredentialRecord): Promise<LeakOutcome> {
    if (settledOutcome(record) !== undefined) return this.again(detection, record);
    const now = this.clock.now().getTime();
    const held = record.invalidation;
    // A claim in progress belongs to someone else until its lease runs out; then it is taken over.
    if (record.state === "revoking" && (held?.leaseUntil ?? 0) >= now) return "in_progress";
    // Expiry first (with a margin for clock skew): an expired credential needs no upstream call.
    const expired = Date.parse(record.expiresAt) + (this.deps.expirySkewMs ?? EXPIRY_SKEW_MS) <= now;
    if (record.state === "revoked" || expired) return this.settle(detection, record, "detected_after_expiry");
    const worker = await this.revoker(record);
    if (!worker) return this.settle(detection, record, "manual_revoke_required");
    if (record.state === "failed" && (held?.attempts ?? 0) >= this.maxAttempts) return this.settle(detection, record, "revoke_failed");
    return this.revoke(detection, record, worker);
  }

  private async again(detection: LeakDetection, record: CredentialRecord): Promise<LeakOutcome> {
    await this.announcer.audit("detect", record, detection, "detected_again", { outcome: settledOutcome(record) ?? "" });
    return "already_handled";
  }

  /** Sets the outcome (first one wins) and announces it. */
  private async settle(
    detection: LeakDetection,
    record: CredentialRecord,
    outcome: TerminalOutcome,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<LeakOutcome> {
    const now = this.clock.now();
    if (!(await this.deps.ledger.settleOutcome(record.credentialId, outcome, now, new Date(now.getTime() + ANNOUNCE_GRACE_MS)))) {
      const current = await this.deps.ledger.getCredential(record.credentialId);
      return current && settledOutcome(current) !== undefined ? this.again(detection, current) : "in_progress";
    }
    // The alarm's log line (infra/constructs/alarms.ts): only the terminal failure pages, not each attempt.
    if (outcome === "revoke_failed") this.logger.log("error", "revocation failed", { credentialId: record.credentialId, ...extra });
    await this.announcer.announce(record, outcome, detection, extra);
    return outcome;
  }

  private async revoke(detection: LeakDetection, record: CredentialRecord, worker: PluginClient): Promise<LeakOutcome> {
    const now = this.clock.now();
    const staleClaimId = record.state === "revoking" ? record.invalidation?.claimId : undefined;
    const claimId = this.deps.ids?.eventId() ?? randomIds.eventId();
    const { credentialId } = record;
    const won = await this.deps.ledger.claimInvalidation({
      credentialId,
      claimId,
      now,
      leaseUntil: new Date(now.getTime() + this.leaseMs),
      ...(staleClaimId ? { staleClaimId } : {}),
    });
    if (!won) return "in_progress";

    let detail: string;
    try {
      const result = await worker.revoke({
        credentialId,
        scopes: record.scopes.map(parseScope),
        upstreamRef: record.upstreamRef,
        expiresAt: new Date(record.expiresAt),
      });
      if (result.outcome === "manual_required") return this.manualRequired(detection, record, claimId, result.detail);
      detail = `${result.outcome}: ${result.detail}`;
    } catch (error) {
      // A timed-out call may still be running upstream: the claim stays ours until its lease ends,
      // so nobody calls the upstream again meanwhile; then the sweeper takes over.
      if (error instanceof CredvendError && error.kind === "timeout") {
        this.logger.log("warn", "revocation timed out; claim kept until its lease ends", { credentialId });
        return "in_progress";
      }
      return this.revokeFailed(detection, record, claimId, error);
    }
    const at = this.clock.now();
    // False: our lease ran out and someone took over; the upstream call was harmless, the taker reports.
    if (!(await this.deps.ledger.completeInvalidation(credentialId, claimId, at.toISOString(), new Date(at.getTime() + ANNOUNCE_GRACE_MS))))
      return "in_progress";
    await this.announcer.announce(record, "revoked_on_detection", detection, { upstream: detail });
    return "revoked_on_detection";
  }

  /** The worker cannot revoke it, ever: release our claim, then the manual branch at once (no retries). */
  private async manualRequired(detection: LeakDetection, record: CredentialRecord, claimId: string, reason: string): Promise<LeakOutcome> {
    const attempts = await this.deps.ledger.failInvalidation(record.credentialId, claimId, "manual_required");
    if (attempts === undefined) return "in_progress";
    return this.settle(
      detection,
      { ...record, state: "failed", invalidation: { attempts, lastError: "manual_required" } },
      "manual_revoke_required",
      {
        reason,
      },
    );
  }

  private async revokeFailed(detection: LeakDetection, record: CredentialRecord, claimId: string, error: unknown): Promise<LeakOutcome> {
    const code = error instanceof CredvendError ? error.code : "internal_error";
    this.logger.log("warn", "revocation attempt failed", {
      credentialId: record.credentialId,
      code,
      error: error instanceof Error ? error : undefined,
    });
    // We hold the claim, so nobody else changed the count since we read it.
    const attempt = (record.invalidation?.attempts ?? 0) + 1;
    const now = this.clock.now().getTime();
    const delay = attempt >= this.maxAttempts ? 0 : Math.min(RETRY_CAP_MS, (this.deps.retryBaseMs ?? 30_000) * 2 ** (attempt - 1));
    const attempts = await this.deps.ledger.failInvalidation(record.credentialId, claimId, code, new Date(now + delay));
    if (attempts === undefined) return "in_progress";
    await this.announcer.audit("failure", record, detection, "revoke_attempt_failed", { error: code, attempts: String(attempts) });
    if (attempts < this.maxAttempts) return "retry_scheduled";
    return this.settle(detection, { ...record, state: "failed", invalidation: { attempts, lastError: code } }, "revoke_failed", {
      error: code,
      attempts: String(attempts),
    });
  }

  /** The worker that can revoke this credential now, or undefined for the manual branch. */
  private async revoker(record: CredentialRecord): Promise<PluginClient | undefined> {
    if (!record.revocable) return undefined;
    const worker = await this.deps.plugins.forProvider(record.provider);
    if (!worker) return undefined;
    const description = await worker.describe();
    return description.capabilities.includes("revoke") ? worker : undefined;
  }
}

/** The outcome a record has settled on (records from before `outcome` existed: their tag). */
function settledOutcome(record: CredentialRecord): TerminalOutcome | undefined {
  if (record.outcome !== undefined) return record.outcome;
  const tags = record.tags ?? {};
  if (record.state === "revoked" && tags.revoked_on_detection !== undefined) return "revoked_on_detection";
  if (tags.manual_revoke_required !== undefined) return "manual_revoke_required";
  if (tags.detected_after_expiry !== undefined) return "detected_after_expiry";
  return undefined;
}

function credentialOf(record: CredentialRecord | undefined): { credentialId?: string } {
  return record ? { credentialId: record.credentialId } : {};
}

/** Waits for `work` at most `budgetMs`; work left running must not reject unobserved. */
async function withinBudget(work: Promise<unknown>, budgetMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
  work.catch(() => undefined);
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
