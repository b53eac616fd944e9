// The anomaly rules on generated histories: a steady repository raises nothing, and each rule
// fires — once, explained — on the one event that breaks the habit.
import { describe, expect, it } from "vitest";
import { findAnomalies, leakWindow } from "../../functions/core/anomalies/anomaly-history.js";
import type { LeakWindow } from "../../functions/core/anomalies/anomaly-rules.js";
import { anomalyThresholds, DEFAULT_ANOMALY_THRESHOLDS } from "../../functions/core/anomalies/thresholds.js";
import type { AuditEvent, CredentialRecord } from "../../functions/core/records.js";

const DAY = 86_400_000;
const END = Date.parse("2026-11-28T00:00:00.000Z");
const LAST_WEEK = { from: new Date(END - 7 * DAY).toISOString(), to: new Date(END).toISOString() };
let counter = 0;

function vend(at: number, overrides: { repository?: string; ref?: string; workflow?: string; scopes?: string[] } = {}): AuditEvent {
  const repository = overrides.repository ?? "acme/web";
  return {
    eventId: `e${counter++}`,
    type: "vend",
    at: new Date(at).toISOString(),
    repository,
    credentialId: `c${counter}`,
    scopes: overrides.scopes ?? ["aws:s3-write:acme-web-assets/builds/*"],
    subject: { repository, ref: overrides.ref ?? "refs/heads/main", workflow: overrides.workflow ?? "deploy", actor: "octocat" },
  };
}

function deny(at: number, repository = "acme/web"): AuditEvent {
  return {
    eventId: `e${counter++}`,
    type: "deny",
    at: new Date(at).toISOString(),
    repository,
    reason: "scope_denied",
    scopes: ["aws:iam-admin:*"],
    subject: { repository },
  };
}

/** 30 days of a steady repository: vends at 09h, 13h and 17h UTC (± minutes), one stray denial a day. */
function steadyHistory(repository = "acme/web"): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (let day = 30; day >= 1; day--) {
    const midnight = END - day * DAY;
    for (const hour of [9, 13, 17]) events.push(vend(midnight + hour * 3_600_000 + ((day * 7 + hour) % 50) * 60_000, { repository }));
    events.push(deny(midnight + 11 * 3_600_000, repository));
  }
  return events;
}

const none = new Map<string, LeakWindow[]>();
const rulesOf = (events: AuditEvent[], leaks = none) => findAnomalies(events, LAST_WEEK, leaks, DEFAULT_ANOMALY_THRESHOLDS);

describe("anomaly rules", () => {
  it("a steady history raises nothing (no false alarm), nor does a new repository with few vends", () => {
    expect(rulesOf(steadyHistory())).toEqual([]);
    const newcomer = [vend(END - 2 * DAY + 3 * 3_600_000, { repository: "acme/new", ref: "refs/heads/x", workflow: "odd" })];
    expect(rulesOf([...steadyHistory(), ...newcomer])).toEqual([]);
  });

  it("new workflow and new ref: the first vend from each, explained against the history", () => {
    const odd = vend(END - DAY + 13 * 3_600_000, { workflow: "release-hotfix", ref: "refs/heads/hotfix" });
    const found = rulesOf([...steadyHistory(), odd]);
    expect(found.map((a) => a.rule).sort()).toEqual(["new_ref", "new_workflow"]);
    expect(found.find((a) => a.rule === "new_workflow")).toMatchObject({
      severity: "low",
      repository: "acme/web",
      eventId: odd.eventId,
      explanation: 'first vend from workflow "release-hotfix" (not among 42 vends in 14 days)',
    });
  });

  it("unusual hour: a vend at 03h UTC when the repository vends at 09h, 13h and 17h", () => {
    const found = rulesOf([...steadyHistory(), vend(END - DAY + 3 * 3_600_000)]);
    expect(found).toEqual([
      expect.objectContaining({ rule: "unusual_hour", explanation: "vend at 03:xx UTC; the 42 vends in 14 days were at 09h 13h 17h UTC" }),
    ]);
    // An hour next to a usual one is usual (margin 1).
    expect(rulesOf([...steadyHistory(), vend(END - DAY + 10 * 3_600_000)])).toEqual([]);
  });

  it("unusual scope: only the scopes beyond what the repository has had", () => {
    const wider = vend(END - DAY + 13 * 3_600_000, {
      scopes: ["aws:s3-write:acme-web-assets/builds/*", "aws:s3-write:acme-prod-db-backups/*"],
    });
    expect(rulesOf([...steadyHistory(), wider])).toEqual([
      expect.objectContaining({ rule: "unusual_scope", explanation: expect.stringMatching(/: aws:s3-write:acme-prod-db-backups\/\*$/) }),
    ]);
  });

  it("denial burst: ten denials in ten minutes raise one high anomaly, not ten", () => {
    const burst = Array.from({ length: 15 }, (_, i) => deny(END - DAY + 14 * 3_600_000 + i * 30_000));
    const found = rulesOf([...steadyHistory(), ...burst]);
    expect(found).toEqual([expect.objectContaining({ rule: "denial_burst", severity: "high", eventId: burst[9]?.eventId })]);
  });

  it("vend during a live leak: high, naming the leaked credential; none once it was revoked", () => {
    const record = {
      credentialId: "leaked-1",
      expiresAt: new Date(END - 2 * DAY).toISOString(),
      detection: { detectedAt: new Date(END - 3 * DAY).toISOString(), source: {} },
      outcome: "manual_revoke_required",
    } as unknown as CredentialRecord;
    const window = leakWindow(record);
    const leaks = new Map([["acme/web", window ? [window] : []]]);
    const during = vend(END - 3 * DAY + 13 * 3_600_000);
    const found = rulesOf([...steadyHistory(), during], leaks).filter((a) => a.eventId === during.eventId);
    expect(found).toEqual([
      expect.objectContaining({ rule: "vend_during_live_leak", severity: "high", explanation: expect.stringContaining("leaked-1") }),
    ]);
    const revoked = leakWindow({
      ...record,
      outcome: "revoked_on_detection",
      outcomeAt: new Date(END - 3 * DAY + 60_000).toISOString(),
    } as CredentialRecord);
    expect(
      rulesOf([...steadyHistory(), during], new Map([["acme/web", revoked ? [revoked] : []]])).filter((a) => a.eventId === during.eventId),
    ).toEqual([]);
  });

  it("thresholds: defaults, overrides, and a bad field named", () => {
    expect(anomalyThresholds({ lookbackDays: 30 })).toEqual({ ...DEFAULT_ANOMALY_THRESHOLDS, lookbackDays: 30 });
    expect(() => anomalyThresholds({ lookback: 3 })).toThrow("anomalies.lookback: unknown field");
    expect(() => anomalyThresholds({ denialBurstCount: 1 })).toThrow("anomalies.denialBurstCount: must be a whole number from 2 to 100000");
  });
});
