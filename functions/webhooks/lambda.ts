// The webhooks function's Lambda entry: the only place its AWS adapters are built. Workers are
// reached and verified exactly as by the vend function (vend/lambda.ts).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { handle } from "hono/aws-lambda";
import { ConsoleNotifier } from "../adapters/notify/console-notifier.js";
import { DynamoDbLedger } from "../adapters/ledger/dynamodb-ledger.js";
import { FanOutNotifier } from "../adapters/notify/fan-out-notifier.js";
import { JsonLogger } from "../adapters/notify/json-logger.js";
import { LambdaCodeHash } from "../adapters/plugins/lambda-code-hash.js";
import { sigV4Fetch } from "../adapters/plugins/sigv4-fetch.js";
import { SnsNotifier } from "../adapters/notify/sns-notifier.js";
import type { Notifier } from "../core/ports/notifier.js";
import { composeWebhooksApp } from "./compose.js";
import { resolveSecretEnv } from "./secret-env.js";
import { loadWebhooksConfig } from "./webhooks-config.js";

const config = loadWebhooksConfig(await resolveSecretEnv(process.env, new SecretsManagerClient({})));
const logger = new JsonLogger({ service: "credvend-webhooks" });
const lambda = new LambdaClient({});
const notifiers: { name: string; notifier: Notifier }[] = [{ name: "console", notifier: new ConsoleNotifier() }];
if (config.snsTopicArn) notifiers.push({ name: "sns", notifier: new SnsNotifier({ client: new SNSClient({}), topicArn: config.snsTopicArn }) });
const { app } = composeWebhooksApp({
  ledger: new DynamoDbLedger({ client: new DynamoDBClient({}), tableName: config.ledgerTable }),
  workers: config.workers,
  trustedKeys: config.trustedKeys,
  workerTimeoutMs: config.workerTimeoutMs,
  deployedCode: (worker) => (worker.functionName ? new LambdaCodeHash(lambda, worker.functionName) : undefined),
  workerFetch: sigV4Fetch({ region: process.env.AWS_REGION ?? "us-east-1", credentials: () => lambda.config.credentials() }),
  notifier: new FanOutNotifier(notifiers, logger),
  webhookSecrets: config.webhookSecrets,
  githubApiUrl: config.githubApiUrl,
  ...(config.githubAuth ? { githubAuth: config.githubAuth } : {}),
  ...(config.watchesRepository ? { watchesRepository: config.watchesRepository } : {}),
  logger,
});

export const handler = handle(app);
