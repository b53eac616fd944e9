// The anomalies function's composition root: DynamoDB Streams records of the ledger (new items,
// NEW_IMAGE) → each new vend or denial judged against its repository's history → an alert per
// anomaly through the same notifiers as every other alert (console, SNS, chat, webhooks).
import { DynamoDBClient, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { type AlertingClients, type AlertingSettings, awsAlerting } from "../adapters/aws-alerting.js";
import { DynamoDbLedger } from "../adapters/ledger/dynamodb-ledger.js";
import { anomalyAlertId } from "./anomaly-alert-id.js";
import { repositoryContext } from "../adapters/ledger/anomaly-context.js";
import { DynamoDbAuditReader } from "../adapters/ledger/dynamodb-audit-reader.js";
import { eventFromItem } from "../adapters/ledger/dynamodb-ledger-items.js";
import { type Anomaly, evaluateAnomalies } from "../core/anomalies/anomaly-rules.js";
import type { AnomalyThresholds } from "../core/anomalies/thresholds.js";
import type { Notification } from "../core/ports/notifier.js";
import type { AuditEvent } from "../core/records.js";
import { AWS_CLIENT_DEFAULTS, withoutSdkRequestLogging } from "../../plugin-workers/sdk/aws-client-defaults.js";

/** The part of a DynamoDB Streams record this function reads (Lambda's event and GetRecords alike). */
export interface StreamRecord {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly dynamodb?: { readonly NewImage?: Record<string, AttributeValue>; readonly SequenceNumber?: string };
}

export interface AnomaliesConfig extends AlertingSettings {
  readonly ledgerTable: string;
  readonly thresholds: AnomalyThresholds;
}

export interface AnomaliesClients extends AlertingClients {
  readonly dynamodb?: DynamoDBClient;
}

/** Records that failed, by sequence number: Lambda retries from the first of them. */
export interface StreamBatchResult {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

export function composeAnomaliesFunction(config: AnomaliesConfig, clients: AnomaliesClients = {}) {
  const dynamodb = clients.dynamodb ?? withoutSdkRequestLogging(new DynamoDBClient({ ...AWS_CLIENT_DEFAULTS }));
  // It reads the ledger (a repository's history) and writes only which alerts went out.
  const ledger = new DynamoDbLedger({ client: dynamodb, tableName: config.ledgerTable });
  const { notifier, logger } = awsAlerting("credvend-anomalies", config, clients);
  const reader = new DynamoDbAuditReader({ client: dynamodb, tableName: config.ledgerTable });

  const judge = async (event: AuditEvent): Promise<Anomaly[]> => {
    const repository = event.repository ?? event.subject?.repository;
    if (!repository) return [];
    const context = await repositoryContext(reader, ledger, repository, event.at, config.thresholds);
    return evaluateAnomalies({ event, ...context, thresholds: config.thresholds });
  };

  return async function handle(records: readonly StreamRecord[]): Promise<StreamBatchResult> {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of records) {
      const event = judgedEvent(record);
      if (!event) continue;
      try {
        for (const anomaly of await judge(event)) {
          // Announced before this batch was redelivered: once is enough. Recorded after the
          // alert went out, so an alert is never lost (a crash in between repeats it once).
          const alertId = anomalyAlertId(anomaly);
          if (await ledger.hasDelivery(alertId)) continue;
          logger.log("warn", "anomaly", { ...anomaly });
          await notifier.notify(anomalyNotification(anomaly, event));
          await ledger.recordDelivery(alertId, new Date().toISOString());
        }
      } catch (error) {
        logger.log("error", "anomaly rules failed", { eventId: event.eventId, error: error instanceof Error ? error : undefined });
        failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? record.eventID ?? "" });
        break; // later records are retried after this one
      }
    }
    return { batchItemFailures: failures };
  };
}

/** The audit event a record inserted, when the rules judge its type (vend, deny). */
function judgedEvent(record: StreamRecord): AuditEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== "INSERT" || image?.kind?.S !== "event") return undefined;
  const type = image.type?.S;
  return type === "vend" || type === "deny" ? eventFromItem(image) : undefined;
}

export function anomalyNotification(anomaly: Anomaly, event: AuditEvent): Notification {
  const subject = event.subject ?? {};
  const details: Record<string, string> = { rule: anomaly.rule, repository: anomaly.repository, at: anomaly.at, eventId: anomaly.eventId };
  if (event.credentialId) details.credentialId = event.credentialId;
  for (const name of ["workflow", "ref", "actor", "run_id"] as const) if (subject[name]) details[name] = subject[name];
  details.why = anomaly.explanation;
  details.investigate = `credvend audit repo ${anomaly.repository} --since 7d`;
  return {
    urgency: anomaly.severity,
    kind: `anomaly_${anomaly.rule}`,
    title: `Anomaly in ${anomaly.repository}: ${anomaly.explanation}`,
    details,
  };
}
