// Announcing a leak response: the audit event and the alert of a terminal outcome, then the
// credential leaves the sweep. Whoever settles announces at once; if that fails (a crash, a
// notifier down) the sweeper announces it later, so an alert is delivered at least once.
import type { IdSource } from "../ids.js";
import type { Clock } from "../ports/clock.js";
import type { CredentialLedger } from "../ports/credential-ledger.js";
import type { Logger } from "../ports/logger.js";
import type { Notifier } from "../ports/notifier.js";
import type { AuditEvent, CredentialRecord, TerminalOutcome } from "../records.js";
import type { LeakDetection } from "./leak-detection.js";
import { leakNotification } from "./leak-notifications.js";

export interface LeakAnnouncerDeps {
  readonly ledger: CredentialLedger;
  readonly notifier: Notifier;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ids: IdSource;
}

const AUDIT_TYPE: Record<TerminalOutcome, AuditEvent["type"]> = {
  detected_after_expiry: "detect",
  revoked_on_detection: "revoke",
  manual_revoke_required: "manual",
  revoke_failed: "failure",
};

export class LeakAnnouncer {
  constructor(private readonly deps: LeakAnnouncerDeps) {}

  async announce(
    record: CredentialRecord,
    outcome: TerminalOutcome,
    detection: LeakDetection,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    const url = record.manualRevocationUrl;
    const details: Record<string, string> = { ...extra };
    if (url && outcome !== "revoked_on_detection" && outcome !== "detected_after_expiry") details.manualRevocationUrl = url;
    if (outcome === "revoke_failed")
      details.action = `revoke credential ${record.credentialId} by hand${url ? ` at ${url}` : " in the provider's console"}: automatic revocation gave up`;
    await this.audit(AUDIT_TYPE[outcome], record, detection, outcome, details);
    const urgency = outcome === "detected_after_expiry" ? "low" : "high";
    const notification = leakNotification(
      outcome,
      urgency,
      record,
      detection,
      outcome === "detected_after_expiry" ? { state: record.state, ...details } : details,
    );
    try {
      await this.deps.notifier.notify(notification);
    } catch (error) {
      // Left on the sweep: the sweeper announces it again later.
      this.deps.logger.log("error", "notifier failed", { kind: notification.kind, error: error instanceof Error ? error : undefined });
      return;
    }
    await this.deps.ledger.markAnnounced(record.credentialId);
  }

  /** Hashes nobody issued, audited together as one `detected_unknown` event. */
  async unknown(detections: readonly LeakDetection[]): Promise<void> {
    if (detections.length === 1) return this.audit("detect", undefined, detections[0]!, "detected_unknown");
    const hashes = [...new Set(detections.map((d) => d.tokenHash))];
    await this.deps.ledger.appendAudit({
      eventId: this.deps.ids.eventId(),
      type: "detect",
      at: this.deps.clock.now().toISOString(),
      reason: "detected_unknown",
      details: { channel: detections[0]!.source.channel, count: String(hashes.length), tokenHashes: hashes.join(" ") },
    });
  }

  async audit(
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
      eventId: this.deps.ids.eventId(),
      type,
      at: this.deps.clock.now().toISOString(),
      reason,
      details,
      ...(record ? { credentialId: record.credentialId, scopes: record.scopes, subject: record.subject } : {}),
      ...(repository ? { repository } : {}),
    });
  }
}
