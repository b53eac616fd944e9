// The ledger in a process's memory: for unit tests and tools. Same behaviour as the DynamoDB
// ledger (the contract suite checks both), including copies in and out, so a caller can never
// change stored state by mutating an object it passed in or got back.
import { LedgerError } from "../../functions/core/errors.js";
import type { CredentialLedger, InvalidationClaim, ScheduledRevocation } from "../../functions/core/ports/credential-ledger.js";
import type {
  AuditEvent,
  CredentialRecord,
  DetectionRecord,
  DetectionTag,
  PendingAlert,
  RevokedBy,
  TerminalOutcome,
  TimeRange,
} from "../../functions/core/records.js";
import { eventOrderKey, normalizeRange, orderKeyInRange } from "../../functions/adapters/ledger/ledger-time.js";
import { recordVendSeparately } from "../../functions/core/record-vend.js";
import { announced, claimed, completed, detected, failed, settled, tagged } from "../../functions/core/invalidation-transitions.js";
import { claimedForRevocation, released, revokedBy } from "../../functions/core/revocation-transitions.js";

interface StoredEvent {
  readonly orderKey: string;
  readonly event: AuditEvent;
}

export class MemoryLedger implements CredentialLedger {
  readonly #records = new Map<string, CredentialRecord>();
  /** token hash → credential id, like the DynamoDB lookup items. */
  readonly #lookups = new Map<string, string>();
  /** eventId → event; kept unsorted, sorted per query. */
  readonly #events = new Map<string, StoredEvent>();
  readonly #deliveries = new Set<string>();
  readonly #alerts = new Map<string, PendingAlert>();
  readonly #watermarks = new Map<string, string>();
  readonly #revocations = new Map<string, ScheduledRevocation>();

  async recordIssued(record: CredentialRecord): Promise<void> {
    if (this.#records.has(record.credentialId)) {
      throw new LedgerError("recordIssued: a credential with this id already exists");
    }
    const stored = structuredClone(record);
    for (const hash of stored.tokenHashes) this.#lookups.set(hash, stored.credentialId);
    this.#records.set(stored.credentialId, stored);
  }

  /** No transactions here: the same separate writes as the embedded dynalite. */
  recordVend(record: CredentialRecord, event: AuditEvent): Promise<void> {
    return recordVendSeparately(this, record, event);
  }

