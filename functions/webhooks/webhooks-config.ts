// The webhooks function's configuration, read once at cold start; every problem names its variable.
import { ConfigError } from "../adapters/config/config-error.js";
import { parseWorkers, type WorkerRegistration } from "../adapters/config/function-config.js";
import type { GitHubAuth } from "../adapters/github/github-alert-secrets.js";
import { parseTrustedKeys } from "../adapters/config/worker-trust-config.js";
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
  readonly watchesRepository?: (repository: string) => boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadWebhooksConfig(env: Env = process.env): WebhooksConfig {
  const ledgerTable = required(env, "CREDVEND_LEDGER_TABLE");
  // One per line (or comma-separated), so a new secret can be added before GitHub switches to it.
  const webhookSecrets = required(env, "CREDVEND_WEBHOOK_SECRETS").split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  if (webhookSecrets.some((secret) => secret.length < 16)) throw new ConfigError("CREDVEND_WEBHOOK_SECRETS: each secret must be at least 16 characters");
  const timeout = Number(env.CREDVEND_WORKER_TIMEOUT_MS ?? "5000");
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 60_000)
    throw new ConfigError("CREDVEND_WORKER_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 60000");
  const githubApiUrl = env.GITHUB_API_URL ?? "https://api.github.com";
  if (!/^https?:\/\//.test(githubApiUrl)) throw new ConfigError("GITHUB_API_URL: must be an http(s) URL");
  const config: { -readonly [K in keyof WebhooksConfig]: WebhooksConfig[K] } = {
    ledgerTable,
    workers: parseWorkers(env.CREDVEND_WORKERS ?? "[]"),
    trustedKeys: parseTrustedKeys(env.CREDVEND_TRUSTED_KEYS ?? "[]"),
    workerTimeoutMs: timeout,
    webhookSecrets,
    githubApiUrl,
  };
  const auth = githubAuth(env);
  if (auth) config.githubAuth = auth;
  if (env.CREDVEND_SNS_TOPIC_ARN) config.snsTopicArn = env.CREDVEND_SNS_TOPIC_ARN;
  if (env.CREDVEND_WATCHED_REPOSITORIES) config.watchesRepository = watched(env.CREDVEND_WATCHED_REPOSITORIES);
  return config;
}

function githubAuth(env: Env): GitHubAuth | undefined {
  if (env.CREDVEND_GITHUB_APP_ID || env.CREDVEND_GITHUB_APP_PRIVATE_KEY) {
    return { kind: "app", appId: required(env, "CREDVEND_GITHUB_APP_ID"), privateKey: required(env, "CREDVEND_GITHUB_APP_PRIVATE_KEY") };
  }
  return env.CREDVEND_GITHUB_TOKEN ? { kind: "token", token: env.CREDVEND_GITHUB_TOKEN } : undefined;
}

/** `acme/*,other/web`: the repositories whose alerts this deployment handles. */
export function watched(list: string): (repository: string) => boolean {
  const globs = list.split(",").map((p) => p.trim()).filter(Boolean).map((pattern) => {
    try {
      return compileGlob(pattern);
    } catch (error) {
      throw new ConfigError(`CREDVEND_WATCHED_REPOSITORIES: "${pattern}": ${(error as Error).message}`);
    }
  });
  return (repository) => globs.some((glob) => glob.matches(repository));
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") throw new ConfigError(`${name} is not set`);
  return value;
}
