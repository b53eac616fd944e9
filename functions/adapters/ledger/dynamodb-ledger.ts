// The credential ledger on DynamoDB (AWS; dynalite and DynamoDB Local locally).
//
// Single table, key `pk` (S, HASH) + `sk` (S, RANGE):
//
//   item               pk                     sk                          other keys
//   credential record  CRED#<credentialId>    CRED                        -
//   hash lookup        HASH#<sha256 hex>      HASH                        -   (credentialId, tokenHash)
//   audit event        CRED#<credentialId>    EVENT#<time>#<eventId>      repoKey, dayKey, timeKey
//   (no credential)    EVENT#<eventId>        EVENT#<time>#<eventId>      repoKey, dayKey, timeKey
//
//   GSI byRepository   repoKey = owner/name,          timeKey = <time>#<eventId>   (events with a repository)
//   GSI byDay          dayKey = YYYY-MM-DD#<shard>,   timeKey = <time>#<eventId>   (every event)
//   pending alert      ALERT#<owner/repo>#<n> ALERT                       sweepKey, sweepDue
//   GSI bySweep        sweepKey = DETECTION | ALERT, sweepDue = epoch ms  (only what the sweeper must
//                      look at: pending detections, unannounced outcomes, unread alerts)
//
// <time> is the event's `at` normalized to `YYYY-MM-DDTHH:mm:ss.sssZ` so keys sort as times
// (ledger-time.ts); the original string is stored as `at`. Both GSIs project ALL and are sparse:
// only events carry their keys. The byDay index is sharded: <shard> (0 … DAY_SHARDS-1, from a
// hash of the event id) spreads one day's events over 16 partitions, so a burst of events cannot
// throttle one index partition (and, through back-pressure, every write to the table).
// auditByTime queries every shard of every day in the range and merges them in time order.
// Events written before sharding carry dayKey = YYYY-MM-DD: auditByTime queries that partition
// too, so nothing needs migrating; once they have expired (the retention period after the
// upgrade) it is one empty query per day. The key's attribute and index are unchanged.
// An event's credential partition also holds the record, so auditByCredential is one consistent
// Query. Every item has a numeric `ttl` (epoch seconds) = expiresAt (records, lookups) or `at`
// (events) + a retention period, for the table's TTL setting: records outlive the credential
// they describe, for forensics.
//
// Only operations dynalite supports (no transactions, no UpdateTimeToLive, no
// ReturnValuesOnConditionCheckFailure), so the embedded local default works; the one exception is
// opt-in: with `transactions` (AWS DynamoDB, DynamoDB Local), recordVend writes a vend's record,
// lookups and event in one TransactWriteItems (dynamodb-vend-transaction.ts). Without
// transactions, recordIssued writes the lookups first and the record last, conditionally: a
// lookup whose record is missing (a crash between the two) or does not list the hash (a rejected
// duplicate id) finds nothing. Events are append-only: appendAudit and appendAuditOnce put them
// conditionally (attribute_not_exists), the first failing a repeat and the second ignoring it.
import { type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { CredentialLedger, InvalidationClaim, ScheduledRevocation } from "../../core/ports/credential-ledger.js";
import type {
  AuditEvent,
  CredentialRecord,
  DetectionRecord,
  DetectionTag,
  PendingAlert,
  RevokedBy,
  TerminalOutcome,
  TimeRange,
} from "../../core/records.js";
import { SWEEP } from "./dynamodb-ledger-claim-items.js";
import * as claims from "./dynamodb-ledger-claims.js";
import * as revocations from "./dynamodb-ledger-revocations.js";
import {
  EVENT_SK_PREFIX,
  INDEX,
  KEY,
  credentialItem,
  credentialKey,
  dayOf,
  dayPartitions,
  eventFromItem,
  eventItem,
  lookupFromItem,
  lookupItem,
  lookupKey,
  recordFromItem,
  type Item,
} from "./dynamodb-ledger-items.js";
import {
  batchGetAll,
  batchWriteAll,
  getItem,
  guarded,
  inParallel,
  putIfAbsent,
  putNew,
  queryAll,
  type Table,
} from "./dynamodb-requests.js";
import { normalizeRange } from "./ledger-time.js";
import { TRANSACTION_ITEM_LIMIT, writeVendTransaction } from "./dynamodb-vend-transaction.js";
import { recordVendSeparately } from "../../core/record-vend.js";

/** byDay partitions queried at once by auditByTime (17 per day: 16 shards and the unsharded one). */
const DAY_QUERIES_AT_ONCE = 8;

export { ensureLedgerTable, ledgerTableDefinition } from "./dynamodb-ledger-table.js";

export interface DynamoDbLedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long items outlive the credential (or event) they describe. Default 90 days. */
  readonly retentionDays?: number;
  /** Attempts for a batch whose items DynamoDB leaves unprocessed (throttling). Default 5. */
  readonly maxBatchAttempts?: number;
  /**
   * The store has TransactWriteItems (AWS DynamoDB, DynamoDB Local; dynalite has not): a vend's
   * record, lookups and event are then one all-or-nothing write, one round trip. Default false:
   * separate writes, which every DynamoDB API server takes.
   */
  readonly transactions?: boolean;
}

