// The webhooks function's Lambda entry: the environment (its secrets from Secrets Manager) read
// into its configuration, then composed (compose.ts). Workers are reached and verified exactly as
// by the vend function.
import { handle } from "hono/aws-lambda";
import { composeWebhooksFunction } from "./compose.js";
import { resolveSecretEnv } from "./secret-env.js";
import { loadWebhooksConfig } from "./webhooks-config.js";

export const handler = handle(composeWebhooksFunction(loadWebhooksConfig(await resolveSecretEnv(process.env))));
