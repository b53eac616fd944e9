// `credvend audit anomalies`: the anomaly rules of the change-stream consumer, replayed over the
// ledger's history — every event of the window and the lookback before it, through the time index.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { leakWindows } from "../../functions/adapters/ledger/anomaly-context.js";
import { DynamoDbAuditReader } from "../../functions/adapters/ledger/dynamodb-audit-reader.js";
import { DynamoDbLedger } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import { findAnomalies } from "../../functions/core/anomalies/anomaly-history.js";
import type { Anomaly, LeakWindow } from "../../functions/core/anomalies/anomaly-rules.js";
import { type AnomalyThresholds, anomalyThresholds } from "../../functions/core/anomalies/thresholds.js";
import type { AuditEvent, TimeRange } from "../../functions/core/records.js";
import { CliError } from "../cli-error.js";
import { type OutputFormat, textTable } from "./audit-output.js";
import type { QueryContext } from "./audit-queries.js";

/** The `anomalies` section of a deployment config file (infra/credvend.config.yaml), else the defaults. */
export function thresholdsFromConfig(file: string | undefined): AnomalyThresholds {
  if (file === undefined) return anomalyThresholds(undefined);
  let config: unknown;
  try {
    config = parse(readFileSync(file, "utf8"));
  } catch {
    throw new CliError(`--config: cannot read ${file} as YAML`, 2);
  }
  try {
    const section = (config as { anomalies?: Record<string, unknown> } | null)?.anomalies;
    // `enabled` says whether the stack deploys the stream consumer, not how the rules judge.
    const { enabled: _enabled, ...thresholds } = section ?? {};
    return anomalyThresholds(section === undefined ? undefined : thresholds, `${file}: anomalies`);
  } catch (error) {
    throw new CliError(`--config: ${(error as Error).message}`, 2);
  }
}

export async function auditAnomalies(
  context: QueryContext,
  range: TimeRange,
  thresholds: AnomalyThresholds,
  output: { readonly format: OutputFormat; readonly write: (text: string) => void },
): Promise<Anomaly[]> {
  const reader = new DynamoDbAuditReader({ client: context.source.client, tableName: context.source.tableName });
  const ledger = new DynamoDbLedger({ client: context.source.client, tableName: context.source.tableName });
  const from = new Date(Date.parse(range.from) - thresholds.lookbackDays * 86_400_000).toISOString();
  const events: AuditEvent[] = [];
  for await (const event of reader.byTime({ from, to: range.to }, { types: ["vend", "deny", "detect"], onPage: context.onPage })) {
    events.push(event);
  }
  const leaks = new Map<string, LeakWindow[]>();
  const windows = await leakWindows(ledger, events);
  for (const event of events) {
    const window = event.type === "detect" && windows.find((w) => w.credentialId === event.credentialId);
    if (window && event.repository) leaks.set(event.repository, [...(leaks.get(event.repository) ?? []), window]);
  }
  const anomalies = findAnomalies(events, range, leaks, thresholds);
  print(anomalies, { ...range, scanned: events.length }, output);
  return anomalies;
}

function print(
  anomalies: readonly Anomaly[],
  about: Record<string, unknown>,
  output: { format: OutputFormat; write: (text: string) => void },
): void {
  output.write(anomaliesText(anomalies, about, output.format));
}

export function anomaliesText(anomalies: readonly Anomaly[], about: Record<string, unknown>, format: OutputFormat): string {
  if (format === "json") return `${JSON.stringify({ ...about, anomalies }, null, 2)}\n`;
  if (format === "ndjson") return anomalies.map((a) => `${JSON.stringify(a)}\n`).join("");
  if (anomalies.length === 0) return `no anomalies from ${about.from} to ${about.to} (${about.scanned} events read)\n`;
  const rows = anomalies.map((a) => [a.at, a.severity, a.rule, a.repository, a.explanation]);
  return textTable(["TIME", "LEVEL", "RULE", "REPOSITORY", "WHY"], rows);
}
