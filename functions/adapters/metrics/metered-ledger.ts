// Business metrics from what the functions already record: every vend, denial, refused worker and
// leak outcome passes through the ledger, so a wrapper around it counts them without touching the
// code that decides (the vend pipeline, the leak handler), and the sweeper's due lists give its
// backlog. Every other ledger method passes through unchanged, whatever methods the port gains.
import type { CredentialLedger } from "../../core/ports/credential-ledger.js";
import type { AuditEvent, TerminalOutcome } from "../../core/records.js";
import type { Metrics } from "./emf-metrics.js";

/** The names the dashboard and alarms read (infra/constructs/operations-dashboard.ts). */
export const METRIC = {
  vends: "Vends",
  denials: "Denials",
  refusedWorkers: "RefusedWorkers",
  vendFailures: "VendFailures",
  leakOutcomes: "LeakOutcomes",
  sweeperBacklog: "SweeperBacklog",
  workerLatency: "WorkerLatency",
  workerFailures: "WorkerFailures",
} as const;

export function meteredLedger(ledger: CredentialLedger, metrics: Metrics): CredentialLedger {
  const count = (name: string, dimensions: Record<string, string>) => metrics.put({ name, value: 1, unit: "Count", dimensions });
  const audited = (event: AuditEvent) => {
    const metric = eventMetric(event);
    if (metric) count(metric.name, metric.dimensions);
  };
  const outcome = (settled: boolean, value: TerminalOutcome) => {
    if (settled) count(METRIC.leakOutcomes, { Outcome: value });
    return settled;
  };
  const overrides: Partial<CredentialLedger> = {
    appendAudit: async (event) => {
      await ledger.appendAudit(event);
      audited(event);
    },
    appendAuditOnce: async (event) => {
      const stored = await ledger.appendAuditOnce(event);
      if (stored) audited(event);
      return stored;
    },
    completeInvalidation: async (...args) => outcome(await ledger.completeInvalidation(...args), "revoked_on_detection"),
    settleOutcome: async (credentialId, value, ...rest) => outcome(await ledger.settleOutcome(credentialId, value, ...rest), value),
    dueDetections: async (now, limit) => {
      const due = await ledger.dueDetections(now, limit);
      metrics.put({ name: METRIC.sweeperBacklog, value: due.length, unit: "Count", dimensions: { Queue: "detections" } });
      return due;
    },
    dueAlerts: async (now, limit) => {
      const due = await ledger.dueAlerts(now, limit);
      metrics.put({ name: METRIC.sweeperBacklog, value: due.length, unit: "Count", dimensions: { Queue: "alerts" } });
      return due;
    },
  };
  return new Proxy(ledger, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof CredentialLedger];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function eventMetric(event: AuditEvent): { name: string; dimensions: Record<string, string> } | undefined {
  switch (event.type) {
    case "vend":
      return { name: METRIC.vends, dimensions: { Worker: event.details?.worker ?? "unknown" } };
    case "deny":
      return { name: METRIC.denials, dimensions: { Reason: event.reason ?? "scope_denied" } };
    case "deny_flood":
      // One per foreign owner and hour (the requests after the first are not recorded).
      return { name: METRIC.denials, dimensions: { Reason: "no_matching_rule" } };
    case "worker_refused":
      return { name: METRIC.refusedWorkers, dimensions: { Worker: event.details?.worker ?? "unknown" } };
    case "failure":
      return { name: METRIC.vendFailures, dimensions: { Reason: event.reason ?? "unknown" } };
    default:
      return undefined;
  }
}
