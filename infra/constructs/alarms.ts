// CloudWatch alarms, all publishing to the alert topic: errors, throttles and Function URL 5xx
// answers of every function (a handled 502/503 is not a Lambda error, yet a caller got nothing),
// and two events read from the structured JSON logs: a refused worker and a failed revocation.
import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { FilterPattern, MetricFilter, type ILogGroup } from "aws-cdk-lib/aws-logs";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { CredvendFunction } from "./credvend-function.js";

/** Log lines (JsonLogger: `{"message": ...}`) that page someone. The source that logs each is named. */
export const ALERTING_LOG_MESSAGES = {
  /** functions/core/plugin-trust/verified-plugin-directory.ts: a worker failed signature/code-hash/Describe checks. */
  WorkerRefused: "worker refused",
  /** functions/core/leak/leak-handler.ts: a leaked credential could not be revoked upstream after the last attempt. */
  RevocationFailed: "revocation failed",
} as const;

export interface CredvendAlarmsProps {
  readonly namespace: string;
  readonly topic: ITopic;
  /** Functions by a short name used in alarm ids and descriptions. */
  readonly functions: ReadonlyMap<string, CredvendFunction>;
  /** The names of those behind a Function URL (all but the scheduled sweeper). */
  readonly withUrl: ReadonlySet<string>;
  /** Log groups scanned for ALERTING_LOG_MESSAGES (the functions that call workers). */
  readonly watchedLogs: ReadonlyMap<string, ILogGroup>;
}

const PERIOD = Duration.minutes(5);

export class CredvendAlarms extends Construct {
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: CredvendAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const add = (alarmId: string, metric: IMetric, description: string) => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `credvend: ${description}`,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };

    for (const [name, lambda] of props.functions) {
      add(`${name}Errors`, lambda.function.metricErrors({ period: PERIOD, statistic: "Sum" }), `${name} function errors`);
      add(
        `${name}Throttles`,
        lambda.function.metricThrottles({ period: PERIOD, statistic: "Sum" }),
        `${name} function throttled (reserved concurrency reached)`,
      );
      if (props.withUrl.has(name))
        add(
          `${name}Url5xx`,
          lambda.function.metric("Url5xxCount", { period: PERIOD, statistic: "Sum" }),
          `${name} Function URL answered 5xx`,
        );
    }
    for (const [event, message] of Object.entries(ALERTING_LOG_MESSAGES)) {
      for (const [name, logGroup] of props.watchedLogs) {
        const filter = new MetricFilter(this, `${name}${event}Filter`, {
          logGroup,
          filterPattern: FilterPattern.stringValue("$.message", "=", message),
          metricNamespace: props.namespace,
          metricName: `${name}${event}`,
          metricValue: "1",
        });
        add(`${name}${event}`, filter.metric({ period: PERIOD, statistic: "Sum" }), `"${message}" logged by ${name}`);
      }
    }
  }
}
