// The webhooks function's composition root: the leak handler every leak-response function shares
// (leak-response/compose-leak-handler.ts), behind the signed delivery routes.
import type { Hono } from "hono";
import type { AwsClients } from "../adapters/aws-function-adapters.js";
import type { LeakHandler } from "../core/leak/leak-handler.js";
import type { AlertSecretSource } from "../adapters/github/github-alert-secrets.js";
import type { PluginDirectory } from "../core/ports/plugin-client.js";
import { GitHubPartnerKeys } from "../adapters/github/github-partner-keys.js";
import { GitHubWebhookSignature } from "../adapters/github/github-webhook-signature.js";
import { awsLeakResponse, composeLeakHandler, type LeakResponseComposition } from "../leak-response/compose-leak-handler.js";
import { createWebhooksApp } from "./app.js";
import type { TrustPolicyInvalidations } from "../core/ports/trust-policy-invalidations.js";
import type { WebhooksConfig } from "./webhooks-config.js";

export interface WebhooksComposition extends LeakResponseComposition {
  /** Accepted X-Hub-Signature-256 secrets, newest first (several while rotating). */
  readonly webhookSecrets: readonly string[];
  readonly watchesRepository?: (repository: string) => boolean;
  /** Self-serve trust: a `push` touching `.github/credvend/` marks it here (the ledger table on AWS). */
  readonly trustPolicyInvalidations?: TrustPolicyInvalidations;
}

/** Builds the webhooks app from configuration and the adapters the caller chose. */
export function composeWebhooksApp(options: WebhooksComposition): {
  app: Hono;
  handler: LeakHandler;
  alertSecrets: AlertSecretSource;
  plugins: PluginDirectory;
} {
  const { handler, alertSecrets, plugins } = composeLeakHandler(options);
  const app = createWebhooksApp({
    handler,
    ledger: options.ledger,
    webhookSignature: new GitHubWebhookSignature(options.webhookSecrets),
    partnerKeys: new GitHubPartnerKeys({ apiUrl: options.githubApiUrl, ...(options.githubFetch ? { fetch: options.githubFetch } : {}) }),
    alertSecrets,
    ...(options.watchesRepository ? { watchesRepository: options.watchesRepository } : {}),
    ...(options.trustPolicyInvalidations ? { trustPolicyInvalidations: options.trustPolicyInvalidations } : {}),
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { app, handler, alertSecrets, plugins };
}

/** The webhooks function on AWS: every adapter built from its configuration (lambda.ts reads it). */
export function composeWebhooksFunction(config: WebhooksConfig, clients: AwsClients = {}): Hono {
  const { app } = composeWebhooksApp({
    ...awsLeakResponse("credvend-webhooks", config, clients),
    webhookSecrets: config.webhookSecrets,
    ...(config.watchesRepository ? { watchesRepository: config.watchesRepository } : {}),
  });
  return app;
}
