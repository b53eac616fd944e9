// The environment variable names the stack gives each worker (constructs/worker-kinds.ts sets
// their values). Synth checks them against a signed worker's manifest allowlist, and the worker's
// function refuses to be given any other name, so the two cannot drift apart unnoticed.
import type { ParsedDeploymentConfig, WorkerConfig, WorkerKind } from "./schema.js";

/** Every worker gets it: the roles whose sessions may call it (the vend and webhooks roles). */
export const EVERY_WORKER_ENVIRONMENT: readonly string[] = ["CREDVEND_ALLOWED_CALLERS"];

/** Every name a kind may set; which of them are set depends on the config (see below). */
export const KIND_ENVIRONMENT: Readonly<Record<WorkerKind, readonly string[]>> = {
  "local-tokens": ["LOCAL_TOKENS_TABLE"],
  "aws-sts": [
    "CREDVEND_AWS_ROLE_ARN",
    "CREDVEND_AWS_MAX_SESSION_SECONDS",
    "CREDVEND_AWS_ROLES",
    "CREDVEND_AWS_REVOKE_SESSIONS",
    "CREDVEND_AWS_LOCK_TABLE",
  ],
  github: [
    "GITHUB_APP_ID",
    "GITHUB_APP_PRIVATE_KEY_SECRET_ARN",
    "GITHUB_API_URL",
    "GITHUB_TOKEN_VAULT_TABLE",
    "GITHUB_TOKEN_VAULT_KMS_KEY_ID",
  ],
  custom: [],
};

/** The names one worker's function will have: its kind's (as the config enables them) and its own `environment`. */
export function workerEnvironmentNames(worker: WorkerConfig, config: Pick<ParsedDeploymentConfig, "awsSts" | "github">): string[] {
  const optional: Record<string, boolean> = {
    CREDVEND_AWS_ROLES: Object.keys(config.awsSts.namedRoles).length > 0,
    CREDVEND_AWS_REVOKE_SESSIONS: config.awsSts.sessionRevocation,
    CREDVEND_AWS_LOCK_TABLE: config.awsSts.sessionRevocation,
    GITHUB_API_URL: config.github.apiUrl !== undefined,
  };
  const kind = KIND_ENVIRONMENT[worker.kind].filter((name) => optional[name] ?? true);
  return [...new Set([...EVERY_WORKER_ENVIRONMENT, ...kind, ...Object.keys(worker.environment)])].sort();
}
