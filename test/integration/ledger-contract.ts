// The one contract every CredentialLedger implementation passes (memory, DynamoDB on dynalite,
// DynamoDB on AWS DynamoDB Local). One ledger per suite: tests stay apart through fresh ids,
// repositories and time windows, so they also show the ledger keeps unrelated data apart.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LedgerError, VendNotRecordedError } from "../../functions/core/errors.js";
import type { CredentialLedger } from "../../functions/core/ports/credential-ledger.js";
import type { AuditEvent, CredentialRecord } from "../../functions/core/records.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";

export interface LedgerUnderTest {
  readonly ledger: CredentialLedger;
  readonly teardown?: () => Promise<void>;
}

/** What a careless caller could do to an object it holds: arrays and fields made writable. */
type Mutable<T> = { -readonly [K in keyof T]: Writable<T[K]> };
type Writable<V> = V extends readonly (infer U)[] ? U[] : V;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function makeRecord(overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  const credentialId = overrides.credentialId ?? randomUUID();
  return {
    credentialId,
    provider: "aws",
    worker: "aws-sts",
    scopes: ["aws:s3-read:acme-web-assets", "aws:s3-write:acme-web-assets/builds/*"],
    subject: { repository: "acme/web", ref: "refs/heads/main", run_id: "4242", actor: "octocat", sha: "0a1b2c" },
    issuedAt: "2031-01-01T10:00:00.000Z",
    expiresAt: "2031-01-01T10:15:00.000Z",
    revocable: true,
    upstreamRef: "arn:aws:sts::123456789012:assumed-role/credvend/session",
    tokenHashes: ["access-key-id", "secret-access-key", "session-token"].map((part) => randomHash(part)),
    state: "active",
    ...overrides,
  };
}

export function randomHash(label = "token"): string {
  return tokenHash(`${label}-${randomUUID()}`);
}

