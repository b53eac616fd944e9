// Reads for operators (`credvend audit`, anomaly rules): audit events newest first, page by page
// through the ledger's indexes — byRepository for one repository, every shard of byDay for a time
// range — never a Scan. Pages are pulled only as the caller iterates, so `--limit 20` over a year
// reads a few pages, and each page read is reported (progress on long queries).
// The write path (dynamodb-ledger.ts) is untouched; the key layout is documented there.
import { QueryCommand, type DynamoDBClient, type QueryCommandInput } from "@aws-sdk/client-dynamodb";
import type { AuditEvent, AuditEventType, TimeRange } from "../../core/records.js";
import { INDEX, KEY, dayOf, dayPartitions, eventFromItem, type Item } from "./dynamodb-ledger-items.js";
import { guarded } from "./dynamodb-requests.js";
import { normalizeRange } from "./ledger-time.js";

export interface ReadProgress {
  /** Query pages read so far. */
  readonly pages: number;
  /** Items DynamoDB evaluated so far (before the type filter). */
  readonly scanned: number;
}

export interface AuditReadOptions {
  /** Only these event types (a filter on the index query: it saves transfer, not reads). */
  readonly types?: readonly AuditEventType[];
  /** Called after every page read. */
  readonly onPage?: (progress: ReadProgress) => void;
  /** Items per Query page. Default 200. */
  readonly pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 200;

export class DynamoDbAuditReader {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  /** Events of one repository (`owner/name`) in [from, to), newest first. */
  async *byRepository(repository: string, range: TimeRange, options: AuditReadOptions = {}): AsyncGenerator<AuditEvent> {
    const bounds = normalizeRange(range);
    if (!bounds || !repository) return;
    const pages = this.#pages(partitionQuery(INDEX.byRepository, KEY.repository, repository, bounds, options), progressOf(options));
    for await (const item of pages) yield eventFromItem(item);
  }

  /** Every event in [from, to), newest first: day by day, each day's shards merged as read. */
  async *byTime(range: TimeRange, options: AuditReadOptions = {}): AsyncGenerator<AuditEvent> {
    const bounds = normalizeRange(range);
    if (!bounds) return;
    const progress = progressOf(options);
    for (const day of daysNewestFirst(bounds)) {
      const cursors = dayPartitions(day).map(
        (partition) => new PageCursor(this.#pages(partitionQuery(INDEX.byDay, KEY.day, partition, bounds, options), progress)),
      );
      yield* mergeNewestFirst(cursors);
    }
  }

  /** Items of one Query, page after page, as the caller pulls them. */
  async *#pages(input: Omit<QueryCommandInput, "TableName">, progress: ProgressCounter): AsyncGenerator<Item> {
    let start: Item | undefined;
    do {
      const output = await guarded("auditRead", () =>
        this.#client.send(new QueryCommand({ ...input, TableName: this.#tableName, ExclusiveStartKey: start })),
      );
      progress.page(output.ScannedCount ?? output.Items?.length ?? 0);
      yield* output.Items ?? [];
      start = output.LastEvaluatedKey;
    } while (start);
  }
}

interface ProgressCounter {
  page(scanned: number): void;
}

function progressOf(options: AuditReadOptions): ProgressCounter {
  let pages = 0;
  let scanned = 0;
  return {
    page(count) {
      pages += 1;
      scanned += count;
      options.onPage?.({ pages, scanned });
    },
  };
}

/** `partition = value AND timeKey in [from, to)`, newest first, optionally only some types. */
function partitionQuery(
  index: string,
  attribute: string,
  value: string,
  bounds: { from: string; to: string },
  options: AuditReadOptions,
): Omit<QueryCommandInput, "TableName"> {
  const types = options.types ?? [];
  const typeValues = Object.fromEntries(types.map((type, i) => [`:type${i}`, { S: type }]));
  return {
    IndexName: index,
    // Time keys end in `#<eventId>`: BETWEEN includes events at `from` and excludes those at `to`.
    KeyConditionExpression: "#partition = :value AND #time BETWEEN :from AND :to",
    ...(types.length > 0 ? { FilterExpression: `#type IN (${Object.keys(typeValues).join(", ")})` } : {}),
    ExpressionAttributeNames: { "#partition": attribute, "#time": KEY.time, ...(types.length > 0 ? { "#type": "type" } : {}) },
    ExpressionAttributeValues: { ":value": { S: value }, ":from": { S: bounds.from }, ":to": { S: bounds.to }, ...typeValues },
    ScanIndexForward: false,
    Limit: options.pageSize ?? DEFAULT_PAGE_SIZE,
  };
}

/** One partition's items with the next one visible, for the merge. */
class PageCursor {
  #head: Item | undefined;
  #done = false;

  constructor(private readonly items: AsyncGenerator<Item>) {}

  async head(): Promise<Item | undefined> {
    if (this.#head === undefined && !this.#done) {
      const next = await this.items.next();
      if (next.done) this.#done = true;
      else this.#head = next.value;
    }
    return this.#head;
  }

  take(): void {
    this.#head = undefined;
  }
}

/** Merges partitions that are each newest first into one list newest first, reading lazily. */
async function* mergeNewestFirst(cursors: readonly PageCursor[]): AsyncGenerator<AuditEvent> {
  const time = (item: Item) => item[KEY.time]?.S ?? "";
  for (;;) {
    const heads = await Promise.all(cursors.map((cursor) => cursor.head()));
    let newest = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head && (newest < 0 || time(head) > time(heads[newest] as Item))) newest = i;
    }
    if (newest < 0) return;
    (cursors[newest] as PageCursor).take();
    yield eventFromItem(heads[newest] as Item);
  }
}

/** The UTC days that may hold events in [from, to), the last first. */
function daysNewestFirst(bounds: { from: string; to: string }): string[] {
  const first = dayOf(bounds.from);
  const days: string[] = [];
  for (
    let day = new Date(`${dayOf(new Date(Date.parse(bounds.to) - 1).toISOString())}T00:00:00.000Z`);
    ;
    day.setUTCDate(day.getUTCDate() - 1)
  ) {
    const name = dayOf(day.toISOString());
    if (name < first) return days;
    days.push(name);
  }
}
