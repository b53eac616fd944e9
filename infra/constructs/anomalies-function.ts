// The anomalies function: the ledger table's stream (NEW_IMAGE) → functions/anomalies/. Lambda's
// event filter passes only new vend and deny events, so credential records, lookups, claims and
// every other event cost no invocation. Its reads: the byRepository index (a repository's
// history) and GetItem (a leaked credential's record). Failed records are retried (the function
// reports them), then the batch is split to isolate a poison record; nothing blocks the stream for
// longer than a day.
import { Duration } from "aws-cdk-lib";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { DELIVERY_PK_PREFIX } from "../../functions/adapters/ledger/dynamodb-ledger-claims.js";
import { INDEX } from "../../functions/adapters/ledger/dynamodb-ledger-items.js";
import { ANOMALY_ALERT_PREFIX } from "../../functions/anomalies/anomaly-alert-id.js";
import type { AnomalyThresholds } from "../../functions/core/anomalies/thresholds.js";
import { REPO_ROOT } from "../paths.js";
import type { FunctionSettings } from "../config/schema.js";
import { CredvendFunction } from "./credvend-function.js";
import { grantLedger } from "./ledger-access.js";
import type { LedgerTable } from "./ledger-table.js";

export const ANOMALIES_ENTRY = "functions/anomalies/lambda.ts";

export interface AnomaliesFunctionProps {
  readonly ledger: LedgerTable;
  readonly thresholds: Partial<AnomalyThresholds>;
  /** The alerting environment every core function gets (topic, notifiers, metrics namespace). */
  readonly environment: Record<string, string>;
  readonly settings: FunctionSettings;
  readonly logRetention: RetentionDays;
}

export class AnomaliesFunction extends Construct {
  public readonly lambda: CredvendFunction;

  constructor(scope: Construct, id: string, props: AnomaliesFunctionProps) {
    super(scope, id);
    this.lambda = new CredvendFunction(this, "Function", {
      description: "Anomaly rules on the ledger's change stream (new vends and denials)",
      code: { entry: `${REPO_ROOT}/${ANOMALIES_ENTRY}`, files: [] },
      settings: props.settings,
      logRetention: props.logRetention,
      environment: { ...props.environment, CREDVEND_ANOMALY_THRESHOLDS: JSON.stringify(props.thresholds) },
    });
    const table = props.ledger.table;
    grantLedger(this.lambda.role, table, ["dynamodb:GetItem"]);
    // Its one write: the marker of an anomaly alert that went out, so a redelivered batch does
    // not page twice (functions/anomalies/anomaly-alert-id.ts). Only items under that key prefix.
    this.lambda.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["dynamodb:PutItem"],
        resources: [table.tableArn],
        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${DELIVERY_PK_PREFIX}${ANOMALY_ALERT_PREFIX}*`] } },
      }),
    );
    this.lambda.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["dynamodb:Query"], resources: [`${table.tableArn}/index/${INDEX.byRepository}`] }),
    );
    this.lambda.function.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 50,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.days(1),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual("INSERT"),
            dynamodb: { NewImage: { kind: { S: FilterRule.isEqual("event") }, type: { S: FilterRule.or("vend", "deny") } } },
          }),
        ],
      }),
    );
  }
}
