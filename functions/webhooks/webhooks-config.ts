// The webhooks function's configuration, read once at cold start by the SDK's reader
// (plugin-workers/sdk/env.ts); every problem names its variable.
import * as z from "zod/mini";
import { ConfigError, parsedBy, readEnv, required, together, type Env } from "../../plugin-workers/sdk/env.js";
import { BROKER_VARIABLES, type WorkerRegistration } from "../adapters/config/function-config.js";
import type { NotifierConfig } from "../adapters/config/notifier-config.js";
import type { GitHubAuth } from "../adapters/github/github-alert-secrets.js";
import type { TrustStore } from "../core/plugin-trust/trust-store.js";
import { compileGlob } from "../core/policy/glob.js";

export interface WebhooksConfig {
  readonly ledgerTable: string;
  readonly workers: readonly WorkerRegistration[];
  readonly trustedKeys: TrustStore;
  readonly workerTimeoutMs: number;
  readonly webhookSecrets: readonly string[];
  readonly githubApiUrl: string;
  readonly githubAuth?: GitHubAuth;
  readonly snsTopicArn?: string;
  /** Chat and webhook notifiers (CREDVEND_NOTIFIERS). */
  readonly notifiers: readonly NotifierConfig[];
  /** CloudWatch namespace of the metrics (CREDVEND_METRICS_NAMESPACE). */
  readonly metricsNamespace?: string;
  readonly watchesRepository?: (repository: string) => boolean;
  /** Where the workers' Function URLs are (their calls are SigV4-signed for it). */
  readonly awsRegion: string;
}

const webhooksEnv = z.pipe(
  z
    .object({
      ...BROKER_VARIABLES,
      // One per line (or comma-separated), so a new secret can be added before GitHub switches to it.
      CREDVEND_WEBHOOK_SECRETS: z
        .pipe(
          required(),
          z.transform((value) =>
            value
              .split(/[,\n]/)
              .map((s) => s.trim())
              .filter(Boolean),
          ),
        )
        .check(z.refine((secrets) => secrets.every((secret) => secret.length >= 16), "each secret must be at least 16 characters")),
      GITHUB_API_URL: z._default(z.string().check(z.regex(/^https?:\/\//, "must be an http(s) URL")), "https://api.github.com"),
      CREDVEND_GITHUB_APP_ID: z.optional(z.string()),
      CREDVEND_GITHUB_APP_PRIVATE_KEY: z.optional(z.string()),
      CREDVEND_GITHUB_TOKEN: z.optional(z.string()),
      CREDVEND_WATCHED_REPOSITORIES: z.pipe(
        z.optional(z.string()),
        parsedBy((list?: string) => (list ? watched(list) : undefined)),
      ),
    })
    .check(together("CREDVEND_GITHUB_APP_ID", "CREDVEND_GITHUB_APP_PRIVATE_KEY")),
  z.transform((env): WebhooksConfig => {
    const githubAuth = gitHubAuth(env);
    return {
      ledgerTable: env.CREDVEND_LEDGER_TABLE,
      workers: env.CREDVEND_WORKERS,
      trustedKeys: env.CREDVEND_TRUSTED_KEYS,
      workerTimeoutMs: env.CREDVEND_WORKER_TIMEOUT_MS,
      webhookSecrets: env.CREDVEND_WEBHOOK_SECRETS,
      githubApiUrl: env.GITHUB_API_URL,
      ...(githubAuth ? { githubAuth } : {}),
      ...(env.CREDVEND_SNS_TOPIC_ARN ? { snsTopicArn: env.CREDVEND_SNS_TOPIC_ARN } : {}),
      notifiers: env.CREDVEND_NOTIFIERS,
      ...(env.CREDVEND_METRICS_NAMESPACE ? { metricsNamespace: env.CREDVEND_METRICS_NAMESPACE } : {}),
      ...(env.CREDVEND_WATCHED_REPOSITORIES ? { watchesRepository: env.CREDVEND_WATCHED_REPOSITORIES } : {}),
      awsRegion: env.AWS_REGION,
    };
  }),
);

export function loadWebhooksConfig(env: Env = process.env): WebhooksConfig {
  return readEnv(webhooksEnv, env);
}

/** The App (id and key come together) over a token. */
function gitHubAuth(env: {
  CREDVEND_GITHUB_APP_ID?: string;
  CREDVEND_GITHUB_APP_PRIVATE_KEY?: string;
  CREDVEND_GITHUB_TOKEN?: string;
}): GitHubAuth | undefined {
  if (env.CREDVEND_GITHUB_APP_ID && env.CREDVEND_GITHUB_APP_PRIVATE_KEY) {
    return { kind: "app", appId: env.CREDVEND_GITHUB_APP_ID, privateKey: env.CREDVEND_GITHUB_APP_PRIVATE_KEY };
  }
  return env.CREDVEND_GITHUB_TOKEN ? { kind: "token", token: env.CREDVEND_GITHUB_TOKEN } : undefined;
}

/** `acme/*,other/web`: the repositories whose alerts this deployment handles. */
export function watched(list: string): (repository: string) => boolean {
  const globs = list
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((pattern) => {
      try {
        return compileGlob(pattern);
      } catch (error) {
        throw new ConfigError(`CREDVEND_WATCHED_REPOSITORIES: "${pattern}": ${(error as Error).message}`);
      }
    });
  return (repository) => globs.some((glob) => glob.matches(repository));
}
