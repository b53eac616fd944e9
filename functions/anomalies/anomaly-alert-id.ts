// Which anomaly alerts have gone out, kept as ledger deliveries (DELIVERY#anomaly:<event>:<rule>):
// Lambda redelivers a stream batch (or the rest of it) after a failure or a timeout, and an
// anomaly already announced must not page anyone again. The IAM grant of the anomalies function
// lets it write these items and no other (infra/constructs/anomalies-function.ts).
import type { Anomaly } from "../core/anomalies/anomaly-rules.js";

export const ANOMALY_ALERT_PREFIX = "anomaly:";

export function anomalyAlertId(anomaly: Pick<Anomaly, "eventId" | "rule">): string {
  return `${ANOMALY_ALERT_PREFIX}${anomaly.eventId}:${anomaly.rule}`;
}
