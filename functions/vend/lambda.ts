// The vend function's Lambda entry: the only place its AWS adapters are built. Configuration
// errors surface at cold start, so a misdeployed function fails its first invocation loudly.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SNSClient } from "@aws-sdk/client-sns";
import { handle } from "hono/aws-lambda";
import { DynamoDbLedger } from "../adapters/ledger/dynamodb-ledger.js";
import { loadFunctionConfig } from "../adapters/config/function-config.js";
import { JsonLogger } from "../adapters/notify/json-logger.js";
import { ConsoleNotifier } from "../adapters/notify/console-notifier.js";
import { FanOutNotifier } from "../adapters/notify/fan-out-notifier.js";
import { LambdaCodeHash } from "../adapters/plugins/lambda-code-hash.js";
import { sigV4Fetch } from "../adapters/plugins/sigv4-fetch.js";
import { SnsNotifier } from "../adapters/notify/sns-notifier.js";
import type { Notifier } from "../core/ports/notifier.js";
import { composeVendApp } from "./compose.js";

const config = loadFunctionConfig();
const logger = new JsonLogger({ service: "credvend-vend" });
// Workers: Function URLs with AWS_IAM auth (every call SigV4-signed with this function's role),
// verified against their signed manifests and Lambda's CodeSha256 before first use.
const lambda = new LambdaClient({});
const notifiers: { name: string; notifier: Notifier }[] = [{ name: "console", notifier: new ConsoleNotifier() }];
const topicArn = process.env.CREDVEND_SNS_TOPIC_ARN;
if (topicArn) notifiers.push({ name: "sns", notifier: new SnsNotifier({ client: new SNSClient({}), topicArn }) });
const { app } = composeVendApp({
  policyYaml: config.policyYaml,
  ledger: new DynamoDbLedger({ client: new DynamoDBClient({}), tableName: config.ledgerTable }),
  workers: config.workers,
  workerTimeoutMs: config.workerTimeoutMs,
  trustedKeys: config.trustedKeys,
  deployedCode: (worker) => (worker.functionName ? new LambdaCodeHash(lambda, worker.functionName) : undefined),
  workerFetch: sigV4Fetch({ region: process.env.AWS_REGION ?? "us-east-1", credentials: () => lambda.config.credentials() }),
  notifier: new FanOutNotifier(notifiers, logger),
  logger,
});

export const handler = handle(app);
