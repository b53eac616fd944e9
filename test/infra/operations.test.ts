// What operators get from the stack: a secret per chat/webhook notifier, wired into every function
// that alerts, readable by exactly those functions, named in the outputs; the dashboard of the
// functions' metrics and the alarms on those that need a human, in the namespace they publish to.
import { beforeAll, expect, test } from "vitest";
import { parseNotifiers } from "../../functions/adapters/config/notifier-config.js";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { METRIC } from "../../functions/adapters/metrics/metered-ledger.js";
import { OPERATIONS_ALARMS } from "../../infra/constructs/operations-dashboard.js";
import { cfnText, statementsOf } from "./iam-statements.js";
import { deployTimeValue, lambdaEnvironment } from "./lambda-environment.js";
import { fullConfig, synthesize, type Synthesized } from "./infra-fixture.js";

let s: Synthesized;
beforeAll(async () => {
  const config = fullConfig();
  s = await synthesize({
    ...config,
    notifications: {
      ...config.notifications,
      notifiers: [
        { name: "ops-chat", kind: "slack" },
        { name: "pager", kind: "webhook", minUrgency: "high" },
      ],
    },
    anomalies: { lookbackDays: 30, denialBurstCount: 25 },
  });
}, 180_000);

const secretIds = () => Object.keys(s.template.findResources("AWS::SecretsManager::Secret")).filter((id) => id.includes("Notifier"));

test("notifiers: one generated secret each, its name in the outputs (no destination in the template)", () => {
  expect(secretIds()).toHaveLength(2);
  s.template.hasResourceProperties("AWS::SecretsManager::Secret", {
    Description: "credvend: the incoming-webhook URL of notifier ops-chat (https://hooks.slack.com/services/...)",
    GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true },
  });
  const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
  expect(outputs.NotifierSecretopschat?.Description).toBe("put the incoming-webhook URL here");
  const resources = s.template.toJSON().Resources as Parameters<typeof deployTimeValue>[0];
  expect(deployTimeValue(resources, outputs.NotifierSecretpager?.Value)).toBe("credvend/test/notifier-pager-51af3dc0");
});

test("notifiers: vend, webhooks, the sweeper, the alert poller and anomalies get CREDVEND_NOTIFIERS, which the functions' parser accepts, and may read exactly those secrets", () => {
  for (const name of ["Vend", "Webhooks", "Sweeper", "Poller", "Anomalies"]) {
    const fn = s.stack.functions.get(name);
    const resources = s.template.toJSON().Resources as Parameters<typeof lambdaEnvironment>[0];
    const environment = lambdaEnvironment(resources, s.stack.getLogicalId(fn!.function.node.defaultChild as CfnFunction), "/var/task");
    expect(
      parseNotifiers(environment.CREDVEND_NOTIFIERS ?? "[]").map(({ name: n, kind, minUrgency }) => ({ n, kind, minUrgency })),
    ).toEqual([
      { n: "ops-chat", kind: "slack", minUrgency: "low" },
      { n: "pager", kind: "webhook", minUrgency: "high" },
    ]);
    const secrets = s.stack.notifierSecrets.secrets.map(({ secret }) => JSON.stringify(s.stack.resolve(secret.secretArn)));
    const readable = statementsOf(s.template, s.stack, fn!.role)
      .filter((st) => st.actions.includes("secretsmanager:GetSecretValue"))
      .flatMap((st) => st.resources.map((r) => JSON.stringify(r)));
    expect(readable, name).toEqual(expect.arrayContaining(secrets));
  }
  for (const [name, fn] of s.stack.functions) {
    if (["Vend", "Webhooks", "Sweeper", "Poller", "Anomalies"].includes(name)) continue;
    const granted = statementsOf(s.template, s.stack, fn.role).flatMap((st) => st.resources.map((r) => JSON.stringify(r)));
    expect(
      granted.some((r) => r.includes("NotifierSecrets")),
      name,
    ).toBe(false);
  }
});

test("metrics: vend, webhooks, the sweeper and the alert poller publish to credvend/<stage>, the namespace the dashboard and alarms read", () => {
  for (const name of ["Vend", "Webhooks", "Sweeper", "Poller"]) {
    const resources = s.template.toJSON().Resources as Parameters<typeof lambdaEnvironment>[0];
    const fn = s.stack.functions.get(name);
    expect(
      lambdaEnvironment(resources, s.stack.getLogicalId(fn!.function.node.defaultChild as CfnFunction), "/var/task")
        .CREDVEND_METRICS_NAMESPACE,
    ).toBe("credvend/test");
  }
});

