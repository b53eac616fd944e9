// The adapters both functions build the same way on AWS: the DynamoDB ledger, workers reached
// through their Function URLs (AWS_IAM auth: every call SigV4-signed with the function's role,
// each signed worker's code checked against Lambda's CodeSha256), and alerts to stderr, SNS and
// the configured chat and webhook notifiers (their destinations read from Secrets Manager); the
// ledger and the worker calls are metered (CloudWatch embedded metric format, on stdout).
// The SDK clients are built with the SDK's defaults unless the caller passes its own (tests).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import type { CredentialLedger } from "../core/ports/credential-ledger.js";
import type { Logger } from "../core/ports/logger.js";
import type { Notifier } from "../core/ports/notifier.js";
import type { DeployedCode } from "../core/plugin-trust/verified-plugin-directory.js";
import type { WorkerRegistration } from "./config/function-config.js";
import type { NotifierConfig } from "./config/notifier-config.js";
import { DynamoDbLedger } from "./ledger/dynamodb-ledger.js";
import { EmfMetrics, type Metrics } from "./metrics/emf-metrics.js";
import { meteredLedger } from "./metrics/metered-ledger.js";
import { ConsoleNotifier } from "./notify/console-notifier.js";
import { FanOutNotifier } from "./notify/fan-out-notifier.js";
import { JsonLogger } from "./notify/json-logger.js";
import { SnsNotifier } from "./notify/sns-notifier.js";
import { webhookNotifiers } from "./notify/webhook-notifiers.js";
import { LambdaCodeHash } from "./plugins/lambda-code-hash.js";
import { sigV4Signer } from "./plugins/sigv4-signer.js";
import type { WorkerRequestSigner } from "./plugins/signed-worker-requests.js";
import { AWS_CLIENT_DEFAULTS, withoutSdkRequestLogging } from "../../plugin-workers/sdk/aws-client-defaults.js";

export interface AwsClients {
  readonly dynamodb?: DynamoDBClient;
  readonly lambda?: LambdaClient;
  /** Built only when alerts go to a topic. */
  readonly sns?: SNSClient;
  /** Built only when chat or webhook notifiers are configured. */
  readonly secretsManager?: SecretsManagerClient;
}

export interface AwsFunctionSettings {
  readonly ledgerTable: string;
  readonly awsRegion: string;
  readonly snsTopicArn?: string;
  readonly notifiers?: readonly NotifierConfig[];
  /** CloudWatch namespace of the metrics (CREDVEND_METRICS_NAMESPACE); default `credvend`. */
  readonly metricsNamespace?: string;
}

export interface AwsFunctionAdapters {
  readonly ledger: CredentialLedger;
  readonly logger: Logger;
  readonly notifier: Notifier;
  readonly deployedCode: (worker: WorkerRegistration) => DeployedCode | undefined;
  readonly workerSigner: WorkerRequestSigner;
  /** The functions' metrics (worker calls are metered by the plugin directory). */
  readonly metrics: Metrics;
}

export function awsFunctionAdapters(service: string, settings: AwsFunctionSettings, clients: AwsClients = {}): AwsFunctionAdapters {
  const logger = new JsonLogger({ service });
  const lambda = clients.lambda ?? withoutSdkRequestLogging(new LambdaClient({ ...AWS_CLIENT_DEFAULTS }));
  const notifiers: { name: string; notifier: Notifier }[] = [{ name: "console", notifier: new ConsoleNotifier() }];
  if (settings.snsTopicArn) {
    notifiers.push({
      name: "sns",
      notifier: new SnsNotifier({
        client: clients.sns ?? withoutSdkRequestLogging(new SNSClient({ ...AWS_CLIENT_DEFAULTS })),
        topicArn: settings.snsTopicArn,
      }),
    });
  }
  let secretsManager = clients.secretsManager;
  notifiers.push(
    ...webhookNotifiers(
      settings.notifiers ?? [],
      () => (secretsManager ??= withoutSdkRequestLogging(new SecretsManagerClient({ ...AWS_CLIENT_DEFAULTS }))),
    ),
  );
  const metrics = new EmfMetrics({ namespace: settings.metricsNamespace ?? "credvend", service });
  const ledger = new DynamoDbLedger({
    client: clients.dynamodb ?? withoutSdkRequestLogging(new DynamoDBClient({ ...AWS_CLIENT_DEFAULTS })),
    tableName: settings.ledgerTable,
    transactions: true,
  });
  return {
    // AWS DynamoDB has transactions: a vend's record, lookups and event are one write.
    ledger: meteredLedger(ledger, metrics),
    logger,
    notifier: new FanOutNotifier(notifiers, logger),
    deployedCode: (worker) => (worker.functionName ? new LambdaCodeHash(lambda, worker.functionName) : undefined),
    workerSigner: sigV4Signer({ region: settings.awsRegion, credentials: () => lambda.config.credentials() }),
    metrics,
  };
}
