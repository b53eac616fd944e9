// The leak handler: a detected secret (by hash) → the credential → one of three branches, each
// acted on exactly once however many deliveries arrive, concurrently or after a crash.
//
//   unknown hash                         → audit `detect`/detected_unknown, nothing else
//   expired, or invalidated before       → tag detected_after_expiry (once) → low note
//   live, worker advertises Revoke       → claim → worker.Revoke → revoked (+tag) → escalate
//                                            └ upstream fails → failed, attempts+1 → high alert on the first
//   live, not revocable                  → tag manual_revoke_required (once) → high alert + manual URL
// The manual URL is the one the worker returned at vend time (record.manualRevocationUrl); the core
// never derives it. A record without one alerts without a URL.
// The ledger's conditional writes decide who acts (ports/credential-ledger.ts); a loser does nothing.
import { CredvendError } from "../errors.js";
import { randomIds, type IdSource } from "../ids.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { CredentialLedger } from "../ports/credential-ledger.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import type { Notification, Notifier } from "../ports/notifier.js";
import type { PluginClient, PluginDirectory } from "../ports/plugin-client.js";
import type { AuditEvent, CredentialRecord } from "../records.js";
import { parseScope } from "../../../plugin-protocol/scope.js";
import type { LeakDetection, LeakOutcome, LeakResult } from "./leak-detection.js";
import { leakNotification } from "./leak-notifications.js";
import { mapBounded } from "./map-bounded.js";

export interface LeakHandlerDeps {
  readonly ledger: CredentialLedger;
  readonly plugins: PluginDirectory;
  readonly notifier: Notifier;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /**
   * How long a claim holder is presumed alive; after it, the next delivery takes over. It must
   * outlast the worker's deadline, so a slow upstream is never called twice. Default 120 s.
   */
  readonly leaseMs?: number;
  /** Detections handled at once in a batch. Default 32. */
  readonly concurrency?: number;
}

export const DEFAULT_LEASE_MS = 120_000;

export class LeakHandler {
  private readonly deps: LeakHandlerDeps;
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly logger: Logger;
  private readonly leaseMs: number;

  constructor(deps: LeakHandlerDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.ids = deps.ids ?? randomIds;
    this.logger = deps.logger ?? silentLogger;
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  }

  async handle(detection: LeakDetection): Promise<LeakResult> {
    const record = await this.deps.ledger.findByTokenHash(detection.tokenHash);
    return this.act(detection, record);
  }

  /**
   * A batch (GitHub's partner program sends up to 1,000): one batched lookup, ours acted on with
   * bounded parallelism, and the unknown ones audited together as one `detected_unknown` event.
   */
  async handleMany(detections: readonly LeakDetection[]): Promise<LeakResult[]> {
    const found = await this.deps.ledger.findByTokenHashes(detections.map((d) => d.tokenHash));
    const unknown = detections.filter((d) => !found.has(d.tokenHash));
    if (unknown.length > 0) {
      const hashes = [...new Set(unknown.map((d) => d.tokenHash))];
      await this.deps.ledger.appendAudit({
        eventId: this.ids.eventId(),
        type: "detect",
        at: this.clock.now().toISOString(),
        reason: "detected_unknown",
        details: { channel: unknown[0]!.source.channel, count: String(hashes.length), tokenHashes: hashes.join(" ") },
      });
    }
    return mapBounded(detections, this.deps.concurrency ?? 32, async (d) => {
      const record = found.get(d.tokenHash);
      return record ? this.act(d, record) : { tokenHash: d.tokenHash, outcome: "unknown" as const };
    });
  }

  private async act(detection: LeakDetection, record: CredentialRecord | undefined): Promise<LeakResult> {
    const outcome = await this.branch(detection, record);
    this.logger.log("info", "leak detection handled", {
      outcome,
      tokenHash: detection.tokenHash,
      credentialId: record?.credentialId,
      channel: detection.source.channel,
      deliveryId: detection.source.deliveryId,
    });
    return { tokenHash: detection.tokenHash, outcome, ...(record ? { credentialId: record.credentialId } : {}) };
  }

  private async branch(detection: LeakDetection, record: CredentialRecord | undefined): Promise<LeakOutcome> {
    if (!record) {
      await this.audit("detect", undefined, detection, "detected_unknown");
      return "unknown";
    }
    if (record.state === "revoked" && record.tags?.revoked_on_detection !== undefined) return "already_handled";
    // Expiry first: an expired credential needs no upstream call, whatever its state says.
    const now = this.clock.now();
    if (record.state === "revoked" || Date.parse(record.expiresAt) <= now.getTime()) return this.afterExpiry(detection, record);
    const worker = await this.revoker(record);
    if (!worker) return this.manual(detection, record);
    return this.revoke(detection, record, worker);
  }

  private async afterExpiry(detection: LeakDetection, record: CredentialRecord): Promise<LeakOutcome> {
    if (!(await this.tag(record, "detected_after_expiry"))) return "already_handled";
    await this.audit("detect", record, detection, "detected_after_expiry");
    await this.notify(leakNotification("detected_after_expiry", "low", record, detection, { state: record.state }));
    return "detected_after_expiry";
  }

