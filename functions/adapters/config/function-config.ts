import { readFileSync } from "node:fs";
import * as z from "zod/mini";
import { ConfigError, parsedBy, readEnv, required, wholeNumber, type Env } from "../../../plugin-workers/sdk/env.js";
import type { TrustStore } from "../../core/plugin-trust/trust-store.js";
import { parseNotifiers, type NotifierConfig } from "./notifier-config.js";
import { mergeManifestsFile } from "./worker-manifests-file.js";
import { parseTrustedKeys, parseWorkerTrustFields, type WorkerTrustFields } from "./worker-trust-config.js";

// The vend function's configuration, read once from the environment at cold start by the SDK's
// reader (plugin-workers/sdk/env.ts). Every problem is reported with the variable's name, so a
// misdeployed function fails loudly and clearly.

export interface WorkerRegistration extends WorkerTrustFields {
  /** Registration name, e.g. `local-tokens`. */
  readonly name: string;
  /** gRPC-web base URL of the worker (a Function URL on AWS, a loopback port locally). */
  readonly url: string;
  /** Scope providers it serves, e.g. ["local"]. */
  readonly providers: readonly string[];
}

export interface FunctionConfig {
  readonly ledgerTable: string;
  /** The policy as the JSON synth compiled from its YAML file (core/policy/policy-yaml.ts). */
  readonly policyJson: string;
  readonly workers: readonly WorkerRegistration[];
  readonly workerTimeoutMs: number;
  /** Publisher keys trusted to sign workers (CREDVEND_TRUSTED_KEYS). */
  readonly trustedKeys: TrustStore;
  /** Alerts also go to this topic. */
  readonly snsTopicArn?: string;
  /** Chat and webhook notifiers (CREDVEND_NOTIFIERS). */
  readonly notifiers: readonly NotifierConfig[];
  /** CloudWatch namespace of the functions' metrics (CREDVEND_METRICS_NAMESPACE). */
  readonly metricsNamespace?: string;
  /** Where the workers' Function URLs are (their calls are SigV4-signed for it). */
  readonly awsRegion: string;
  /** Lambda's API elsewhere (AWS_ENDPOINT_URL_LAMBDA, else AWS_ENDPOINT_URL, as the AWS SDK reads them). */
  readonly lambdaEndpoint?: string;
}

/** The variables both broker functions (vend and webhooks) read, each the same way. */
export const BROKER_VARIABLES = {
  CREDVEND_LEDGER_TABLE: required(),
  /** Parsed with CREDVEND_WORKER_MANIFESTS_FILE by workersOf (the file completes each entry). */
  CREDVEND_WORKERS: z._default(z.string(), "[]"),
  /** The signed manifests, in the code asset (worker-manifests-file.ts); absent locally, where they are inline. */
  CREDVEND_WORKER_MANIFESTS_FILE: z.optional(z.string()),
  CREDVEND_TRUSTED_KEYS: z.pipe(z._default(z.string(), "[]"), parsedBy(parseTrustedKeys)),
  CREDVEND_WORKER_TIMEOUT_MS: wholeNumber(
    { fallback: 5000, min: 100, max: 60_000 },
    "must be a whole number of milliseconds from 100 to 60000",
  ),
  CREDVEND_SNS_TOPIC_ARN: z.optional(z.string()),
  CREDVEND_NOTIFIERS: z.pipe(z._default(z.string(), "[]"), parsedBy(parseNotifiers)),
  CREDVEND_METRICS_NAMESPACE: z.optional(z.string()),
  AWS_REGION: z._default(z.string(), "us-east-1"),
  // The SDK's own endpoint overrides, read here for Lambda's API (called without the SDK).
  AWS_ENDPOINT_URL_LAMBDA: z.optional(httpUrl()),
  AWS_ENDPOINT_URL: z.optional(httpUrl()),
};

function httpUrl() {
  return z.string().check(z.regex(/^https?:\/\//, "must be an http(s) URL"));
}

/** Where Lambda's API is when not at its regional endpoint, as the AWS SDK would pick it. */
export function lambdaEndpointOf(env: { AWS_ENDPOINT_URL_LAMBDA?: string | undefined; AWS_ENDPOINT_URL?: string | undefined }): {
  lambdaEndpoint?: string;
} {
  const endpoint = env.AWS_ENDPOINT_URL_LAMBDA ?? env.AWS_ENDPOINT_URL;
  return endpoint ? { lambdaEndpoint: endpoint } : {};
}

const vendEnv = z.pipe(
  z.object({
    ...BROKER_VARIABLES,
    CREDVEND_POLICY: z.optional(z.string()),
    CREDVEND_POLICY_FILE: z.optional(z.string()),
  }),
  parsedBy(
    (env): FunctionConfig => ({
      ledgerTable: env.CREDVEND_LEDGER_TABLE,
      policyJson: env.CREDVEND_POLICY ?? readPolicyFile(env.CREDVEND_POLICY_FILE),
      workers: workersOf(env),
      workerTimeoutMs: env.CREDVEND_WORKER_TIMEOUT_MS,
      trustedKeys: env.CREDVEND_TRUSTED_KEYS,
      ...(env.CREDVEND_SNS_TOPIC_ARN ? { snsTopicArn: env.CREDVEND_SNS_TOPIC_ARN } : {}),
      notifiers: env.CREDVEND_NOTIFIERS,
      ...(env.CREDVEND_METRICS_NAMESPACE ? { metricsNamespace: env.CREDVEND_METRICS_NAMESPACE } : {}),
      awsRegion: env.AWS_REGION,
      ...lambdaEndpointOf(env),
    }),
  ),
);

export function loadFunctionConfig(env: Env = process.env): FunctionConfig {
  return readEnv(vendEnv, env);
}

/** CREDVEND_WORKERS completed from the code asset's credvend.workers.json (when deployed by the stack). */
export function workersOf(env: { CREDVEND_WORKERS: string; CREDVEND_WORKER_MANIFESTS_FILE?: string | undefined }): WorkerRegistration[] {
  return parseWorkers(mergeManifestsFile(env.CREDVEND_WORKERS, env.CREDVEND_WORKER_MANIFESTS_FILE));
}

export function parseWorkers(text: string): WorkerRegistration[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError("CREDVEND_WORKERS: not valid JSON");
  }
  if (!Array.isArray(value)) throw new ConfigError('CREDVEND_WORKERS: must be a JSON array of {"name","url","providers"}');
  return value.map((item: unknown, i) => {
    const entry = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const { name, url, providers } = entry;
    if (typeof name !== "string" || !/^[a-z][a-z0-9-]{0,62}$/.test(name))
      throw new ConfigError(`CREDVEND_WORKERS[${i}].name: must be lower-case letters, digits and dashes`);
    if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new ConfigError(`CREDVEND_WORKERS[${i}].url: must be an http(s) URL`);
    if (!Array.isArray(providers) || providers.length === 0 || providers.some((p) => typeof p !== "string"))
      throw new ConfigError(`CREDVEND_WORKERS[${i}].providers: must be a non-empty array of provider names`);
    return { name, url, providers: providers as string[], ...parseWorkerTrustFields(entry, `CREDVEND_WORKERS[${i}]`) };
  });
}

function readPolicyFile(path: string | undefined): string {
  if (path === undefined || path.trim() === "") throw new ConfigError("CREDVEND_POLICY_FILE is not set (or CREDVEND_POLICY)");
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`CREDVEND_POLICY_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