export class DynamoDbLedger implements CredentialLedger {
  readonly #table: Table;
  readonly #retentionDays: number;
  readonly #transactions: boolean;

  constructor(options: DynamoDbLedgerOptions) {
    this.#table = { client: options.client, name: options.tableName, maxBatchAttempts: options.maxBatchAttempts ?? 5 };
    this.#retentionDays = options.retentionDays ?? 90;
    this.#transactions = options.transactions ?? false;
  }

  async recordVend(record: CredentialRecord, event: AuditEvent): Promise<void> {
    const hashes = [...new Set(record.tokenHashes)];
    // A credential with more parts than a transaction holds (none today) takes the separate writes.
    if (!this.#transactions || hashes.length + 2 > TRANSACTION_ITEM_LIMIT) return recordVendSeparately(this, record, event);
    await writeVendTransaction(this.#table, {
      lookups: hashes.map((hash) => lookupItem(hash, record, this.#retentionDays)),
      record: credentialItem(record, this.#retentionDays),
      event: eventItem(event, this.#retentionDays),
    });
  }

  async recordIssued(record: CredentialRecord): Promise<void> {
    const hashes = [...new Set(record.tokenHashes)];
    const lookups = hashes.map((hash) => lookupItem(hash, record, this.#retentionDays));
    const item = credentialItem(record, this.#retentionDays);
    await batchWriteAll(
      this.#table,
      "recordIssued",
      lookups.map((Item) => ({ PutRequest: { Item } })),
    );
    // A credential id is issued once: a duplicate must not replace the first record.
    await putNew(this.#table, "recordIssued", item, "a credential with this id already exists");
  }

  async getCredential(credentialId: string): Promise<CredentialRecord | undefined> {
    const item = await getItem(this.#table, "getCredential", credentialKey(credentialId));
    return item && recordFromItem(item);
  }

  async findByTokenHash(hash: string): Promise<CredentialRecord | undefined> {
    const lookup = await getItem(this.#table, "findByTokenHash", lookupKey(hash));
    if (!lookup) return undefined;
    const item = await getItem(this.#table, "findByTokenHash", credentialKey(lookupFromItem(lookup).credentialId));
    const record = item && recordFromItem(item);
    return record?.tokenHashes.includes(hash) ? record : undefined;
  }

  async findByTokenHashes(hashes: readonly string[]): Promise<ReadonlyMap<string, CredentialRecord>> {
    const unique = [...new Set(hashes)];
    const lookups = await batchGetAll(this.#table, "findByTokenHashes", unique.map(lookupKey));
    const idByHash = new Map(lookups.map(lookupFromItem).map(({ hash, credentialId }) => [hash, credentialId]));
    const ids = [...new Set(idByHash.values())];
    const records = await batchGetAll(this.#table, "findByTokenHashes", ids.map(credentialKey));
    const recordById = new Map(records.map(recordFromItem).map((record) => [record.credentialId, record]));

    const found = new Map<string, CredentialRecord>();
    for (const hash of unique) {
      const id = idByHash.get(hash);
      const record = id === undefined ? undefined : recordById.get(id);
      if (record?.tokenHashes.includes(hash)) found.set(hash, record);
    }
    return found;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    const item = eventItem(event, this.#retentionDays);
    // Audit is append-only: an event once written is never replaced.
    await putNew(this.#table, "appendAudit", item, "an event with this id already exists");
  }

  async appendAuditOnce(event: AuditEvent): Promise<boolean> {
    return putIfAbsent(this.#table, "appendAuditOnce", eventItem(event, this.#retentionDays));
  }

  async auditByCredential(credentialId: string): Promise<AuditEvent[]> {
    const items = await queryAll(this.#table, "auditByCredential", {
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :events)",
      ExpressionAttributeNames: { "#pk": KEY.pk, "#sk": KEY.sk },
      ExpressionAttributeValues: { ":pk": credentialKey(credentialId)[KEY.pk]!, ":events": { S: EVENT_SK_PREFIX } },
      ConsistentRead: true,
    });
    return items.map(eventFromItem);
  }

  async auditByRepository(repository: string, range: TimeRange): Promise<AuditEvent[]> {
    const bounds = normalizeRange(range);
    if (!bounds || !repository) return [];
    const items = await queryAll(this.#table, "auditByRepository", {
      IndexName: INDEX.byRepository,
      ...timeRangeCondition(KEY.repository, repository, bounds),
    });
    return items.map(eventFromItem);
  }

  async auditByTime(range: TimeRange): Promise<AuditEvent[]> {
    const bounds = normalizeRange(range);
    if (!bounds) return [];
    const partitions = daysCovering(bounds).flatMap(dayPartitions);
    const perPartition = await inParallel(
      partitions,
      (partition) => queryAll(this.#table, "auditByTime", { IndexName: INDEX.byDay, ...timeRangeCondition(KEY.day, partition, bounds) }),
      DAY_QUERIES_AT_ONCE,
    );
    return mergeByTime(perPartition).map(eventFromItem);
  }

  // Leak response: conditional writes, in dynamodb-ledger-claims.ts.
  claimInvalidation(claim: InvalidationClaim): Promise<boolean> {
    return claims.claimInvalidation(this.#table, claim);
  }

  completeInvalidation(credentialId: string, claimId: string, at: string, announceBy?: Date): Promise<boolean> {
    return claims.completeInvalidation(this.#table, credentialId, claimId, at, announceBy);
  }

  failInvalidation(credentialId: string, claimId: string, errorCode: string, retryAt?: Date): Promise<number | undefined> {
    return claims.failInvalidation(this.#table, credentialId, claimId, errorCode, retryAt);
  }

  recordDetection(credentialId: string, detection: DetectionRecord, dueAt: Date): Promise<boolean> {
    return claims.recordDetection(this.#table, credentialId, detection, dueAt);
  }

  settleOutcome(credentialId: string, outcome: TerminalOutcome, at: Date, announceBy?: Date): Promise<boolean> {
    return claims.settleOutcome(this.#table, credentialId, outcome, at, announceBy);
  }

  markAnnounced(credentialId: string): Promise<void> {
    return claims.markAnnounced(this.#table, credentialId);
  }

  async dueDetections(now: Date, limit: number): Promise<string[]> {
    const items = await claims.dueItems(this.#table, SWEEP.detection, now, limit);
    return items.map((item) => (item[KEY.pk]?.S ?? "").replace(/^CRED#/, ""));
  }

  recordPendingAlert(alert: PendingAlert): Promise<void> {
    return claims.recordPendingAlert(this.#table, alert, this.#retentionDays);
  }

  async dueAlerts(now: Date, limit: number): Promise<PendingAlert[]> {
    return claims.alertsFromItems(await claims.dueItems(this.#table, SWEEP.alert, now, limit));
  }

  rescheduleAlert(alert: PendingAlert, next: { attempts: number; dueAt: number } | undefined): Promise<void> {
    return claims.rescheduleAlert(this.#table, alert, next);
  }

  tagCredential(credentialId: string, tag: DetectionTag, at: string): Promise<boolean> {
    return claims.tagCredential(this.#table, credentialId, tag, at);
  }

  recordDelivery(deliveryId: string, at: string): Promise<boolean> {
    return claims.recordDelivery(this.#table, deliveryId, at, this.#retentionDays);
  }

  hasDelivery(deliveryId: string): Promise<boolean> {
    return claims.hasDelivery(this.#table, deliveryId);
  }

  // Owner and broker revocations: conditional writes, in dynamodb-ledger-revocations.ts.
  scheduleRevocation(credentialId: string, dueAt: Date): Promise<void> {
    return revocations.scheduleRevocation(this.#table, credentialId, dueAt);
  }

  dueRevocations(now: Date, limit: number): Promise<ScheduledRevocation[]> {
    return revocations.dueRevocations(this.#table, now, limit);
  }

  rescheduleRevocation(credentialId: string, next: { attempts: number; dueAt: Date; lastError: string } | undefined): Promise<void> {
    return revocations.rescheduleRevocation(this.#table, credentialId, next);
  }

  claimRevocation(claim: InvalidationClaim): Promise<boolean> {
    return revocations.claimRevocation(this.#table, claim);
  }

  completeRevocation(credentialId: string, claimId: string, by: RevokedBy, at: string): Promise<boolean> {
    return revocations.completeRevocation(this.#table, credentialId, claimId, by, at);
  }

  releaseRevocation(credentialId: string, claimId: string, state: "active" | "failed"): Promise<boolean> {
    return revocations.releaseRevocation(this.#table, credentialId, claimId, state);
  }

  async getWatermark(name: string): Promise<string | undefined> {
    return (await getItem(this.#table, "getWatermark", watermarkKey(name)))?.value?.S;
  }

  async putWatermark(name: string, value: string): Promise<void> {
    const Item = { ...watermarkKey(name), kind: { S: "watermark" }, value: { S: value } };
    await guarded("putWatermark", () => this.#table.client.send(new PutItemCommand({ TableName: this.#table.name, Item })));
  }
}

/** A plain item, no index and no TTL: the poller's marker must outlive any retention. */
function watermarkKey(name: string): Item {
  return { [KEY.pk]: { S: `WATERMARK#${name}` }, [KEY.sk]: { S: "WATERMARK" } };
}

/** `partition = value AND timeKey in [from, to)`: time keys end in `#<eventId>`, so BETWEEN
 *  includes events at `from` and excludes those at `to`. */
function timeRangeCondition(partition: string, value: string, bounds: { from: string; to: string }) {
  return {
    KeyConditionExpression: "#partition = :value AND #time BETWEEN :from AND :to",
    ExpressionAttributeNames: { "#partition": partition, "#time": KEY.time },
    ExpressionAttributeValues: { ":value": { S: value }, ":from": { S: bounds.from }, ":to": { S: bounds.to } },
  };
}

/** One list in time order from per-partition lists (each already in order, as Query returns them). */
function mergeByTime(lists: readonly Item[][]): Item[] {
  const time = (item: Item) => item[KEY.time]?.S ?? "";
  return lists.flat().sort((a, b) => (time(a) < time(b) ? -1 : time(a) > time(b) ? 1 : 0));
}

/** The UTC days whose partitions may hold events in [from, to). */
function daysCovering(bounds: { from: string; to: string }): string[] {
  const last = dayOf(new Date(Date.parse(bounds.to) - 1).toISOString());
  const days: string[] = [];
  for (let day = new Date(`${dayOf(bounds.from)}T00:00:00.000Z`); ; day.setUTCDate(day.getUTCDate() + 1)) {
    const name = dayOf(day.toISOString());
    days.push(name);
    if (name >= last) return days;
  }
}