  private async manual(detection: LeakDetection, record: CredentialRecord): Promise<LeakOutcome> {
    // The state stays as it is: nothing was invalidated, and the record must not say otherwise.
    if (!(await this.tag(record, "manual_revoke_required"))) return "already_handled";
    const url = record.manualRevocationUrl;
    await this.audit("manual", record, detection, "manual_revoke_required", url ? { manualRevocationUrl: url } : {});
    await this.notify(leakNotification("manual_revoke_required", "high", record, detection, { manualRevocationUrl: url }));
    return "manual_revoke_required";
  }

  private async revoke(detection: LeakDetection, record: CredentialRecord, worker: PluginClient): Promise<LeakOutcome> {
    const now = this.clock.now();
    const held = record.invalidation;
    // A claim in progress belongs to someone else until its lease runs out; then it is taken over.
    if (record.state === "revoking" && (held?.leaseUntil ?? 0) >= now.getTime()) return "in_progress";
    const staleClaimId = record.state === "revoking" ? held?.claimId : undefined;
    const claimId = this.ids.eventId();
    const { credentialId } = record;
    const won = await this.deps.ledger.claimInvalidation({
      credentialId, claimId, now, leaseUntil: new Date(now.getTime() + this.leaseMs), ...(staleClaimId ? { staleClaimId } : {}),
    });
    if (!won) return "in_progress";

    let detail: string;
    try {
      const result = await worker.revoke({
        credentialId, scopes: record.scopes.map(parseScope), upstreamRef: record.upstreamRef, expiresAt: new Date(record.expiresAt),
      });
      detail = `${result.outcome}: ${result.detail}`;
    } catch (error) {
      return this.revokeFailed(detection, record, claimId, error);
    }
    if (!(await this.deps.ledger.completeInvalidation(credentialId, claimId, this.clock.now().toISOString()))) {
      // Our lease ran out and someone took over: the upstream call was harmless, the taker reports.
      return "in_progress";
    }
    await this.audit("revoke", record, detection, "revoked_on_detection", { upstream: detail });
    await this.notify(leakNotification("revoked_on_detection", "high", record, detection, { upstream: detail }));
    return "revoked_on_detection";
  }

  private async revokeFailed(detection: LeakDetection, record: CredentialRecord, claimId: string, error: unknown): Promise<LeakOutcome> {
    const code = error instanceof CredvendError ? error.code : "internal_error";
    this.logger.log("warn", "revocation failed", { credentialId: record.credentialId, code, error: error instanceof Error ? error : undefined });
    const attempts = await this.deps.ledger.failInvalidation(record.credentialId, claimId, code);
    if (attempts === undefined) return "in_progress";
    await this.audit("failure", record, detection, "revoke_failed", { error: code, attempts: String(attempts) });
    // One alert per credential, not per retry: the first failure is what a human must hear about.
    if (attempts === 1) {
      await this.notify(leakNotification("revoke_failed", "high", record, detection, { error: code, manualRevocationUrl: record.manualRevocationUrl }));
    }
    return "revoke_failed";
  }

  /** The worker that can revoke this credential now, or undefined for the manual branch. */
  private async revoker(record: CredentialRecord): Promise<PluginClient | undefined> {
    if (!record.revocable) return undefined;
    const worker = await this.deps.plugins.forProvider(record.provider);
    if (!worker) return undefined;
    const description = await worker.describe();
    return description.capabilities.includes("revoke") ? worker : undefined;
  }

  private tag(record: CredentialRecord, tag: "detected_after_expiry" | "manual_revoke_required"): Promise<boolean> {
    return this.deps.ledger.tagCredential(record.credentialId, tag, this.clock.now().toISOString());
  }

  private async audit(
    type: AuditEvent["type"],
    record: CredentialRecord | undefined,
    detection: LeakDetection,
    reason: string,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    const { source } = detection;
    const details: Record<string, string> = { tokenHash: detection.tokenHash, channel: source.channel, ...extra };
    for (const name of ["repository", "alertNumber", "url", "secretType", "location", "deliveryId"] as const) {
      const value = source[name];
      if (value) details[`leak.${name}`] = value;
    }
    const repository = record?.subject.repository;
    await this.deps.ledger.appendAudit({
      eventId: this.ids.eventId(),
      type,
      at: this.clock.now().toISOString(),
      reason,
      details,
      ...(record ? { credentialId: record.credentialId, scopes: record.scopes, subject: record.subject } : {}),
      ...(repository ? { repository } : {}),
    });
  }

  private async notify(notification: Notification): Promise<void> {
    try {
      await this.deps.notifier.notify(notification);
    } catch (error) {
      // The state is already recorded; a lost alert must not turn into a retried revocation.
      this.logger.log("error", "notifier failed", { kind: notification.kind, error: error instanceof Error ? error : undefined });
    }
  }
}