  async getCredential(credentialId: string): Promise<CredentialRecord | undefined> {
    return copy(this.#records.get(credentialId));
  }

  async findByTokenHash(hash: string): Promise<CredentialRecord | undefined> {
    return copy(this.#resolve(hash));
  }

  async findByTokenHashes(hashes: readonly string[]): Promise<ReadonlyMap<string, CredentialRecord>> {
    const found = new Map<string, CredentialRecord>();
    for (const hash of hashes) {
      const record = this.#resolve(hash);
      if (record) found.set(hash, structuredClone(record));
    }
    return found;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    const orderKey = eventOrderKey(event);
    // Audit is append-only: an event once written is never replaced.
    if (this.#events.has(event.eventId)) {
      throw new LedgerError("appendAudit: an event with this id already exists");
    }
    this.#events.set(event.eventId, { orderKey, event: structuredClone(event) });
  }

  async appendAuditOnce(event: AuditEvent): Promise<boolean> {
    const orderKey = eventOrderKey(event);
    if (this.#events.has(event.eventId)) return false;
    this.#events.set(event.eventId, { orderKey, event: structuredClone(event) });
    return true;
  }

  async auditByCredential(credentialId: string): Promise<AuditEvent[]> {
    return this.#select((event) => event.credentialId === credentialId);
  }

  async auditByRepository(repository: string, range: TimeRange): Promise<AuditEvent[]> {
    const bounds = normalizeRange(range);
    // As on DynamoDB, where an empty repository cannot be an index key.
    if (!bounds || !repository) return [];
    return this.#select((event, key) => event.repository === repository && orderKeyInRange(key, bounds));
  }

  async auditByTime(range: TimeRange): Promise<AuditEvent[]> {
    const bounds = normalizeRange(range);
    if (!bounds) return [];
    return this.#select((_event, key) => orderKeyInRange(key, bounds));
  }

  async claimInvalidation(claim: InvalidationClaim): Promise<boolean> {
    return this.#transition(claim.credentialId, (record) => claimed(record, claim)) !== undefined;
  }

  async completeInvalidation(credentialId: string, claimId: string, at: string, announceBy?: Date): Promise<boolean> {
    return this.#transition(credentialId, (record) => completed(record, claimId, at, announceBy)) !== undefined;
  }

  async failInvalidation(credentialId: string, claimId: string, errorCode: string, retryAt?: Date): Promise<number | undefined> {
    return this.#transition(credentialId, (record) => failed(record, claimId, errorCode, retryAt))?.invalidation?.attempts;
  }

  async recordDetection(credentialId: string, detection: DetectionRecord, dueAt: Date): Promise<boolean> {
    return this.#transition(credentialId, (record) => detected(record, detection, dueAt)) !== undefined;
  }

  async settleOutcome(credentialId: string, outcome: TerminalOutcome, at: Date, announceBy?: Date): Promise<boolean> {
    return this.#transition(credentialId, (record) => settled(record, outcome, at, announceBy)) !== undefined;
  }

  async markAnnounced(credentialId: string): Promise<void> {
    this.#transition(credentialId, announced);
  }

  async dueDetections(now: Date, limit: number): Promise<string[]> {
    return [...this.#records.values()]
      .filter((record) => record.sweepDueAt !== undefined && record.sweepDueAt <= now.getTime())
      .sort((a, b) => a.sweepDueAt! - b.sweepDueAt!)
      .slice(0, limit)
      .map((record) => record.credentialId);
  }

  async recordPendingAlert(alert: PendingAlert): Promise<void> {
    const key = alertKey(alert);
    if (!this.#alerts.has(key)) this.#alerts.set(key, structuredClone(alert));
  }

  async dueAlerts(now: Date, limit: number): Promise<PendingAlert[]> {
    return [...this.#alerts.values()]
      .filter((alert) => alert.dueAt <= now.getTime())
      .slice(0, limit)
      .map((alert) => structuredClone(alert));
  }

  async rescheduleAlert(alert: PendingAlert, next: { attempts: number; dueAt: number } | undefined): Promise<void> {
    const key = alertKey(alert);
    if (next === undefined) this.#alerts.delete(key);
    else if (this.#alerts.has(key)) this.#alerts.set(key, { ...this.#alerts.get(key)!, ...next });
  }

  async tagCredential(credentialId: string, tag: DetectionTag, at: string): Promise<boolean> {
    return this.#transition(credentialId, (record) => tagged(record, tag, at)) !== undefined;
  }

  async recordDelivery(deliveryId: string, _at: string): Promise<boolean> {
    if (this.#deliveries.has(deliveryId)) return false;
    this.#deliveries.add(deliveryId);
    return true;
  }

  async hasDelivery(deliveryId: string): Promise<boolean> {
    return this.#deliveries.has(deliveryId);
  }

  async scheduleRevocation(credentialId: string, dueAt: Date): Promise<void> {
    this.#revocations.set(credentialId, { credentialId, dueAt: dueAt.getTime(), attempts: 0 });
  }

  async dueRevocations(now: Date, limit: number): Promise<ScheduledRevocation[]> {
    return [...this.#revocations.values()]
      .filter((due) => due.dueAt <= now.getTime())
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit)
      .map((due) => ({ ...due }));
  }

  async rescheduleRevocation(credentialId: string, next: { attempts: number; dueAt: Date } | undefined): Promise<void> {
    if (next === undefined) this.#revocations.delete(credentialId);
    else if (this.#revocations.has(credentialId))
      this.#revocations.set(credentialId, { credentialId, attempts: next.attempts, dueAt: next.dueAt.getTime() });
  }

  async claimRevocation(claim: InvalidationClaim): Promise<boolean> {
    return this.#transition(claim.credentialId, (record) => claimedForRevocation(record, claim)) !== undefined;
  }

  async completeRevocation(credentialId: string, claimId: string, by: RevokedBy, at: string): Promise<boolean> {
    return this.#transition(credentialId, (record) => revokedBy(record, claimId, by, at)) !== undefined;
  }

  async releaseRevocation(credentialId: string, claimId: string, state: "active" | "failed"): Promise<boolean> {
    return this.#transition(credentialId, (record) => released(record, claimId, state)) !== undefined;
  }

  async getWatermark(name: string): Promise<string | undefined> {
    return this.#watermarks.get(name);
  }

  async putWatermark(name: string, value: string): Promise<void> {
    this.#watermarks.set(name, value);
  }

  /** Replaces a record with `next(record)` unless that is undefined (a failed condition). */
  #transition(credentialId: string, next: (record: CredentialRecord | undefined) => CredentialRecord | undefined) {
    const updated = next(this.#records.get(credentialId));
    if (updated) this.#records.set(credentialId, structuredClone(updated));
    return updated;
  }

  /** The record a hash points to, if that record still lists the hash (see DynamoDbLedger). */
  #resolve(hash: string): CredentialRecord | undefined {
    const credentialId = this.#lookups.get(hash);
    const record = credentialId === undefined ? undefined : this.#records.get(credentialId);
    return record?.tokenHashes.includes(hash) ? record : undefined;
  }

  #select(keep: (event: AuditEvent, orderKey: string) => boolean): AuditEvent[] {
    return [...this.#events.values()]
      .filter(({ event, orderKey }) => keep(event, orderKey))
      .sort((a, b) => (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0))
      .map(({ event }) => structuredClone(event));
  }
}

function alertKey(alert: PendingAlert): string {
  return `${alert.owner}/${alert.repo}#${alert.number}`;
}

function copy<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}
