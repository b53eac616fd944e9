// Marshalling between ledger domain objects and DynamoDB items, by hand (low-level client only).
// The table layout these keys implement is described in dynamodb-ledger.ts.
import { createHash } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { LedgerError } from "../../core/errors.js";
import type { AuditEvent, AuditEventType, CredentialRecord, CredentialState, RevokedBy } from "../../core/records.js";
import { invalidationFieldsFromItem } from "./dynamodb-ledger-claim-items.js";
import { eventOrderKey, sortableTime } from "./ledger-time.js";

export type Item = Record<string, AttributeValue>;

/** Attribute names shared with the table definition. */
export const KEY = {
  pk: "pk",
  sk: "sk",
  repository: "repoKey",
  day: "dayKey",
  time: "timeKey",
  ttl: "ttl",
} as const;

export const INDEX = { byRepository: "byRepository", byDay: "byDay", bySweep: "bySweep" } as const;

const CREDENTIAL_SK = "CRED";
const LOOKUP_SK = "HASH";
export const EVENT_SK_PREFIX = "EVENT#";

export function credentialKey(credentialId: string): Item {
  return { [KEY.pk]: { S: `CRED#${credentialId}` }, [KEY.sk]: { S: CREDENTIAL_SK } };
}

export function lookupKey(hash: string): Item {
  return { [KEY.pk]: { S: `HASH#${hash}` }, [KEY.sk]: { S: LOOKUP_SK } };
}

/** The UTC day of a normalized timestamp. */
export function dayOf(sortable: string): string {
  return sortable.slice(0, 10);
}

/**
 * Partitions per day in the byDay index, so one day's events spread over this many partitions
 * instead of one hot one. Readers query shards 0 … DAY_SHARDS-1: raising it is safe, lowering it
 * hides the events of the shards dropped.
 */
export const DAY_SHARDS = 16;

/** The byDay partition of an event: `YYYY-MM-DD#<shard>`, the shard from a hash of its id. */
export function dayKeyOf(sortable: string, eventId: string): string {
  const shard = createHash("sha256").update(eventId).digest().readUInt16BE(0) % DAY_SHARDS;
  return `${dayOf(sortable)}#${shard}`;
}

/** Every byDay partition of a day: its shards, then the unsharded `YYYY-MM-DD` that events
 *  written before sharding carry (empty once they have expired). */
export function dayPartitions(day: string): string[] {
  return [...Array.from({ length: DAY_SHARDS }, (_, shard) => `${day}#${shard}`), day];
}

/** Epoch seconds for the TTL attribute: `iso` plus the retention period. */
export function ttlSeconds(iso: string, retentionDays: number): number {
  const ms = Date.parse(sortableTime(iso, "expiry base time"));
  return Math.floor(ms / 1000) + Math.round(retentionDays * 86_400);
}

export function credentialItem(record: CredentialRecord, retentionDays: number): Item {
  return {
    ...credentialKey(record.credentialId),
    kind: { S: "credential" },
    credentialId: { S: record.credentialId },
    provider: { S: record.provider },
    worker: { S: record.worker },
    scopes: stringList(record.scopes),
    subject: stringMap(record.subject),
    issuedAt: { S: record.issuedAt },
    expiresAt: { S: record.expiresAt },
    ...(record.revokeAt === undefined ? {} : { revokeAt: { S: record.revokeAt } }),
    revocable: { BOOL: record.revocable },
    upstreamRef: { S: record.upstreamRef },
    // Absent on records of workers without one (and on every record written before it existed).
    ...(record.manualRevocationUrl === undefined ? {} : { manualRevocationUrl: { S: record.manualRevocationUrl } }),
    tokenHashes: stringList(record.tokenHashes),
    state: { S: record.state },
    [KEY.ttl]: { N: String(ttlSeconds(record.expiresAt, retentionDays)) },
  };
}

/** One per token hash; lives as long as the record it points to. */
export function lookupItem(hash: string, record: CredentialRecord, retentionDays: number): Item {
  return {
    ...lookupKey(hash),
    kind: { S: "lookup" },
    tokenHash: { S: hash },
    credentialId: { S: record.credentialId },
    [KEY.ttl]: { N: String(ttlSeconds(record.expiresAt, retentionDays)) },
  };
}

