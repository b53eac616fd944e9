// What operators watch: a CloudWatch dashboard of the functions' own metrics (embedded metric
// format, functions/adapters/metrics/) beside Lambda's, and alarms — to the alert topic — on the
// few that need a human: leak response falling behind, a worker failing, vends failing.
// Breakdowns use SEARCH, so a new worker, outcome or reason shows up without a redeploy; alarms
// watch the dimensionless series every point is also published to.
import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { METRIC } from "../../functions/adapters/metrics/metered-ledger.js";
import type { CredvendFunction } from "./credvend-function.js";

export interface OperationsDashboardProps {
  readonly stage: string;
  /** The functions' CREDVEND_METRICS_NAMESPACE. */
  readonly namespace: string;
  readonly topic: ITopic;
  readonly functions: ReadonlyMap<string, CredvendFunction>;
}

const PERIOD = Duration.minutes(5);

/** The alarms, their thresholds and why a human is needed. */
export const OPERATIONS_ALARMS = {
  SweeperBacklog: {
    metric: METRIC.sweeperBacklog,
    statistic: "Maximum",
    threshold: 10,
    periods: 3,
    why: "leak response is falling behind: 10 or more detections or alerts due for 15 minutes (a worker or GitHub failing?)",
  },
  WorkerFailures: {
    metric: METRIC.workerFailures,
    statistic: "Sum",
    threshold: 5,
    periods: 1,
    why: "worker calls are failing: 5 or more in 5 minutes (see the dashboard for which worker and how)",
  },
  VendFailures: {
    metric: METRIC.vendFailures,
    statistic: "Sum",
    threshold: 1,
    periods: 1,
    why: "a vend failed after the worker issued a credential (ledger unavailable, or a live credential left unrecorded)",
  },
} as const;

export class OperationsDashboard extends Construct {
  public readonly dashboard: Dashboard;
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const metric = (metricName: string, statistic: string, label?: string) =>
      new Metric({ namespace: props.namespace, metricName, statistic, period: PERIOD, ...(label ? { label } : {}) });
    const search = (metricName: string, dimensions: readonly string[], statistic: string, label: string) =>
      new MathExpression({
        expression: `SEARCH('{${props.namespace},${dimensions.join(",")}} MetricName="${metricName}"', '${statistic}', 300)`,
        label,
        period: PERIOD,
      });
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });

    this.dashboard = new Dashboard(this, "Dashboard", { dashboardName: `credvend-${props.stage}` });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## credvend ${props.stage}\nVends, denials and leak response from the functions' metrics (namespace \`${props.namespace}\`). Forensics: \`credvend audit\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph("Vends by worker", [search(METRIC.vends, ["Worker"], "Sum", "")]),
      graph("Denials by reason", [search(METRIC.denials, ["Reason"], "Sum", "")]),
      graph("Vend failures and refused workers", [
        metric(METRIC.vendFailures, "Sum", "vend failures"),
        metric(METRIC.refusedWorkers, "Sum", "refused workers"),
      ]),
    );
    this.dashboard.addWidgets(
      graph("Leak outcomes", [search(METRIC.leakOutcomes, ["Outcome"], "Sum", "")]),
      graph("Sweeper backlog (due at a sweep)", [search(METRIC.sweeperBacklog, ["Queue"], "Maximum", "")]),
      graph("Worker failures", [search(METRIC.workerFailures, ["Worker", "Outcome"], "Sum", "")]),
    );
    this.dashboard.addWidgets(
      graph("Worker latency p50 (ms)", [search(METRIC.workerLatency, ["Worker"], "p50", "")], 12),
      graph("Worker latency p99 (ms)", [search(METRIC.workerLatency, ["Worker"], "p99", "")], 12),
    );
    const lambdas = [...props.functions.entries()];
    this.dashboard.addWidgets(
      graph(
        "Lambda errors",
        lambdas.map(([name, fn]) => fn.function.metricErrors({ period: PERIOD, statistic: "Sum", label: name })),
        12,
      ),
      graph(
        "Lambda duration p99 (ms)",
        lambdas.map(([name, fn]) => fn.function.metricDuration({ period: PERIOD, statistic: "p99", label: name })),
        12,
      ),
    );

    const action = new SnsAction(props.topic);
    for (const [alarmId, spec] of Object.entries(OPERATIONS_ALARMS)) {
      const alarm = new Alarm(this, alarmId, {
        metric: metric(spec.metric, spec.statistic),
        threshold: spec.threshold,
        evaluationPeriods: spec.periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `credvend: ${spec.why}`,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    }
  }
}
