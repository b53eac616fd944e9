// One webhooks Lambda environment as its own OS process: the leak handler on the shared DynamoDB
// API server, calling the worker over loopback. Run with `node --import tsx`, the configuration as
// JSON in argv[2]; it waits until `startAt` (so several processes start together), handles the
// detection `attempts` times at once, and prints one JSON line: outcomes and alerts it raised.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { DynamoDbLedger } from "../../functions/adapters/ledger/dynamodb-ledger.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { composeWebhooksApp } from "../../functions/webhooks/compose.js";
import { StaticPluginDirectory } from "./static-plugin-directory.js";

interface ChildConfig {
  readonly dynamoEndpoint: string;
  readonly table: string;
  readonly workerUrl: string;
  readonly tokenHash: string;
  readonly startAt: number;
  readonly attempts: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;
const client = new DynamoDBClient({
  endpoint: config.dynamoEndpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
const alerts: string[] = [];
const { handler } = composeWebhooksApp({
  ledger: new DynamoDbLedger({ client, tableName: config.table }),
  notifier: { notify: async (n: Notification) => void alerts.push(n.kind) },
  webhookSecrets: ["unused-webhook-secret-0123456789"],
  githubApiUrl: "http://github.test",
  logger: silentLogger,
  plugins: new StaticPluginDirectory([
    { providers: ["test"], client: new GrpcWebPluginClient({ name: "test-worker", baseUrl: config.workerUrl, maxRetries: 0 }) },
  ]),
});
await new Promise((resolve) => setTimeout(resolve, Math.max(0, config.startAt - Date.now())));
const results = await Promise.all(
  Array.from({ length: config.attempts }, () =>
    handler.handle({ tokenHash: config.tokenHash, source: { channel: "partner", repository: "acme/web" } }).then((r) => r.outcome),
  ),
);
process.stdout.write(`${JSON.stringify({ outcomes: results, alerts })}\n`);
client.destroy();