test("alarms: leak response falling behind, failing workers, failed vends; each to the alert topic with its reason", () => {
  for (const [id, spec] of Object.entries(OPERATIONS_ALARMS)) {
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "credvend/test",
      MetricName: spec.metric,
      Statistic: spec.statistic,
      Threshold: spec.threshold,
      EvaluationPeriods: spec.periods,
      Period: 300,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      AlarmActions: [s.stack.resolve(s.stack.alerts.topic.topicArn)],
      AlarmDescription: `credvend: ${spec.why}`,
    });
    expect(id).toMatch(/^[A-Z]/);
  }
  // Alarms watch the dimensionless series (an alarm needs one exact metric).
  const ours = Object.values(s.template.findResources("AWS::CloudWatch::Alarm")).filter((a) =>
    Object.values(OPERATIONS_ALARMS).some((spec) => (a as { Properties: { MetricName?: string } }).Properties.MetricName === spec.metric),
  );
  expect(ours.map((a) => (a as { Properties: { Dimensions?: unknown } }).Properties.Dimensions)).toEqual([undefined, undefined, undefined]);
});

test("dashboard: vends, denials, leak outcomes, backlog, worker latency and failures from the functions' metrics, and Lambda's errors", () => {
  const dashboards = Object.values(s.template.findResources("AWS::CloudWatch::Dashboard")) as {
    Properties: { DashboardName: string; DashboardBody: unknown };
  }[];
  expect(dashboards.map((d) => d.Properties.DashboardName)).toEqual(["credvend-test"]);
  const body = JSON.parse(cfnText(dashboards[0]?.Properties.DashboardBody)) as {
    widgets: { properties: { title?: string; metrics?: unknown[] } }[];
  };
  const titles = body.widgets.map((w) => w.properties.title).filter(Boolean);
  expect(titles).toEqual([
    "Vends by worker",
    "Denials by reason",
    "Vend failures and refused workers",
    "Leak outcomes",
    "Sweeper backlog (due at a sweep)",
    "Worker failures",
    "Worker latency p50 (ms)",
    "Worker latency p99 (ms)",
    "Lambda errors",
    "Lambda duration p99 (ms)",
  ]);
  const text = JSON.stringify(body);
  for (const name of Object.values(METRIC)) expect(text).toContain(name);
  expect(text).toContain(`SEARCH('{credvend/test,Worker} MetricName=\\"Vends\\"', 'Sum', 300)`);
});

test("anomalies: the ledger streams new images to the anomalies function, filtered to new vend and deny events, with the configured thresholds", () => {
  s.template.hasResourceProperties("AWS::DynamoDB::Table", { StreamSpecification: { StreamViewType: "NEW_IMAGE" } });
  const fn = s.stack.anomalies!.lambda;
  const id = s.stack.getLogicalId(fn.function.node.defaultChild as CfnFunction);
  s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
    FunctionName: { Ref: id },
    EventSourceArn: s.stack.resolve(s.stack.ledger.table.tableStreamArn),
    StartingPosition: "LATEST",
    FunctionResponseTypes: ["ReportBatchItemFailures"],
    BisectBatchOnFunctionError: true,
    FilterCriteria: {
      Filters: [
        {
          Pattern: JSON.stringify({
            eventName: ["INSERT"],
            dynamodb: { NewImage: { kind: { S: ["event"] }, type: { S: ["vend", "deny"] } } },
          }),
        },
      ],
    },
  });
  const resources = s.template.toJSON().Resources as Parameters<typeof lambdaEnvironment>[0];
  const environment = lambdaEnvironment(resources, id, "/var/task");
  expect(JSON.parse(environment.CREDVEND_ANOMALY_THRESHOLDS ?? "")).toEqual({ lookbackDays: 30, denialBurstCount: 25 });
  expect(Object.keys(environment).sort()).toEqual([
    "CREDVEND_ANOMALY_THRESHOLDS",
    "CREDVEND_LEDGER_TABLE",
    "CREDVEND_METRICS_NAMESPACE",
    "CREDVEND_NOTIFIERS",
    "CREDVEND_SNS_TOPIC_ARN",
  ]);
  const granted = statementsOf(s.template, s.stack, fn.role).map((st) => ({
    actions: st.actions,
    resources: st.resources.map((r) => cfnText(r)),
  }));
  const table = cfnText(s.stack.resolve(s.stack.ledger.table.tableArn));
  expect(granted).toContainEqual({ actions: ["dynamodb:GetItem"], resources: [table] });
  expect(granted).toContainEqual({ actions: ["dynamodb:Query"], resources: [`${table}/index/byRepository`] });
  // Its one write: anomaly alert markers, and only under their key prefix.
  const writes = statementsOf(s.template, s.stack, fn.role).filter((st) =>
    st.actions.some((a) => a.startsWith("dynamodb:") && /Put|Update|Delete|Write/.test(a)),
  );
  expect(writes.map((st) => ({ actions: st.actions, resources: st.resources.map((r) => cfnText(r)), condition: st.condition }))).toEqual([
    {
      actions: ["dynamodb:PutItem"],
      resources: [table],
      condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["DELIVERY#anomaly:*"] } },
    },
  ]);
});
