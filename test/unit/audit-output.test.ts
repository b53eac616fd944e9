// How `credvend audit` prints for people: full times with their Z, headers whole, columns apart,
// a revoked credential never called live, and "not found" said once.
import { describe, expect, it } from "vitest";
import { anomaliesText } from "../../cli/audit/audit-anomalies.js";
import { createPrinter } from "../../cli/audit/audit-output.js";
import type { Anomaly } from "../../functions/core/anomalies/anomaly-rules.js";
import type { AuditEvent, CredentialRecord } from "../../functions/core/records.js";

const NOW = new Date("2026-11-28T16:00:00.000Z");

function printed(use: (printer: ReturnType<typeof createPrinter>) => void): string {
  let text = "";
  use(createPrinter("table", (chunk) => (text += chunk), NOW));
  return text;
}

const event: AuditEvent = {
  eventId: "e-1",
  type: "worker_unsigned",
  at: "2026-11-28T15:56:43.471Z",
  credentialId: "586e48ff-aa2f-4a44-b12f-70a0c5bf3218",
  repository: "a-very-long-organization-name/with-a-long-repository",
  subject: { ref: "refs/heads/main", actor: "octocat" },
  reason: "unsigned",
};

const record: CredentialRecord = {
  credentialId: "586e48ff-aa2f-4a44-b12f-70a0c5bf3218",
  provider: "local",
  worker: "local-tokens",
  scopes: ["local:read:billing"],
  subject: { repository: "acme/web", ref: "refs/heads/main" },
  issuedAt: "2026-11-28T15:58:00.000Z",
  expiresAt: "2026-11-28T16:08:00.000Z",
  revocable: true,
  upstreamRef: "t-1",
  tokenHashes: [],
  state: "active",
};

describe("audit table", () => {
  it("timestamps cut (…15:56:43.47…, the Z lost), header cut (CREDENTI…): both print whole, columns apart", () => {
    const text = printed((p) => {
      p.event(event);
      p.end({ found: true, events: 1 });
    });
    const [header, row] = text.split("\n");
    expect(header).toMatch(/^TIME\s{2,}TYPE\s{2,}REPOSITORY\s{2,}REF\s{2,}ACTOR\s{2,}CREDENTIAL\s{2,}WHAT$/);
    expect(row).toMatch(/^2026-11-28T15:56:43\.471Z\s{2,}worker_unsigned\s{2,}/);
    // A free-text cell longer than its column is shortened with an ellipsis and still set apart.
    expect(row).toMatch(/\s{2,}a-very-long-organization-…\s{2,}refs\/heads\/main\s{2,}octocat\s{2,}586e48ff\s{2,}unsigned$/);
  });

  it("anomaly columns ran together (…447Zlow): each is set apart by two spaces at least", () => {
    const anomalies: Anomaly[] = [
      {
        rule: "denial_burst",
        severity: "high",
        repository: "acme/api",
        eventId: "e",
        at: "2026-11-28T15:56:43.447Z",
        explanation: "10 denials within 10 minutes",
      },
      {
        rule: "new_scope",
        severity: "low",
        repository: "acme/web",
        eventId: "f",
        at: "2026-11-28T15:50:00.000Z",
        explanation: "first use",
      },
    ] as Anomaly[];
    const text = anomaliesText(anomalies, {}, "table");
    expect(text).toMatch(/^TIME\s{2,}LEVEL\s{2,}RULE\s{2,}REPOSITORY\s{2,}WHY\n/);
    expect(text).toContain("2026-11-28T15:56:43.447Z  high  ");
    expect(text).toMatch(/2026-11-28T15:50:00\.000Z {2}low\s{2,}new_scope\s{2,}acme\/web\s{2,}first use\n/);
  });

  it("a live credential says how long it has left", () => {
    const text = printed((p) => p.credential(record, {}));
    expect(text).toMatch(/expires\s+2026-11-28T16:08:00\.000Z \(live, 8m left\)/);
  });

  it("a revoked credential said (live, 8m left) above state revoked: it says revoked, and when", () => {
    const revoked = { ...record, state: "revoked" as const, revokedBy: "revoked_by_owner" as const, revokedAt: "2026-11-28T15:59:00.000Z" };
    const text = printed((p) => p.credential(revoked, {}));
    expect(text).not.toContain("live");
    expect(text).toMatch(/expires\s+2026-11-28T16:08:00\.000Z \(revoked at 2026-11-28T15:59:00\.000Z\)/);
    expect(text).toMatch(/state\s+revoked, revocable/);
  });

  it("a credential the broker revokes early counts down to that time", () => {
    const early = { ...record, expiresAt: "2026-11-28T17:00:00.000Z", revokeAt: "2026-11-28T16:05:00.000Z" };
    expect(printed((p) => p.credential(early, {}))).toContain("(live, 5m left until the broker revokes it at 2026-11-28T16:05:00.000Z)");
  });

  it('an unknown credential printed "(no events)" before "no such credential": only the latter', () => {
    const text = printed((p) =>
      p.end({ found: false, credentialId: "nope", note: "no such credential in this ledger (or past its retention)" }),
    );
    expect(text).toBe("no such credential in this ledger (or past its retention): nope\n");
  });

  it("an empty timeline still says so", () => {
    expect(printed((p) => p.end({ found: true, events: 0 }))).toContain("(no events)");
  });
});
