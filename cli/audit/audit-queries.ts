// The forensic questions of `credvend audit`, each one read of the ledger's keys or indexes.
import { DynamoDbAuditReader, type ReadProgress } from "../../functions/adapters/ledger/dynamodb-audit-reader.js";
import { DynamoDbLedger } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import type { AuditEvent, AuditEventType, TimeRange } from "../../functions/core/records.js";
import type { Printer } from "./audit-output.js";
import type { LedgerSource } from "./ledger-source.js";
import type { TokenQuery } from "./read-secret.js";

export interface QueryContext {
  readonly source: LedgerSource;
  readonly printer: Printer;
  readonly onPage: (progress: ReadProgress) => void;
}

/** Was it ours? Its credential and every event about it, newest first. False when not found. */
export async function auditToken(context: QueryContext, token: TokenQuery): Promise<boolean> {
  const ledger = ledgerOf(context.source);
  const record = await ledger.findByTokenHash(token.hash);
  if (!record) {
    context.printer.end({ found: false, tokenHash: token.hash, note: "not a credential this ledger holds (or past its retention)" });
    return false;
  }
  return auditCredentialRecord(context, record.credentialId, { "token sha256": token.hash });
}

export async function auditCredential(context: QueryContext, credentialId: string): Promise<boolean> {
  return auditCredentialRecord(context, credentialId, {});
}

async function auditCredentialRecord(context: QueryContext, credentialId: string, extra: Record<string, string>): Promise<boolean> {
  const ledger = ledgerOf(context.source);
  // The record and its events share one partition: two small consistent reads.
  const [record, events] = await Promise.all([ledger.getCredential(credentialId), ledger.auditByCredential(credentialId)]);
  if (!record && events.length === 0) {
    context.printer.end({ found: false, credentialId, note: "no such credential in this ledger (or past its retention)" });
    return false;
  }
  if (record) context.printer.credential(record, extra);
  for (const event of events.reverse()) context.printer.event(event);
  context.printer.end({ found: true, events: events.length });
  return true;
}

export interface TimelineOptions {
  readonly range: TimeRange;
  readonly types?: readonly AuditEventType[];
  readonly limit?: number;
}

/** One repository's events in the window, newest first (the byRepository index). */
export async function auditRepository(context: QueryContext, repository: string, options: TimelineOptions): Promise<void> {
  const reader = readerOf(context.source);
  const events = reader.byRepository(repository, options.range, { ...readOptions(options), onPage: context.onPage });
  await printTimeline(context, events, options, { repository });
}

/** Every event in the window, newest first (every shard of the byDay index). */
export async function auditEvents(context: QueryContext, options: TimelineOptions): Promise<void> {
  const reader = readerOf(context.source);
  await printTimeline(context, reader.byTime(options.range, { ...readOptions(options), onPage: context.onPage }), options, {});
}

async function printTimeline(
  context: QueryContext,
  events: AsyncIterable<AuditEvent>,
  options: TimelineOptions,
  about: Record<string, string>,
): Promise<void> {
  let count = 0;
  let more = false;
  for await (const event of events) {
    if (options.limit !== undefined && count >= options.limit) {
      more = true;
      break;
    }
    context.printer.event(event);
    count++;
  }
  context.printer.end({
    ...about,
    from: options.range.from,
    to: options.range.to,
    events: count,
    ...(more ? { truncated: `first ${count} (--limit)` } : {}),
  });
}

function readOptions(options: TimelineOptions) {
  return options.types && options.types.length > 0 ? { types: options.types } : {};
}

function ledgerOf(source: LedgerSource): DynamoDbLedger {
  return new DynamoDbLedger({ client: source.client, tableName: source.tableName });
}

function readerOf(source: LedgerSource): DynamoDbAuditReader {
  return new DynamoDbAuditReader({ client: source.client, tableName: source.tableName });
}