export function describeLedgerContract(name: string, setup: () => Promise<LedgerUnderTest>): void {
  describe(`CredentialLedger contract: ${name}`, () => {
    let ledger: CredentialLedger;
    let teardown: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ ledger, teardown } = await setup());
    });
    afterAll(async () => {
      await teardown?.();
    });

    // Every test that writes events gets its own 30-day window and repository, because
    // auditByTime sees every event of the ledger.
    let windows = 0;
    const newWindow = () => Date.parse("2031-01-01T00:00:00.000Z") + windows++ * 30 * DAY;
    const newRepository = () => `acme/web-${randomUUID().slice(0, 8)}`;
    const iso = (ms: number) => new Date(ms).toISOString();
    const event = (fields: Partial<AuditEvent> & Pick<AuditEvent, "at">): AuditEvent => ({
      eventId: randomUUID(),
      type: "vend",
      ...fields,
    });
    const ids = (events: readonly AuditEvent[]) => events.map((e) => e.eventId);

    describe("credential records", () => {
      it.each([
        { case: "AWS credential, three hashes", record: makeRecord() },
        {
          case: "GitHub token, one hash, not revocable",
          record: makeRecord({ provider: "github", worker: "github", revocable: false, tokenHashes: [randomHash()] }),
        },
        { case: "revoked, no scopes, empty subject", record: makeRecord({ state: "revoked", scopes: [], subject: {} }) },
        {
          case: "with the worker's manual revocation URL",
          record: makeRecord({
            manualRevocationUrl:
              "https://console.aws.amazon.com/iam/home?account=123456789012#/roles/details/credvend?section=revoke_sessions",
          }),
        },
        {
          case: "empty upstream ref, non-ASCII claim",
          record: makeRecord({ upstreamRef: "", subject: { actor: "Zoë 🚀", repository: "acme/ünïcode" } }),
        },
      ])("getCredential returns what recordIssued stored: $case", async ({ record }) => {
        await ledger.recordIssued(record);
        expect(await ledger.getCredential(record.credentialId)).toStrictEqual(record);
      });

      it("getCredential of an unknown id is undefined", async () => {
        expect(await ledger.getCredential(randomUUID())).toBeUndefined();
      });

      it("findByTokenHash finds the credential by each of its token hashes", async () => {
        const record = makeRecord();
        await ledger.recordIssued(record);
        for (const hash of record.tokenHashes) {
          expect(await ledger.findByTokenHash(hash)).toStrictEqual(record);
        }
      });

      it("findByTokenHash of an unknown hash is undefined", async () => {
        expect(await ledger.findByTokenHash(randomHash("unknown"))).toBeUndefined();
      });

      it("findByTokenHashes returns only the hashes that matched, each with its credential", async () => {
        const [a, b] = [makeRecord(), makeRecord({ provider: "github", tokenHashes: [randomHash(), randomHash()] })];
        await ledger.recordIssued(a);
        await ledger.recordIssued(b);
        const unknown = [randomHash("unknown"), randomHash("unknown")];
        const found = await ledger.findByTokenHashes([
          a.tokenHashes[0]!,
          unknown[0]!,
          b.tokenHashes[1]!,
          a.tokenHashes[2]!,
          unknown[1]!,
          a.tokenHashes[0]!,
        ]);
        expect(Object.fromEntries(found)).toStrictEqual({
          [a.tokenHashes[0]!]: a,
          [b.tokenHashes[1]!]: b,
          [a.tokenHashes[2]!]: a,
        });
      });

      it("findByTokenHashes of no hashes is empty", async () => {
        expect((await ledger.findByTokenHashes([])).size).toBe(0);
      });

      it("findByTokenHashes handles 1,000 hashes at once", async () => {
        const records = Array.from({ length: 10 }, () => makeRecord({ tokenHashes: Array.from({ length: 50 }, () => randomHash()) }));
        for (const record of records) await ledger.recordIssued(record);
        const known = records.flatMap((r) => r.tokenHashes.map((hash) => ({ hash, id: r.credentialId })));
        const unknown = Array.from({ length: 500 }, () => randomHash("unknown"));
        const hashes = known.flatMap(({ hash }, i) => [hash, unknown[i]!]);
        expect(hashes).toHaveLength(1_000);

        const found = await ledger.findByTokenHashes(hashes);
        expect(found.size).toBe(500);
        for (const { hash, id } of known) expect(found.get(hash)?.credentialId).toBe(id);
      });

      it("rejects a duplicate credentialId and keeps the first record intact", async () => {
        const first = makeRecord();
        const newHash = randomHash("second");
        const second = makeRecord({
          credentialId: first.credentialId,
          provider: "github",
          tokenHashes: [newHash, first.tokenHashes[0]!],
        });
        await ledger.recordIssued(first);

        await expect(ledger.recordIssued(second)).rejects.toBeInstanceOf(LedgerError);
        expect(await ledger.getCredential(first.credentialId)).toStrictEqual(first);
        for (const hash of first.tokenHashes) expect(await ledger.findByTokenHash(hash)).toStrictEqual(first);
        // Whatever the rejected write left behind must not lead to the first credential.
        expect(await ledger.findByTokenHash(newHash)).toBeUndefined();
        expect((await ledger.findByTokenHashes([newHash])).size).toBe(0);
      });

      it.each([
        { via: "getCredential", read: (l: CredentialLedger, r: CredentialRecord) => l.getCredential(r.credentialId) },
        { via: "findByTokenHash", read: (l: CredentialLedger, r: CredentialRecord) => l.findByTokenHash(r.tokenHashes[0]!) },
        {
          via: "findByTokenHashes",
          read: async (l: CredentialLedger, r: CredentialRecord) => (await l.findByTokenHashes(r.tokenHashes)).get(r.tokenHashes[0]!),
        },
        { via: "the object passed to recordIssued", read: async (_l: CredentialLedger, r: CredentialRecord) => r },
      ])("mutating a record obtained via $via does not change stored state", async ({ read }) => {
        const record = makeRecord();
        const original = structuredClone(record);
        await ledger.recordIssued(record);

        const obtained = (await read(ledger, record)) as Mutable<CredentialRecord> | undefined;
        expect(obtained).toBeDefined();
        obtained!.scopes.push("aws:admin:*");
        (obtained!.subject as Record<string, string>).actor = "mallory";
        obtained!.tokenHashes.length = 0;
        obtained!.state = "revoked";

        expect(await ledger.getCredential(record.credentialId)).toStrictEqual(original);
        expect(await ledger.findByTokenHash(original.tokenHashes[1]!)).toStrictEqual(original);
      });
    });

    describe("recordVend (a vend's record, lookups and event)", () => {
      const vendEvent = (record: CredentialRecord, fields: Partial<AuditEvent> = {}): AuditEvent => ({
        eventId: randomUUID(),
        type: "vend",
        // A window of its own: auditByTime sees every event of the ledger.
        at: iso(newWindow()),
        credentialId: record.credentialId,
        repository: newRepository(),
        scopes: [...record.scopes],
        ...fields,
      });
      /** What a caller reads once recordVend failed: the event is there exactly when the error says so. */
      const expectEventAsReported = async (error: unknown, event: AuditEvent) => {
        expect(error).toBeInstanceOf(VendNotRecordedError);
        const written = (await ledger.auditByCredential(event.credentialId!)).some((e) => e.eventId === event.eventId);
        expect(written).toBe((error as VendNotRecordedError).eventWritten);
      };

      it("stores the record, findable by each hash, and its vend event", async () => {
        const record = makeRecord();
        const event = vendEvent(record);
        await ledger.recordVend(record, event);
        expect(await ledger.getCredential(record.credentialId)).toStrictEqual(record);
        for (const hash of record.tokenHashes) expect(await ledger.findByTokenHash(hash)).toStrictEqual(record);
        expect(await ledger.auditByCredential(record.credentialId)).toStrictEqual([event]);
      });

      it("refuses a duplicate credentialId: the first record stays whole, the new hash finds nothing, and the error tells whether the event landed", async () => {
        const first = makeRecord();
        await ledger.recordVend(first, vendEvent(first));
        const newHash = randomHash("second");
        const second = makeRecord({ credentialId: first.credentialId, tokenHashes: [newHash] });
        const event = vendEvent(second);

        const error = await ledger.recordVend(second, event).catch((e: unknown) => e);
        await expectEventAsReported(error, event);
        expect(await ledger.getCredential(first.credentialId)).toStrictEqual(first);
        expect(await ledger.findByTokenHash(newHash)).toBeUndefined();
      });

      it("refuses an event id already written and keeps the first event; whatever else landed is reported", async () => {
        const record = makeRecord();
        const first = vendEvent(makeRecord());
        await ledger.appendAudit(first);
        const repeat = { ...vendEvent(record), eventId: first.eventId, at: first.at, credentialId: first.credentialId };

        const error = await ledger.recordVend(record, repeat).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(VendNotRecordedError);
        expect((error as VendNotRecordedError).eventWritten).toBe(false);
        expect(await ledger.auditByCredential(first.credentialId!)).toStrictEqual([first]);
      });
    });

    describe("audit events", () => {
      it("auditByCredential returns that credential's events only, oldest first, as written", async () => {
        const t0 = newWindow();
        const [a, b] = [randomUUID(), randomUUID()];
        const repository = newRepository();
        const vend = event({
          type: "vend",
          at: iso(t0),
          credentialId: a,
          repository,
          scopes: ["aws:s3-read:acme-web-assets"],
          subject: { repository, actor: "octocat" },
          details: { ttlClamp: "900s" },
        });
        const detect = event({ type: "detect", at: iso(t0 + HOUR), credentialId: a, repository, reason: "secret_scanning" });
        const revoke = event({ type: "revoke", at: iso(t0 + 2 * HOUR), credentialId: a });
        const other = event({ type: "vend", at: iso(t0 + 30 * 60_000), credentialId: b, repository });
        for (const e of [revoke, other, vend, detect]) await ledger.appendAudit(e);

        expect(await ledger.auditByCredential(a)).toStrictEqual([vend, detect, revoke]);
        expect(await ledger.auditByCredential(b)).toStrictEqual([other]);
        expect(await ledger.auditByCredential(randomUUID())).toStrictEqual([]);
      });

      it("orders by instant whatever the ISO 8601 form, then by eventId", async () => {
        const credentialId = randomUUID();
        const day = iso(newWindow()).slice(0, 10);
        const written = [
          event({ eventId: "b", credentialId, at: `${day}T10:00:00.500Z` }),
          event({ eventId: "c", credentialId, at: `${day}T10:00:00Z` }),
          event({ eventId: "a", credentialId, at: `${day}T12:00:00.500+02:00` }),
          event({ eventId: "d", credentialId, at: `${day}T09:59:59.999Z` }),
        ];
        for (const e of written) await ledger.appendAudit(e);
        expect(ids(await ledger.auditByCredential(credentialId))).toEqual(["d", "c", "a", "b"]);
      });

      describe("auditByRepository", () => {
        // Around midnight, so a range crosses day buckets.
        const t0 = Date.parse("2031-01-01T23:30:00.000Z") + 365 * DAY;
        const repository = newRepository();
        const at = (offset: number) => iso(t0 + offset);
        const events = {
          first: event({ at: at(0), credentialId: randomUUID(), repository }),
          second: event({ type: "detect", at: at(HOUR), credentialId: randomUUID(), repository }),
          deny: event({ type: "deny", at: at(90 * 60_000), repository, reason: "scope_denied", details: { scope: "aws:admin:*" } }),
          third: event({ at: at(2 * HOUR), credentialId: randomUUID(), repository }),
        };
        const elsewhere = event({ at: at(HOUR), credentialId: randomUUID(), repository: `${repository}-fork` });
        beforeAll(async () => {
          for (const e of [events.third, elsewhere, events.first, events.deny, events.second]) await ledger.appendAudit(e);
        });

        it.each([
          { case: "range around all of them", from: at(-DAY), to: at(DAY), want: ["first", "second", "deny", "third"] },
          { case: "from is inclusive", from: at(0), to: at(HOUR + 1), want: ["first", "second"] },
          { case: "to is exclusive", from: at(0), to: at(HOUR), want: ["first"] },
          { case: "bounds with an offset", from: "2032-01-02T01:30:00+01:00", to: "2032-01-02T02:30:00+01:00", want: ["second", "deny"] },
          { case: "range before every event", from: at(-DAY), to: at(-1), want: [] },
          { case: "empty range", from: at(0), to: at(0), want: [] },
          { case: "reversed range", from: at(DAY), to: at(-DAY), want: [] },
        ] as const)("$case", async ({ from, to, want }) => {
          const found = await ledger.auditByRepository(repository, { from, to });
          expect(found).toStrictEqual(want.map((label) => events[label]));
        });

        it("excludes other repositories and knows none for an unknown one", async () => {
          const range = { from: at(-DAY), to: at(DAY) };
          expect(ids(await ledger.auditByRepository(elsewhere.repository!, range))).toEqual([elsewhere.eventId]);
          expect(await ledger.auditByRepository(newRepository(), range)).toStrictEqual([]);
        });
      });

      describe("auditByTime", () => {
        const day1 = newWindow();
        const at = (offset: number) => iso(day1 + offset);
        const events = {
          justBefore: event({ at: at(-1), credentialId: randomUUID(), repository: newRepository() }),
          noon: event({ at: at(12 * HOUR), credentialId: randomUUID(), repository: newRepository() }),
          midnight: event({ type: "deny", at: at(DAY), repository: newRepository(), reason: "scope_denied" }),
          lateDay2: event({ type: "failure", at: at(2 * DAY - 1), reason: "worker_timeout" }),
          // Day 3 has no events: its bucket is empty.
          day4: event({ type: "worker_unsigned", at: at(3 * DAY + 6 * HOUR), details: { worker: "github" } }),
          atEnd: event({ at: at(4 * DAY), credentialId: randomUUID() }),
        };
        beforeAll(async () => {
          for (const e of Object.values(events).reverse()) await ledger.appendAudit(e);
        });

        it.each([
          { case: "four days, across empty ones", from: at(0), to: at(4 * DAY), want: ["noon", "midnight", "lateDay2", "day4"] },
          { case: "within one day", from: at(DAY), to: at(2 * DAY - 1), want: ["midnight"] },
          { case: "from the last millisecond of a day", from: at(-1), to: at(12 * HOUR), want: ["justBefore"] },
          { case: "several days, nothing in range", from: at(2 * DAY), to: at(3 * DAY + 6 * HOUR), want: [] },
        ] as const)("$case", async ({ from, to, want }) => {
          const found = await ledger.auditByTime({ from, to });
          expect(found).toStrictEqual(want.map((label) => events[label]));
        });
      });

      it("keeps deny events, which have no credential, findable by repository and time", async () => {
        const t0 = newWindow();
        const repository = newRepository();
        const deny = event({
          type: "deny",
          at: iso(t0),
          repository,
          scopes: ["aws:s3-write:acme-web-assets/*"],
          subject: { repository, ref: "refs/heads/feature" },
          reason: "scope_denied",
          details: { deniedScope: "aws:s3-write:acme-web-assets/*" },
        });
        await ledger.appendAudit(deny);
        const range = { from: iso(t0), to: iso(t0 + 1) };
        expect(await ledger.auditByRepository(repository, range)).toStrictEqual([deny]);
        expect(await ledger.auditByTime(range)).toStrictEqual([deny]);
      });

      it("auditByTime merges a busy day's events in time order, however they are spread", async () => {
        const t0 = newWindow();
        const written = Array.from({ length: 64 }, (_, i) =>
          event({ at: iso(t0 + ((i * 7_919) % 64) * 60_000 + (i % 3)), repository: newRepository() }),
        );
        for (const e of written) await ledger.appendAudit(e);
        const want = [...written].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.eventId < b.eventId ? -1 : 1));
        expect(ids(await ledger.auditByTime({ from: iso(t0), to: iso(t0 + DAY) }))).toEqual(ids(want));
        expect(ids(await ledger.auditByTime({ from: iso(t0 + 10 * 60_000), to: iso(t0 + 20 * 60_000) }))).toEqual(
          ids(want.filter((e) => Date.parse(e.at) >= t0 + 10 * 60_000 && Date.parse(e.at) < t0 + 20 * 60_000)),
        );
      });

      describe("appendAuditOnce", () => {
        it("stores the first of any number of concurrent repeats, and says which call wrote it", async () => {
          const t0 = newWindow();
          const summary = event({
            type: "deny_flood",
            at: iso(t0),
            eventId: `deny_flood-${randomUUID()}`,
            repository: newRepository(),
            details: { n: "0" },
          });
          const repeats = Array.from({ length: 10 }, (_, i) => ({ ...summary, details: { n: String(i) } }));
          const wrote = await Promise.all(repeats.map((e) => ledger.appendAuditOnce(e)));
          expect(wrote.filter(Boolean)).toHaveLength(1);
          const stored = await ledger.auditByTime({ from: iso(t0), to: iso(t0 + 1) });
          expect(stored).toStrictEqual([repeats[wrote.indexOf(true)]]);
          expect(await ledger.appendAuditOnce(summary)).toBe(false);
          expect(await ledger.auditByRepository(summary.repository!, { from: iso(t0), to: iso(t0 + 1) })).toStrictEqual(stored);
        });

        it("neither replaces an event appendAudit wrote nor lets appendAudit replace its own", async () => {
          const first = event({ at: iso(newWindow()), credentialId: randomUUID(), reason: "original" });
          await ledger.appendAudit(first);
          expect(await ledger.appendAuditOnce({ ...first, reason: "rewritten" })).toBe(false);
          const once = event({ at: iso(newWindow()), credentialId: randomUUID(), reason: "once" });
          expect(await ledger.appendAuditOnce(once)).toBe(true);
          await expect(ledger.appendAudit({ ...once, reason: "rewritten" })).rejects.toBeInstanceOf(LedgerError);
          expect(await ledger.auditByCredential(first.credentialId!)).toStrictEqual([first]);
          expect(await ledger.auditByCredential(once.credentialId!)).toStrictEqual([once]);
        });
      });

      it("rejects a second event with the same id and keeps the first", async () => {
        const first = event({ at: iso(newWindow()), credentialId: randomUUID(), reason: "original" });
        await ledger.appendAudit(first);
        await expect(ledger.appendAudit({ ...first, reason: "rewritten" })).rejects.toBeInstanceOf(LedgerError);
        expect(await ledger.auditByCredential(first.credentialId!)).toStrictEqual([first]);
      });

      it("mutating a returned or passed-in event does not change stored state", async () => {
        const written = event({ at: iso(newWindow()), credentialId: randomUUID(), details: { note: "x" }, scopes: ["a:b:c"] });
        const original = structuredClone(written);
        await ledger.appendAudit(written);
        (written.details as Record<string, string>).note = "changed";
        const [returned] = (await ledger.auditByCredential(written.credentialId!)) as Mutable<AuditEvent>[];
        returned!.scopes!.push("x:y:z");
        returned!.reason = "changed";
        expect(await ledger.auditByCredential(written.credentialId!)).toStrictEqual([original]);
      });

      it("keeps a named watermark: undefined until put, then the last value put", async () => {
        const name = `alerts:${randomUUID()}`;
        expect(await ledger.getWatermark(name)).toBeUndefined();
        await ledger.putWatermark(name, "2031-01-01T00:00:00Z");
        await ledger.putWatermark(name, "2031-01-02T00:00:00Z");
        expect(await ledger.getWatermark(name)).toBe("2031-01-02T00:00:00Z");
        expect(await ledger.getWatermark(`${name}-other`)).toBeUndefined();
      });

      it("rejects timestamps that are not ISO 8601", async () => {
        await expect(ledger.appendAudit(event({ at: "yesterday", credentialId: randomUUID() }))).rejects.toThrow(RangeError);
        await expect(ledger.auditByTime({ from: "soon", to: iso(newWindow()) })).rejects.toThrow(RangeError);
      });
    });
  });
}
