// The owner/broker revocation part of the CredentialLedger contract (the early-expiry schedule,
// claims that keep a credential off the leak sweep, completion, release), run against every
// implementation by ledger-claims.test.ts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CredentialLedger } from "../../functions/core/ports/credential-ledger.js";
import { makeRecord, type LedgerUnderTest } from "./ledger-contract.js";

const T0 = new Date("2031-01-01T10:05:00.000Z");
const later = (ms: number) => new Date(T0.getTime() + ms);

export function describeLedgerRevocationsContract(name: string, setup: () => Promise<LedgerUnderTest>): void {
  describe(`CredentialLedger revocations contract: ${name}`, () => {
    let ledger: CredentialLedger;
    let teardown: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ ledger, teardown } = await setup());
    });
    afterAll(async () => teardown?.());

    const issued = async (overrides: Parameters<typeof makeRecord>[0] = {}) => {
      const record = makeRecord(overrides);
      await ledger.recordIssued(record);
      return record;
    };
    const claim = (credentialId: string, extra: { staleClaimId?: string; now?: Date } = {}) => {
      const now = extra.now ?? T0;
      const claimId = randomUUID();
      return ledger
        .claimRevocation({ credentialId, claimId, now, leaseUntil: new Date(now.getTime() + 30_000), ...extra })
        .then((won) => ({ won, claimId }));
    };
    const dueIds = async (now: Date) => (await ledger.dueRevocations(now, 1000)).map((due) => due.credentialId);

    it("keeps revokeAt on the record beside the real expiry", async () => {
      const record = await issued({ revokeAt: "2031-01-01T10:05:00.000Z" });
      expect(await ledger.getCredential(record.credentialId)).toStrictEqual(record);
    });

    it("a scheduled revocation is due from its time on, and gone once taken off", async () => {
      const { credentialId } = await issued();
      await ledger.scheduleRevocation(credentialId, later(60_000));
      expect(await dueIds(later(59_999))).not.toContain(credentialId);
      const due = (await ledger.dueRevocations(later(60_000), 1000)).find((d) => d.credentialId === credentialId);
      expect(due).toStrictEqual({ credentialId, dueAt: later(60_000).getTime(), attempts: 0 });
      await ledger.rescheduleRevocation(credentialId, { attempts: 1, dueAt: later(90_000), lastError: "worker_unavailable" });
      expect(await dueIds(later(60_000))).not.toContain(credentialId);
      expect((await ledger.dueRevocations(later(90_000), 1000)).find((d) => d.credentialId === credentialId)?.attempts).toBe(1);
      await ledger.rescheduleRevocation(credentialId, undefined);
      expect(await dueIds(later(3_600_000))).not.toContain(credentialId);
    });

    it("one claim wins; completing marks it revoked by whom, without a leak outcome or sweep", async () => {
      const { credentialId } = await issued();
      const first = await claim(credentialId);
      const second = await claim(credentialId);
      expect([first.won, second.won]).toStrictEqual([true, false]);
      expect(await ledger.completeRevocation(credentialId, second.claimId, "revoked_by_owner", T0.toISOString())).toBe(false);
      expect(await ledger.completeRevocation(credentialId, first.claimId, "revoked_by_owner", T0.toISOString())).toBe(true);
      const stored = await ledger.getCredential(credentialId);
      expect(stored).toMatchObject({ state: "revoked", revokedBy: "revoked_by_owner", revokedAt: T0.toISOString() });
      expect(stored?.outcome).toBeUndefined();
      expect(stored?.sweepDueAt).toBeUndefined();
      expect(stored?.invalidation?.claimId).toBeUndefined();
      expect((await claim(credentialId)).won).toBe(false);
      expect(await ledger.dueDetections(later(3_600_000), 1000)).not.toContain(credentialId);
    });

    it("a released claim leaves the credential as it was, for the next attempt", async () => {
      const { credentialId } = await issued();
      const first = await claim(credentialId);
      expect(await ledger.releaseRevocation(credentialId, randomUUID(), "active")).toBe(false);
      expect(await ledger.releaseRevocation(credentialId, first.claimId, "active")).toBe(true);
      expect(await ledger.getCredential(credentialId)).toMatchObject({ state: "active", invalidation: { attempts: 0 } });
      expect((await claim(credentialId)).won).toBe(true);
    });

    it("a dead holder's claim is taken over after its lease, never before", async () => {
      const { credentialId } = await issued();
      const first = await claim(credentialId);
      expect((await claim(credentialId, { staleClaimId: first.claimId, now: later(30_000) })).won).toBe(false);
      const taker = await claim(credentialId, { staleClaimId: first.claimId, now: later(30_001) });
      expect(taker.won).toBe(true);
      expect(await ledger.completeRevocation(credentialId, first.claimId, "expired_by_broker", T0.toISOString())).toBe(false);
      expect(await ledger.completeRevocation(credentialId, taker.claimId, "expired_by_broker", T0.toISOString())).toBe(true);
    });

    it("never claims a credential leak response is revoking or has settled", async () => {
      const revoking = await issued();
      const leakClaim = randomUUID();
      await ledger.claimInvalidation({ credentialId: revoking.credentialId, claimId: leakClaim, now: T0, leaseUntil: later(30_000) });
      expect((await claim(revoking.credentialId)).won).toBe(false);
      const settled = await issued();
      await ledger.settleOutcome(settled.credentialId, "manual_revoke_required", T0);
      expect((await claim(settled.credentialId)).won).toBe(false);
    });
  });
}
