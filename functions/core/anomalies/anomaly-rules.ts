// Rule-based anomaly signals over the audit events, each explained in words: the same rules run on
// the ledger's change stream (one new event against its repository's history) and over a stretch
// of history (`credvend audit anomalies`). Habit rules stay quiet until a repository has a habit
// (minHistoryVends in the lookback), so a new or rarely used repository raises no false alarm.
import type { Urgency } from "../ports/notifier.js";
import type { AuditEvent } from "../records.js";
import type { AnomalyThresholds } from "./thresholds.js";

export type AnomalyRule = "new_workflow" | "new_ref" | "denial_burst" | "unusual_hour" | "unusual_scope" | "vend_during_live_leak";

export interface Anomaly {
  readonly rule: AnomalyRule;
  readonly severity: Urgency;
  readonly repository: string;
  /** The event that raised it. */
  readonly eventId: string;
  readonly at: string;
  /** One sentence a human reads: what was unusual, compared with what. */
  readonly explanation: string;
}

/** A leaked credential of a repository, live from its detection until it expired or was revoked. */
export interface LeakWindow {
  readonly credentialId: string;
  readonly from: string;
  readonly until: string;
}

export interface RuleInput {
  readonly event: AuditEvent;
  /** The repository's events before `event` within the lookback, any order. */
  readonly history: readonly AuditEvent[];
  readonly leaks: readonly LeakWindow[];
  readonly thresholds: AnomalyThresholds;
}

export function evaluateAnomalies(input: RuleInput): Anomaly[] {
  const { event } = input;
  const repository = event.repository ?? event.subject?.repository;
  if (!repository) return [];
  const raise = (rule: AnomalyRule, severity: Urgency, explanation: string): Anomaly => ({
    rule,
    severity,
    repository,
    eventId: event.eventId,
    at: event.at,
    explanation,
  });
  if (event.type === "deny") return denialBurst(input, raise);
  if (event.type !== "vend") return [];
  return [...liveLeak(input, raise), ...habits(input, raise)];
}

type Raise = (rule: AnomalyRule, severity: Urgency, explanation: string) => Anomaly;

function denialBurst({ event, history, thresholds }: RuleInput, raise: Raise): Anomaly[] {
  const windowStart = Date.parse(event.at) - thresholds.denialBurstWindowMinutes * 60_000;
  const earlier = history.filter((e) => e.type === "deny" && Date.parse(e.at) >= windowStart && Date.parse(e.at) <= Date.parse(event.at));
  // Raised once per burst: when this denial is the one that reaches the count.
  if (earlier.length + 1 !== thresholds.denialBurstCount) return [];
  return [
    raise(
      "denial_burst",
      "high",
      `${thresholds.denialBurstCount} denials within ${thresholds.denialBurstWindowMinutes} minutes (probing for scopes the policy does not allow?)`,
    ),
  ];
}

function liveLeak({ event, leaks }: RuleInput, raise: Raise): Anomaly[] {
  const at = Date.parse(event.at);
  const live = leaks.filter((leak) => Date.parse(leak.from) <= at && at < Date.parse(leak.until));
  if (live.length === 0) return [];
  const ids = live.map((leak) => leak.credentialId).join(", ");
  return [raise("vend_during_live_leak", "high", `vend while a leaked credential of this repository is still live (${ids})`)];
}

function habits({ event, history, thresholds }: RuleInput, raise: Raise): Anomaly[] {
  const vends = history.filter((e) => e.type === "vend");
  if (vends.length < thresholds.minHistoryVends) return [];
  const days = `${vends.length} vends in ${thresholds.lookbackDays} days`;
  const found: Anomaly[] = [];
  const workflow = event.subject?.workflow ?? event.subject?.job_workflow_ref;
  if (workflow && !vends.some((e) => (e.subject?.workflow ?? e.subject?.job_workflow_ref) === workflow)) {
    found.push(raise("new_workflow", "low", `first vend from workflow "${workflow}" (not among ${days})`));
  }
  const ref = event.subject?.ref;
  if (ref && !vends.some((e) => e.subject?.ref === ref))
    found.push(raise("new_ref", "low", `first vend from ref ${ref} (not among ${days})`));
  const granted = new Set(vends.flatMap((e) => e.scopes ?? []));
  const beyond = (event.scopes ?? []).filter((scope) => !granted.has(scope));
  if (beyond.length > 0) found.push(raise("unusual_scope", "low", `scopes this repository has not had (${days}): ${beyond.join(" ")}`));
  const hour = new Date(event.at).getUTCHours();
  const hours = new Set(vends.map((e) => new Date(e.at).getUTCHours()));
  const margin = thresholds.usualHourMargin;
  const usual = Array.from({ length: 2 * margin + 1 }, (_, i) => (hour - margin + i + 24) % 24).some((h) => hours.has(h));
  if (!usual) {
    found.push(raise("unusual_hour", "low", `vend at ${String(hour).padStart(2, "0")}:xx UTC; the ${days} were at ${hourList(hours)} UTC`));
  }
  return found;
}

function hourList(hours: ReadonlySet<number>): string {
  return [...hours]
    .sort((a, b) => a - b)
    .map((h) => `${String(h).padStart(2, "0")}h`)
    .join(" ");
}
