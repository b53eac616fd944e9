// How every function on AWS tells people: its JSON logger, its metrics (CloudWatch embedded
// metric format, on stdout) and the alerts fanned out to stderr, SNS and the configured chat and
// webhook notifiers (their destinations read from Secrets Manager). Its own module so a function
// that calls no worker (anomalies) bundles neither the Lambda client nor the worker transport.
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Logger } from "../core/ports/logger.js";
import type { Notifier } from "../core/ports/notifier.js";
import type { NotifierConfig } from "./config/notifier-config.js";
import { EmfMetrics, type Metrics } from "./metrics/emf-metrics.js";
import { ConsoleNotifier } from "./notify/console-notifier.js";
import { FanOutNotifier } from "./notify/fan-out-notifier.js";
import { JsonLogger } from "./notify/json-logger.js";
import { SnsNotifier } from "./notify/sns-notifier.js";
import { webhookNotifiers } from "./notify/webhook-notifiers.js";
import { AWS_CLIENT_DEFAULTS, withoutSdkRequestLogging } from "../../plugin-workers/sdk/aws-client-defaults.js";

export interface AlertingSettings {
  readonly snsTopicArn?: string;
  readonly notifiers?: readonly NotifierConfig[];
  /** CloudWatch namespace of the metrics (CREDVEND_METRICS_NAMESPACE); default `credvend`. */
  readonly metricsNamespace?: string;
}

export interface AlertingClients {
  /** Built only when alerts go to a topic, on the first alert. */
  readonly sns?: SNSClient;
  /** Built only when chat or webhook notifiers are configured. */
  readonly secretsManager?: SecretsManagerClient;
}

export interface AwsAlerting {
  readonly logger: Logger;
  readonly notifier: Notifier;
  readonly metrics: Metrics;
}

export function awsAlerting(service: string, settings: AlertingSettings, clients: AlertingClients = {}): AwsAlerting {
  const logger = new JsonLogger({ service });
  const notifiers: { name: string; notifier: Notifier }[] = [{ name: "console", notifier: new ConsoleNotifier() }];
  if (settings.snsTopicArn) {
    notifiers.push({
      name: "sns",
      notifier: new SnsNotifier({
        // Built on the first alert: most invocations alert nobody.
        client: clients.sns ?? (() => withoutSdkRequestLogging(new SNSClient({ ...AWS_CLIENT_DEFAULTS }))),
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
  return {
    logger,
    notifier: new FanOutNotifier(notifiers, logger),
    metrics: new EmfMetrics({ namespace: settings.metricsNamespace ?? "credvend", service }),
  };
}
