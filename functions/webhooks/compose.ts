import type { OpenAPIHono } from "@hono/zod-openapi";
import { DEFAULT_LEASE_MS, LeakHandler } from "../core/leak/leak-handler.js";
import type { Clock } from "../core/ports/clock.js";
import type { CredentialLedger } from "../core/ports/credential-ledger.js";
import type { Logger } from "../core/ports/logger.js";
import type { Notifier } from "../core/ports/notifier.js";
import type { PluginDirectory } from "../core/ports/plugin-client.js";
import type { TrustStore } from "../core/plugin-trust/trust-store.js";
import type { WorkerRegistration } from "../adapters/config/function-config.js";
import { OctokitAlertSecrets, type AlertSecretSource, type GitHubAuth } from "../adapters/github/github-alert-secrets.js";
import { GitHubPartnerKeys } from "../adapters/github/github-partner-keys.js";
import { GitHubWebhookSignature } from "../adapters/github/github-webhook-signature.js";
import type { DeployedCode } from "../core/plugin-trust/verified-plugin-directory.js";
import { composePluginDirectory } from "../adapters/plugins/compose-plugin-directory.js";
import type { WorkerRequestSigner } from "../adapters/plugins/signed-worker-requests.js";
import { awsFunctionAdapters, type AwsClients } from "../adapters/aws-function-adapters.js";
import { createWebhooksApp } from "./app.js";
import type { WebhooksConfig } from "./webhooks-config.js";

export interface WebhooksComposition {
  readonly ledger: CredentialLedger;
  /** The workers, verified exactly as the vend function verifies them (adapters/plugins/compose-plugin-directory.ts)... */
  readonly workers?: readonly WorkerRegistration[];
  readonly trustedKeys?: TrustStore;
  /** The deployed code of a signed worker (Lambda CodeSha256 on AWS). */
  readonly deployedCode?: (worker: WorkerRegistration) => DeployedCode | undefined;
  readonly workerTimeoutMs?: number;
  /** What proves the core to its workers: SigV4 on AWS. */
  readonly workerSigner?: WorkerRequestSigner;
  /** ...or a directory the caller built (the local stack shares the vend app's; tests). */
  readonly plugins?: PluginDirectory;
  readonly notifier: Notifier;
  /** Accepted X-Hub-Signature-256 secrets, newest first (several while rotating). */
  readonly webhookSecrets: readonly string[];
  /** GITHUB_API_URL: REST lookups and the partner keys. */
  readonly githubApiUrl: string;
  readonly githubAuth?: GitHubAuth;
  /** How GitHub is reached (tests: a local server's fetch). */
  readonly githubFetch?: typeof fetch;
  /** Instead of Octokit against githubApiUrl. */
  readonly alertSecrets?: AlertSecretSource;
  readonly watchesRepository?: (repository: string) => boolean;
  readonly leaseMs?: number;
  readonly clock?: Clock;
  readonly logger: Logger;
}

/** A delivery waits this long for GitHub's alert before leaving it to the sweeper. */
const ALERT_READ_TIMEOUT_MS = 3_000;

/** Builds the webhooks app from configuration and the adapters the caller chose. */
export function composeWebhooksApp(options: WebhooksComposition): {
  app: OpenAPIHono;
  handler: LeakHandler;
  alertSecrets: AlertSecretSource;
} {
  // A holder still waiting on its worker must never be taken over: that would call the upstream twice.
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (options.workerTimeoutMs !== undefined && leaseMs < 2 * options.workerTimeoutMs)
    throw new Error(`the claim lease (${leaseMs} ms) must be at least twice the worker timeout (${options.workerTimeoutMs} ms)`);
  const plugins =
    options.plugins ??
    composePluginDirectory({
      ledger: options.ledger,
      workers: options.workers ?? [],
      logger: options.logger,
      notifier: options.notifier,
      ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
      ...(options.deployedCode ? { deployedCode: options.deployedCode } : {}),
      ...(options.workerTimeoutMs ? { workerTimeoutMs: options.workerTimeoutMs } : {}),
      ...(options.workerSigner ? { workerSigner: options.workerSigner } : {}),
    });
  const handler = new LeakHandler({
    ledger: options.ledger,
    plugins,
    notifier: options.notifier,
    logger: options.logger,
    leaseMs,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const githubFetch = options.githubFetch ? { fetch: options.githubFetch } : {};
  const alertSecrets =
    options.alertSecrets ??
    new OctokitAlertSecrets({
      apiUrl: options.githubApiUrl,
      timeoutMs: ALERT_READ_TIMEOUT_MS,
      ...(options.githubAuth ? { auth: options.githubAuth } : {}),
      ...githubFetch,
    });
  const app = createWebhooksApp({
    handler,
    ledger: options.ledger,
    webhookSignature: new GitHubWebhookSignature(options.webhookSecrets),
    partnerKeys: new GitHubPartnerKeys({ apiUrl: options.githubApiUrl, ...githubFetch }),
    alertSecrets,
    ...(options.watchesRepository ? { watchesRepository: options.watchesRepository } : {}),
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { app, handler, alertSecrets };
}

/** The webhooks function on AWS: every adapter built from its configuration (lambda.ts reads it). */
export function composeWebhooksFunction(config: WebhooksConfig, clients: AwsClients = {}): OpenAPIHono {
  const { app } = composeWebhooksApp({
    ...awsFunctionAdapters("credvend-webhooks", config, clients),
    workers: config.workers,
    trustedKeys: config.trustedKeys,
    workerTimeoutMs: config.workerTimeoutMs,
    webhookSecrets: config.webhookSecrets,
    githubApiUrl: config.githubApiUrl,
    ...(config.githubAuth ? { githubAuth: config.githubAuth } : {}),
    ...(config.watchesRepository ? { watchesRepository: config.watchesRepository } : {}),
  });
  return app;
}
