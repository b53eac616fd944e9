// What every leak-response function reads (webhooks, sweeper, alert poller): the ledger, the
// workers, GitHub's API and how to authenticate to it. The webhooks function adds its webhook
// secrets and watched repositories (webhooks-config.ts); the poller the owners it lists.
import * as z from "zod/mini";
import { readEnv, together, type Env } from "../../plugin-workers/sdk/env.js";
import { BROKER_VARIABLES, lambdaEndpointOf, workersOf, type WorkerRegistration } from "../adapters/config/function-config.js";
import type { NotifierConfig } from "../adapters/config/notifier-config.js";
import type { GitHubAuth } from "../adapters/github/github-alert-secrets.js";
import type { TrustStore } from "../core/plugin-trust/trust-store.js";

export interface LeakResponseConfig {
  readonly ledgerTable: string;
  readonly workers: readonly WorkerRegistration[];
  readonly trustedKeys: TrustStore;
  readonly workerTimeoutMs: number;
  readonly githubApiUrl: string;
  readonly githubAuth?: GitHubAuth;
  readonly snsTopicArn?: string;
  /** Chat and webhook notifiers (CREDVEND_NOTIFIERS). */
  readonly notifiers: readonly NotifierConfig[];
  /** CloudWatch namespace of the metrics (CREDVEND_METRICS_NAMESPACE). */
  readonly metricsNamespace?: string;
  /** Where the workers' Function URLs are (their calls are SigV4-signed for it). */
  readonly awsRegion: string;
  /** Lambda's API elsewhere (AWS_ENDPOINT_URL_LAMBDA, else AWS_ENDPOINT_URL). */
  readonly lambdaEndpoint?: string;
}

export const LEAK_RESPONSE_VARIABLES = {
  ...BROKER_VARIABLES,
  GITHUB_API_URL: z._default(z.string().check(z.regex(/^https?:\/\//, "must be an http(s) URL")), "https://api.github.com"),
  CREDVEND_GITHUB_APP_ID: z.optional(z.string()),
  CREDVEND_GITHUB_APP_PRIVATE_KEY: z.optional(z.string()),
  CREDVEND_GITHUB_TOKEN: z.optional(z.string()),
};

/** The App's id and key come together. */
export const appIdWithKey = together<{ CREDVEND_GITHUB_APP_ID?: string; CREDVEND_GITHUB_APP_PRIVATE_KEY?: string }>(
  "CREDVEND_GITHUB_APP_ID",
  "CREDVEND_GITHUB_APP_PRIVATE_KEY",
);

type LeakResponseEnv = z.output<z.ZodMiniObject<typeof LEAK_RESPONSE_VARIABLES>>;

export function leakResponseConfig(env: LeakResponseEnv): LeakResponseConfig {
  const githubAuth = gitHubAuth(env);
  return {
    ledgerTable: env.CREDVEND_LEDGER_TABLE,
    workers: workersOf(env),
    trustedKeys: env.CREDVEND_TRUSTED_KEYS,
    workerTimeoutMs: env.CREDVEND_WORKER_TIMEOUT_MS,
    githubApiUrl: env.GITHUB_API_URL,
    ...(githubAuth ? { githubAuth } : {}),
    ...(env.CREDVEND_SNS_TOPIC_ARN ? { snsTopicArn: env.CREDVEND_SNS_TOPIC_ARN } : {}),
    notifiers: env.CREDVEND_NOTIFIERS,
    ...(env.CREDVEND_METRICS_NAMESPACE ? { metricsNamespace: env.CREDVEND_METRICS_NAMESPACE } : {}),
    awsRegion: env.AWS_REGION,
    ...lambdaEndpointOf(env),
  };
}

/** The App (id and key come together) over a token. */
function gitHubAuth(env: {
  readonly CREDVEND_GITHUB_APP_ID?: string | undefined;
  readonly CREDVEND_GITHUB_APP_PRIVATE_KEY?: string | undefined;
  readonly CREDVEND_GITHUB_TOKEN?: string | undefined;
}): GitHubAuth | undefined {
  if (env.CREDVEND_GITHUB_APP_ID && env.CREDVEND_GITHUB_APP_PRIVATE_KEY) {
    return { kind: "app", appId: env.CREDVEND_GITHUB_APP_ID, privateKey: env.CREDVEND_GITHUB_APP_PRIVATE_KEY };
  }
  return env.CREDVEND_GITHUB_TOKEN ? { kind: "token", token: env.CREDVEND_GITHUB_TOKEN } : undefined;
}

const leakResponseEnv = z.pipe(z.object(LEAK_RESPONSE_VARIABLES).check(appIdWithKey), z.transform(leakResponseConfig));

/** The sweeper's configuration: what every leak-response function reads, nothing more. */
export function loadLeakResponseConfig(env: Env = process.env): LeakResponseConfig {
  return readEnv(leakResponseEnv, env);
}
