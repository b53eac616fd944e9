// The webhooks function's Lambda entry: the environment (its secrets from Secrets Manager, read
// again every few minutes: secret-refresh.ts) read into its configuration, then composed
// (compose.ts). Workers are reached and verified exactly as by the vend function.
import { handle } from "hono/aws-lambda";
import { JsonLogger } from "../adapters/notify/json-logger.js";
import { composeWebhooksFunction } from "./compose.js";
import { refreshingApp } from "../leak-response/secret-refresh.js";
import { loadWebhooksConfig } from "./webhooks-config.js";

type LambdaHandler = ReturnType<typeof handle>;

const current = await refreshingApp(process.env, (env) => handle(composeWebhooksFunction(loadWebhooksConfig(env))), {
  logger: new JsonLogger({ service: "credvend-webhooks" }),
});

export const handler: LambdaHandler = async (event, context) => (await current())(event, context);
