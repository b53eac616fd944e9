// The anomalies function's Lambda entry: the ledger table's stream (new vend and deny events, as
// filtered by the event source mapping) → compose.ts. Configuration from the environment.
import { ConfigError } from "../../plugin-workers/sdk/env.js";
import { parseNotifiers } from "../adapters/config/notifier-config.js";
import { anomalyThresholds } from "../core/anomalies/thresholds.js";
import { composeAnomaliesFunction, type StreamBatchResult, type StreamRecord } from "./compose.js";

const env = process.env;
if (!env.CREDVEND_LEDGER_TABLE) throw new ConfigError("CREDVEND_LEDGER_TABLE: required");
const handle = composeAnomaliesFunction({
  ledgerTable: env.CREDVEND_LEDGER_TABLE,
  thresholds: anomalyThresholds(JSON.parse(env.CREDVEND_ANOMALY_THRESHOLDS ?? "{}"), "CREDVEND_ANOMALY_THRESHOLDS"),
  notifiers: parseNotifiers(env.CREDVEND_NOTIFIERS ?? "[]"),
  ...(env.CREDVEND_SNS_TOPIC_ARN ? { snsTopicArn: env.CREDVEND_SNS_TOPIC_ARN } : {}),
  ...(env.CREDVEND_METRICS_NAMESPACE ? { metricsNamespace: env.CREDVEND_METRICS_NAMESPACE } : {}),
});

export async function handler(event: { readonly Records?: readonly StreamRecord[] }): Promise<StreamBatchResult> {
  return handle(event.Records ?? []);
}
