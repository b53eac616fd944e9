import { readFileSync } from "node:fs";
import type { TrustStore } from "../../core/plugin-trust/trust-store.js";
import { ConfigError } from "./config-error.js";
import { parseTrustedKeys, parseWorkerTrustFields, type WorkerTrustFields } from "./worker-trust-config.js";

// The functions' configuration, read once from the environment at cold start. Every problem is
// reported with the variable's name, so a misdeployed function fails loudly and clearly.

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
  /** The policy YAML text. */
  readonly policyYaml: string;
  readonly workers: readonly WorkerRegistration[];
  readonly workerTimeoutMs: number;
  /** Publisher keys trusted to sign workers (CREDVEND_TRUSTED_KEYS). */
  readonly trustedKeys: TrustStore;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadFunctionConfig(env: Env = process.env): FunctionConfig {
  const ledgerTable = required(env, "CREDVEND_LEDGER_TABLE");
  const policyYaml = env.CREDVEND_POLICY ?? readPolicyFile(required(env, "CREDVEND_POLICY_FILE", "or CREDVEND_POLICY"));
  const workers = parseWorkers(env.CREDVEND_WORKERS ?? "[]");
  const timeout = Number(env.CREDVEND_WORKER_TIMEOUT_MS ?? "5000");
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 60_000)
    throw new ConfigError("CREDVEND_WORKER_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 60000");
  const trustedKeys = parseTrustedKeys(env.CREDVEND_TRUSTED_KEYS ?? "[]");
  return { ledgerTable, policyYaml, workers, workerTimeoutMs: timeout, trustedKeys };
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
    if (typeof url !== "string" || !/^https?:\/\//.test(url))
      throw new ConfigError(`CREDVEND_WORKERS[${i}].url: must be an http(s) URL`);
    if (!Array.isArray(providers) || providers.length === 0 || providers.some((p) => typeof p !== "string"))
      throw new ConfigError(`CREDVEND_WORKERS[${i}].providers: must be a non-empty array of provider names`);
    return { name, url, providers: providers as string[], ...parseWorkerTrustFields(entry, `CREDVEND_WORKERS[${i}]`) };
  });
}

function required(env: Env, name: string, alternative?: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "")
    throw new ConfigError(`${name} is not set${alternative ? ` (${alternative})` : ""}`);
  return value;
}

function readPolicyFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`CREDVEND_POLICY_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
