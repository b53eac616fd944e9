// The whole deployment: ledger, vend and webhooks functions behind Function URLs, one Lambda +
// IAM-auth Function URL per plugin worker, the alert topic, GitHub secrets, alarms and outputs.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FunctionUrlAuthType, type FunctionUrl } from "aws-cdk-lib/aws-lambda";
import { parseDuration } from "../functions/core/policy/duration.js";
import type { ILogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { POLLER_ENTRY, SWEEPER_ENTRY, WEBHOOKS_ENTRY, type DeploymentConfig } from "./config/load-config.js";
import type { FunctionSettings } from "./config/schema.js";
import { AlertTopic } from "./constructs/alert-topic.js";
import { AnomaliesFunction } from "./constructs/anomalies-function.js";
import { CredvendAlarms } from "./constructs/alarms.js";
import { CredvendFunction } from "./constructs/credvend-function.js";
import { LAMBDA_TASK_ROOT, type AssetFile } from "./constructs/function-defaults.js";
import { GithubSecrets } from "./constructs/github-secrets.js";
import { grantLedger, grantSweepIndex, LEDGER_ACTIONS } from "./constructs/ledger-access.js";
import { LedgerTable } from "./constructs/ledger-table.js";
import { NotifierSecrets } from "./constructs/notifier-secrets.js";
import { OperationsDashboard } from "./constructs/operations-dashboard.js";
import { PluginWorker, workerManifestsJson, workersJson } from "./constructs/plugin-worker.js";
import { wireWorkerKind, type WorkerKindResources } from "./constructs/worker-kinds.js";
import { REPO_ROOT } from "./paths.js";

export interface CredvendStackProps extends StackProps {
  readonly config: DeploymentConfig;
}

interface CoreFunctionProps {
  readonly description: string;
  /** Relative to the repository root. */
  readonly entry: string;
  readonly settings: FunctionSettings;
  readonly environment: Record<string, string>;
  readonly ledgerActions: readonly string[];
  readonly logRetention: RetentionDays;
  readonly files: readonly AssetFile[];
}

interface ScheduledFunctionProps {
  readonly description: string;
  readonly memoryMb: number;
  /** Relative to the repository root. */
  readonly entry: string;
  readonly environment: Record<string, string>;
  readonly ledgerActions: readonly string[];
  readonly every: Duration;
  readonly logRetention: RetentionDays;
}

/** The policy inside the vend function's code, compiled at synth from its YAML file into JSON (the
 *  function carries no YAML parser): no 4 KB env limit, and a change redeploys. */
export const POLICY_FILE = `${LAMBDA_TASK_ROOT}/credvend.policy.json`;
/** The signed worker manifests inside the code of every function that calls workers (vend,
 *  webhooks, sweeper, poller): Lambda's 4 KB environment held about five. */
export const WORKER_MANIFESTS_FILE = `${LAMBDA_TASK_ROOT}/credvend.workers.json`;

export class CredvendStack extends Stack {
  public readonly config: DeploymentConfig;
  public readonly ledger: LedgerTable;
  public readonly alerts: AlertTopic;
  public readonly secrets: GithubSecrets;
  /** A secret per chat or webhook notifier (notifications.notifiers). */
  public readonly notifierSecrets: NotifierSecrets;
  public readonly workers: readonly PluginWorker[];
  public readonly kindResources: ReadonlyMap<string, WorkerKindResources>;
  public readonly vend: CredvendFunction;
  public readonly vendUrl: FunctionUrl;
  public readonly webhooks?: CredvendFunction;
  public readonly webhooksUrl?: FunctionUrl;
  /** Finishes what deliveries left unfinished, every minute (functions/sweeper/). */
  public readonly sweeper?: CredvendFunction;
  /** Lists open alerts of github.alertPoller.watch on a schedule (functions/poller/), when configured. */
  public readonly poller?: CredvendFunction;
  /** Anomaly rules on the ledger's stream (anomalies.enabled). */
  public readonly anomalies?: AnomaliesFunction;
  /** The functions' metrics on a dashboard, and alarms on those that need a human. */
  public readonly operations: OperationsDashboard;
  /** Every Lambda by a short name: Vend, Webhooks, Sweeper, Poller, Anomalies, Worker-<name>, Introspection-<name>. */
  public readonly functions: ReadonlyMap<string, CredvendFunction>;
  /** credvend.workers.json as shipped in the core functions' code (a temp file at synth). */
  public readonly workerManifests: AssetFile;

  constructor(scope: Construct, id: string, props: CredvendStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const logRetention = config.logRetentionDays as RetentionDays;
    this.ledger = new LedgerTable(this, "Ledger", { stream: config.anomalies.enabled });
    this.alerts = new AlertTopic(this, "Alerts", { stage: config.stage, email: config.notifications.email });
    this.secrets = new GithubSecrets(this, "GithubSecrets", { stage: config.stage });
    this.notifierSecrets = new NotifierSecrets(this, "NotifierSecrets", { stage: config.stage, notifiers: config.notifications.notifiers });

    this.workers = config.workers.map((worker) => new PluginWorker(this, `Worker-${worker.name}`, { worker, logRetention }));
    this.kindResources = new Map(
      this.workers.map((worker) => [worker.worker.name, wireWorkerKind(worker, { config, githubSecrets: this.secrets })]),
    );

    this.workerManifests = {
      from: jsonFile("credvend-workers-", "credvend.workers.json", JSON.stringify(workerManifestsJson(this.workers))),
      to: "credvend.workers.json",
    };
    const common = this.coreEnvironment(config);
    // Public on purpose: every request is authenticated in the app by its OIDC token.
    [this.vend, this.vendUrl] = this.coreFunction("Vend", {
      description: "vend API",
      entry: "functions/vend/lambda.ts",
      settings: config.functions.vend,
      environment: { ...common, CREDVEND_POLICY_FILE: POLICY_FILE },
      ledgerActions: LEDGER_ACTIONS.vend,
      logRetention,
      files: [
        { from: jsonFile("credvend-policy-", "credvend.policy.json", config.policyJson), to: "credvend.policy.json" },
        this.workerManifests,
      ],
    });

    const watched = new Map<string, ILogGroup>([["Vend", this.vend.logGroup]]);
    const functions = new Map<string, CredvendFunction>([["Vend", this.vend]]);
    if (config.webhooks.enabled) {
      // Public on purpose: GitHub signs every delivery, checked in the app over the raw body.
      [this.webhooks, this.webhooksUrl] = this.coreFunction("Webhooks", {
        description: "GitHub secret-scanning webhooks (leak response)",
        entry: WEBHOOKS_ENTRY,
        settings: config.functions.webhooks,
        environment: { ...common, ...this.webhooksEnvironment(config) },
        ledgerActions: LEDGER_ACTIONS.webhooks,
        logRetention,
        files: [this.workerManifests],
      });
      this.webhooks.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["secretsmanager:GetSecretValue"],
          resources: [this.secrets.webhookSecret.secretArn, this.secrets.appPrivateKey.secretArn],
        }),
      );
      watched.set("Webhooks", this.webhooks.logGroup);
      functions.set("Webhooks", this.webhooks);
      const leakResponse = { ...common, ...this.leakResponseEnvironment(config) };
      this.sweeper = this.scheduledFunction("Sweeper", {
        description: "Leak response sweeper: pending detections, ended leases, retries, unread alerts",
        entry: SWEEPER_ENTRY,
        memoryMb: config.functions.sweeper.memoryMb,
        environment: leakResponse,
        ledgerActions: LEDGER_ACTIONS.sweeper,
        every: Duration.minutes(1),
        logRetention,
      });
      grantSweepIndex(this.sweeper.role, this.ledger.table);
      watched.set("Sweeper", this.sweeper.logGroup);
      functions.set("Sweeper", this.sweeper);
      const poll = config.github.alertPoller;
      if (poll) {
        this.poller = this.scheduledFunction("Poller", {
          description: "Leak response alert poller: open secret-scanning alerts no webhook brought",
          entry: POLLER_ENTRY,
          memoryMb: config.functions.poller.memoryMb,
          environment: { ...leakResponse, CREDVEND_ALERT_POLL_WATCH: poll.watch.join(",") },
          ledgerActions: LEDGER_ACTIONS.poller,
          every: Duration.seconds(parseDuration(poll.every) ?? 60),
          logRetention,
        });
        watched.set("Poller", this.poller.logGroup);
        functions.set("Poller", this.poller);
      }
    }
    if (config.anomalies.enabled) {
      const { enabled: _enabled, ...thresholds } = config.anomalies;
      this.anomalies = new AnomaliesFunction(this, "Anomalies", {
        ledger: this.ledger,
        thresholds,
        // What functions/anomalies/lambda.ts reads: no workers, no keys.
        environment: Object.fromEntries(
          Object.entries(common).filter(([name]) =>
            ["CREDVEND_LEDGER_TABLE", "CREDVEND_SNS_TOPIC_ARN", "CREDVEND_NOTIFIERS", "CREDVEND_METRICS_NAMESPACE"].includes(name),
          ),
        ),
        settings: { memoryMb: config.functions.anomalies.memoryMb, timeoutSeconds: 60 },
        logRetention,
      });
      this.alerts.grantPublish(this.anomalies.lambda.role);
      this.notifierSecrets.grantRead(this.anomalies.lambda.role);
      functions.set("Anomalies", this.anomalies.lambda);
    }
    for (const worker of this.workers) {
      functions.set(`Worker-${worker.worker.name}`, worker.lambda);
      const introspection = this.kindResources.get(worker.worker.name)?.introspection;
      if (introspection) functions.set(`Introspection-${worker.worker.name}`, introspection.lambda);
    }

    this.functions = functions;
    const withUrl = new Set([...functions.keys()].filter((name) => !["Sweeper", "Poller", "Anomalies"].includes(name)));
    new CredvendAlarms(this, "Alarms", {
      namespace: metricsNamespace(config),
      topic: this.alerts.topic,
      functions,
      withUrl,
      watchedLogs: watched,
    });
    this.operations = new OperationsDashboard(this, "Operations", {
      stage: config.stage,
      namespace: metricsNamespace(config),
      topic: this.alerts.topic,
      functions,
    });
    this.outputs();
  }

  /**
   * A leak-response function with no URL, invoked by an EventBridge rule (the sweeper, the alert
   * poller), with the webhooks function's environment but no webhook secret, and its own memory:
   * it reads alerts through GitHub's API as the App. A run is bounded to 50 s (leak-sweeper.ts, alert-poller.ts),
   * inside a 60 s timeout. No reserved concurrency (new accounts have none to give): an overlapping
   * run is safe, every detection being claimed in the ledger before a worker is called.
   */
  private scheduledFunction(id: string, props: ScheduledFunctionProps): CredvendFunction {
    const lambda = new CredvendFunction(this, id, {
      description: props.description,
      code: { entry: `${REPO_ROOT}/${props.entry}`, files: [this.workerManifests] },
      settings: { memoryMb: props.memoryMb, timeoutSeconds: 60 },
      logRetention: props.logRetention,
      environment: props.environment,
    });
    grantLedger(lambda.role, this.ledger.table, props.ledgerActions);
    for (const worker of this.workers) worker.grantCaller(lambda.role);
    this.alerts.grantPublish(lambda.role);
    this.notifierSecrets.grantRead(lambda.role);
    lambda.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [this.secrets.appPrivateKey.secretArn] }),
    );
    new Rule(this, `${id}Schedule`, {
      description: `Runs the ${id.toLowerCase()} every ${props.every.toHumanString()}`,
      schedule: Schedule.rate(props.every),
      targets: [new LambdaFunction(lambda.function, { retryAttempts: 0 })],
    });
    return lambda;
  }

  /** Vend or webhooks: a public Function URL; the ledger (its own actions), every worker, the alert topic. */
  private coreFunction(id: string, props: CoreFunctionProps): [CredvendFunction, FunctionUrl] {
    const lambda = new CredvendFunction(this, id, {
      description: props.description,
      code: { entry: `${REPO_ROOT}/${props.entry}`, files: props.files },
      settings: props.settings,
      logRetention: props.logRetention,
      environment: props.environment,
    });
    const url = lambda.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    grantLedger(lambda.role, this.ledger.table, props.ledgerActions);
    for (const worker of this.workers) worker.grantCaller(lambda.role);
    this.alerts.grantPublish(lambda.role);
    this.notifierSecrets.grantRead(lambda.role);
    return [lambda, url];
  }

  /** What vend and webhooks both read (function-config.ts, webhooks-config.ts). */
  private coreEnvironment(config: DeploymentConfig): Record<string, string> {
    return {
      CREDVEND_LEDGER_TABLE: this.ledger.table.tableName,
      CREDVEND_WORKERS: workersJson(this, this.workers),
      CREDVEND_WORKER_MANIFESTS_FILE: WORKER_MANIFESTS_FILE,
      CREDVEND_WORKER_TIMEOUT_MS: String(config.workerTimeoutMs),
      CREDVEND_TRUSTED_KEYS: JSON.stringify(config.trustedKeys),
      CREDVEND_SNS_TOPIC_ARN: this.alerts.topic.topicArn,
      ...this.notifierSecrets.environment(),
      CREDVEND_METRICS_NAMESPACE: metricsNamespace(config),
    };
  }

  /** functions/webhooks/webhooks-config.ts: secrets by ARN only, read from Secrets Manager at cold start. */
  private webhooksEnvironment(config: DeploymentConfig): Record<string, string> {
    const github = config.github;
    return {
      ...this.leakResponseEnvironment(config),
      CREDVEND_WEBHOOK_SECRETS_ARN: this.secrets.webhookSecret.secretArn,
      ...(github.watchedRepositories ? { CREDVEND_WATCHED_REPOSITORIES: github.watchedRepositories.join(",") } : {}),
    };
  }

  /** functions/leak-response/leak-response-config.ts: GitHub as the App, its key by ARN. */
  private leakResponseEnvironment(config: DeploymentConfig): Record<string, string> {
    const github = config.github;
    return {
      CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN: this.secrets.appPrivateKey.secretArn,
      ...(github.appId !== undefined ? { CREDVEND_GITHUB_APP_ID: String(github.appId) } : {}),
      ...(github.apiUrl ? { GITHUB_API_URL: github.apiUrl } : {}),
    };
  }

  private outputs(): void {
    new CfnOutput(this, "VendUrl", { value: this.vendUrl.url, description: "POST {VendUrl}v1/vend from CI" });
    if (this.webhooksUrl) {
      new CfnOutput(this, "SecretScanningWebhookUrl", {
        value: `${this.webhooksUrl.url}webhooks/github/secret-scanning`,
        description: "the GitHub App's webhook URL",
      });
      new CfnOutput(this, "PartnerWebhookUrl", {
        value: `${this.webhooksUrl.url}webhooks/github/secret-scanning/partner`,
        description: "secret-scanning partner program endpoint",
      });
    }
    new CfnOutput(this, "AlertTopicArn", { value: this.alerts.topic.topicArn });
    for (const { notifier, name } of this.notifierSecrets.secrets) {
      new CfnOutput(this, `NotifierSecret${notifier.name.replace(/[^A-Za-z0-9]/g, "")}`, {
        value: name,
        description: notifier.kind === "slack" ? "put the incoming-webhook URL here" : 'put {"url","signingSecret"} here',
      });
    }
    new CfnOutput(this, "LedgerTableName", { value: this.ledger.table.tableName, description: "credvend audit --table (or --outputs)" });
    new CfnOutput(this, "GithubAppPrivateKeySecret", { value: this.secrets.appPrivateKeyName, description: "put the App's PEM here" });
    new CfnOutput(this, "GithubWebhookSecret", { value: this.secrets.webhookSecretName, description: "the webhook secret to give GitHub" });
    for (const worker of this.workers) {
      const suffix = worker.worker.name.replace(/[^A-Za-z0-9]/g, "");
      const introspection = this.kindResources.get(worker.worker.name)?.introspection;
      if (introspection) {
        new CfnOutput(this, `IntrospectionUrl${suffix}`, {
          value: introspection.url.url,
          description: "internal services POST {IntrospectionUrl}introspect, SigV4-signed (the worker's invokers)",
        });
      }
      const vended = this.kindResources.get(worker.worker.name)?.vendedRole;
      if (!vended) continue;
      new CfnOutput(this, `VendedRoleArn${suffix}`, {
        value: vended.role.roleArn,
        description: "the role every vended AWS session comes from",
      });
      new CfnOutput(this, `AwsStsWorkerRoleArn${suffix}`, {
        value: worker.lambda.role.roleArn,
        description: "named roles (awsSts.namedRoles) must trust this role",
      });
    }
  }
}

/** A file for a function's asset (its asset hash is of the bundled output, so where this file
 *  lives does not matter; its content does). */
function jsonFile(prefix: string, name: string, json: string): string {
  const path = join(mkdtempSync(join(tmpdir(), prefix)), name);
  writeFileSync(path, json);
  return path;
}

/** Where the functions publish their metrics and the alarms' log-filter metrics live. */
function metricsNamespace(config: DeploymentConfig): string {
  return `credvend/${config.stage}`;
}
