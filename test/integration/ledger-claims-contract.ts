// The leak-response part of the CredentialLedger contract (claims, leases, tags, deliveries),
// run against every implementation by ledger-claims.test.ts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CredentialLedger } from "../../functions/core/ports/credential-ledger.js";
import { makeRecord, type LedgerUnderTest } from "./ledger-contract.js";

const T0 = new Date("2031-01-01T10:05:00.000Z");
const LEASE_MS = 30_000;
const later = (ms: number) => new Date(T0.getTime() + ms);

export function describeLedgerClaimsContract(name: string, setup: () => Promise<LedgerUnderTest>): void {
  describe(`CredentialLedger claims contract: ${name}`, () => {
    let ledger: CredentialLedger;
    let teardown: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ ledger, teardown } = await setup());
    });
    afterAll(async () => teardown?.());

    const issued = async () => {
      const record = makeRecord();
      await ledger.recordIssued(record);
      return record;
    };
    const claim = (credentialId: string, extra: { staleClaimId?: string; now?: Date } = {}) => {
      const now = extra.now ?? T0;
      const claimId = randomUUID();
      return ledger
        .claimInvalidation({ credentialId, claimId, now, leaseUntil: new Date(now.getTime() + LEASE_MS), ...extra })
        .then((won) => ({ won, claimId }));
    };

    it("a fresh record has no invalidation progress and no tags", async () => {
      const record = await issued();
      const stored = await ledger.getCredential(record.credentialId);
      expect(stored).toStrictEqual(record);
      expect(stored?.invalidation).toBeUndefined();
      expect(stored?.tags).toBeUndefined();
    });

    it("exactly one of 50 concurrent claims wins, and the record shows its claim and lease", async () => {
      const record = await issued();
      const results = await Promise.all(Array.from({ length: 50 }, () => claim(record.credentialId)));
      const winners = results.filter((r) => r.won);
      expect(winners).toHaveLength(1);
      const stored = await ledger.getCredential(record.credentialId);
      expect(stored?.state).toBe("revoking");
      expect(stored?.invalidation).toEqual({ attempts: 0, claimId: winners[0]!.claimId, leaseUntil: T0.getTime() + LEASE_MS });
    });

    it("a claim on an unknown credential loses and creates nothing", async () => {
      const credentialId = randomUUID();
      expect((await claim(credentialId)).won).toBe(false);
      expect(await ledger.getCredential(credentialId)).toBeUndefined();
    });

    it("completing marks it revoked and tagged, once, and only for the holder", async () => {
      const record = await issued();
      const { claimId } = await claim(record.credentialId);
      expect(await ledger.completeInvalidation(record.credentialId, randomUUID(), T0.toISOString())).toBe(false);
      expect((await ledger.getCredential(record.credentialId))?.state).toBe("revoking");
      expect(await ledger.completeInvalidation(record.credentialId, claimId, T0.toISOString())).toBe(true);
      expect(await ledger.completeInvalidation(record.credentialId, claimId, T0.toISOString())).toBe(false);
      const stored = await ledger.getCredential(record.credentialId);
      expect(stored).toMatchObject({ state: "revoked", invalidation: { attempts: 0 }, tags: { revoked_on_detection: T0.toISOString() } });
      expect(stored?.invalidation?.claimId).toBeUndefined();
      // A revoked credential can never be claimed again, not even as a takeover.
      expect((await claim(record.credentialId)).won).toBe(false);
      expect((await claim(record.credentialId, { staleClaimId: claimId, now: later(10 * LEASE_MS) })).won).toBe(false);
    });

    it("a live lease cannot be taken over; an expired one can, once, and only on the claim seen", async () => {
      const record = await issued();
      const dead = await claim(record.credentialId);
      expect((await claim(record.credentialId, { staleClaimId: dead.claimId, now: later(LEASE_MS - 1) })).won).toBe(false);
      expect((await claim(record.credentialId, { staleClaimId: randomUUID(), now: later(LEASE_MS + 1) })).won).toBe(false);
      const takers = await Promise.all(
        Array.from({ length: 10 }, () => claim(record.credentialId, { staleClaimId: dead.claimId, now: later(LEASE_MS + 1) })),
      );
      expect(takers.filter((t) => t.won)).toHaveLength(1);
      // The dead holder, should it wake up, can no longer complete.
      expect(await ledger.completeInvalidation(record.credentialId, dead.claimId, T0.toISOString())).toBe(false);
    });

    it("a failure releases the claim, counts attempts and lets the next claim retry", async () => {
      const record = await issued();
      const first = await claim(record.credentialId);
      expect(await ledger.failInvalidation(record.credentialId, randomUUID(), "worker_upstream_failed")).toBeUndefined();
      expect(await ledger.failInvalidation(record.credentialId, first.claimId, "worker_upstream_failed")).toBe(1);
      expect(await ledger.failInvalidation(record.credentialId, first.claimId, "worker_upstream_failed")).toBeUndefined();
      expect(await ledger.getCredential(record.credentialId)).toMatchObject({
        state: "failed",
        invalidation: { attempts: 1, lastError: "worker_upstream_failed" },
      });
      const second = await claim(record.credentialId);
      expect(second.won).toBe(true);
      expect(await ledger.failInvalidation(record.credentialId, second.claimId, "worker_timeout")).toBe(2);
      const third = await claim(record.credentialId);
      expect(await ledger.completeInvalidation(record.credentialId, third.claimId, T0.toISOString())).toBe(true);
      expect((await ledger.getCredential(record.credentialId))?.invalidation?.attempts).toBe(2);
    });

    it("a tag is set once among concurrent callers and keeps its first time", async () => {
      const record = await issued();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => ledger.tagCredential(record.credentialId, "manual_revoke_required", later(i).toISOString())),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await ledger.tagCredential(record.credentialId, "detected_after_expiry", T0.toISOString())).toBe(true);
      const stored = await ledger.getCredential(record.credentialId);
      expect(Object.keys(stored?.tags ?? {}).sort()).toEqual(["detected_after_expiry", "manual_revoke_required"]);
      expect(stored?.state).toBe("active");
      expect(await ledger.tagCredential(randomUUID(), "detected_after_expiry", T0.toISOString())).toBe(false);
    });

    it("findByTokenHash sees the invalidation progress", async () => {
      const record = await issued();
      await claim(record.credentialId);
      expect((await ledger.findByTokenHash(record.tokenHashes[0]!))?.state).toBe("revoking");
      expect((await ledger.findByTokenHashes([record.tokenHashes[1]!])).get(record.tokenHashes[1]!)?.state).toBe("revoking");
    });

    it("remembers a delivery once", async () => {
      const delivery = randomUUID();
      expect(await ledger.hasDelivery(delivery)).toBe(false);
      const results = await Promise.all(Array.from({ length: 10 }, () => ledger.recordDelivery(delivery, T0.toISOString())));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await ledger.hasDelivery(delivery)).toBe(true);
      expect(await ledger.hasDelivery(randomUUID())).toBe(false);
    });
  });
}