export function eventItem(event: AuditEvent, retentionDays: number): Item {
  const orderKey = eventOrderKey(event);
  const item: Item = {
    // Events of a credential share its partition (one consistent Query); others stand alone.
    [KEY.pk]: { S: event.credentialId === undefined ? `EVENT#${event.eventId}` : `CRED#${event.credentialId}` },
    [KEY.sk]: { S: `${EVENT_SK_PREFIX}${orderKey}` },
    [KEY.day]: { S: dayKeyOf(orderKey, event.eventId) },
    [KEY.time]: { S: orderKey },
    [KEY.ttl]: { N: String(ttlSeconds(event.at, retentionDays)) },
    kind: { S: "event" },
    eventId: { S: event.eventId },
    type: { S: event.type },
    at: { S: event.at },
  };
  // Key attributes cannot be empty strings: such an event is simply not indexed by repository.
  if (event.repository) item[KEY.repository] = { S: event.repository };
  if (event.credentialId !== undefined) item.credentialId = { S: event.credentialId };
  if (event.repository !== undefined) item.repository = { S: event.repository };
  if (event.scopes !== undefined) item.scopes = stringList(event.scopes);
  if (event.subject !== undefined) item.subject = stringMap(event.subject);
  if (event.reason !== undefined) item.reason = { S: event.reason };
  if (event.details !== undefined) item.details = stringMap(event.details);
  return item;
}

export function recordFromItem(item: Item): CredentialRecord {
  return {
    credentialId: str(item, "credentialId"),
    provider: str(item, "provider"),
    worker: str(item, "worker"),
    scopes: list(item, "scopes"),
    subject: map(item, "subject"),
    issuedAt: str(item, "issuedAt"),
    expiresAt: str(item, "expiresAt"),
    ...(item.revokeAt ? { revokeAt: str(item, "revokeAt") } : {}),
    revocable: bool(item, "revocable"),
    upstreamRef: str(item, "upstreamRef"),
    ...(item.manualRevocationUrl ? { manualRevocationUrl: str(item, "manualRevocationUrl") } : {}),
    tokenHashes: list(item, "tokenHashes"),
    state: str(item, "state") as CredentialState,
    ...revokedFieldsFromItem(item),
    ...invalidationFieldsFromItem(item),
  };
}

export function eventFromItem(item: Item): AuditEvent {
  const event: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {
    eventId: str(item, "eventId"),
    type: str(item, "type") as AuditEventType,
    at: str(item, "at"),
  };
  if (item.credentialId) event.credentialId = str(item, "credentialId");
  if (item.repository) event.repository = str(item, "repository");
  if (item.scopes) event.scopes = list(item, "scopes");
  if (item.subject) event.subject = map(item, "subject");
  if (item.reason) event.reason = str(item, "reason");
  if (item.details) event.details = map(item, "details");
  return event;
}

/** `revokedBy` / `revokedAt` (dynamodb-ledger-revocations.ts writes them), only when present. */
function revokedFieldsFromItem(item: Item): Pick<CredentialRecord, "revokedBy" | "revokedAt"> {
  const by = item.revokedBy?.S;
  const at = item.revokedAt?.S;
  return by === undefined || at === undefined ? {} : { revokedBy: by as RevokedBy, revokedAt: at };
}

/** The credential id a lookup item points to, and the hash it was written for. */
export function lookupFromItem(item: Item): { hash: string; credentialId: string } {
  return { hash: str(item, "tokenHash"), credentialId: str(item, "credentialId") };
}

// Lists (not string sets) keep order and allow empty values; maps hold string values only.
function stringList(values: readonly string[]): AttributeValue {
  return { L: values.map((value) => ({ S: value })) };
}

function stringMap(values: Readonly<Record<string, string>>): AttributeValue {
  return { M: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { S: value }])) };
}

function malformed(attribute: string): LedgerError {
  return new LedgerError(`ledger item is malformed: attribute ${attribute}`);
}

function str(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw malformed(name);
  return value;
}

function bool(item: Item, name: string): boolean {
  const value = item[name]?.BOOL;
  if (value === undefined) throw malformed(name);
  return value;
}

function list(item: Item, name: string): string[] {
  const values = item[name]?.L;
  if (values === undefined) throw malformed(name);
  return values.map((value) => {
    if (value.S === undefined) throw malformed(name);
    return value.S;
  });
}

function map(item: Item, name: string): Record<string, string> {
  const values = item[name]?.M;
  if (values === undefined) throw malformed(name);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value.S === undefined) throw malformed(name);
    result[key] = value.S;
  }
  return result;
}
