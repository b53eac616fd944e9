// The github worker's configuration, read from the environment by the SDK's reader. App id and
// private key are optional so the worker starts unconfigured (the local stack): it still describes
// and validates, and Vend says "not configured".
import { readFileSync } from "node:fs";
import * as z from "zod/mini";
import { allowedCallersVariable } from "../sdk/allowed-callers.js";
import { ConfigError, parsedBy, readEnv, required, type Env } from "../sdk/env.js";
import type { GitHubAppCredentials } from "./github-app.js";

export const DEFAULT_GITHUB_API_URL = "https://api.github.com";

/** The App's id and API, checked together with its key (appCredentials). */
export interface GitHubAppSettings {
  readonly appId?: string;
  readonly apiUrl: string;
}

/** On AWS the App's key is read from Secrets Manager at cold start (compose.ts), never from a variable. */
export interface GitHubLambdaConfig {
  readonly privateKeySecretArn: string;
  readonly app: GitHubAppSettings;
  /** Revocation's token vault: its table and a KMS key only this worker may decrypt with. */
  readonly vault?: { readonly table: string; readonly kmsKeyId: string };
  /** CREDVEND_ALLOWED_CALLERS: the roles whose sessions may call the gRPC service (the core's). */
  readonly allowedCallers: readonly string[];
}

const APP_VARIABLES = {
  GITHUB_APP_ID: z.optional(z.string()),
  GITHUB_API_URL: z.optional(z.string()),
};

function appSettings(env: { GITHUB_APP_ID?: string | undefined; GITHUB_API_URL?: string | undefined }): GitHubAppSettings {
  const appId = env.GITHUB_APP_ID?.trim();
  return { ...(appId !== undefined ? { appId } : {}), apiUrl: env.GITHUB_API_URL?.trim() || DEFAULT_GITHUB_API_URL };
}

/** GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY (PEM text) or GITHUB_APP_PRIVATE_KEY_FILE; GITHUB_API_URL for GHES. */
const githubEnv = z.pipe(
  z.object({ ...APP_VARIABLES, GITHUB_APP_PRIVATE_KEY: z.optional(z.string()), GITHUB_APP_PRIVATE_KEY_FILE: z.optional(z.string()) }),
  parsedBy((env) => appCredentials(appSettings(env), env.GITHUB_APP_PRIVATE_KEY ?? readKeyFile(env.GITHUB_APP_PRIVATE_KEY_FILE))),
);

const githubLambdaEnv = z.pipe(
  z.object({
    ...APP_VARIABLES,
    GITHUB_APP_PRIVATE_KEY_SECRET_ARN: required(),
    GITHUB_TOKEN_VAULT_TABLE: z.optional(z.string()),
    GITHUB_TOKEN_VAULT_KMS_KEY_ID: z.optional(z.string()),
    CREDVEND_ALLOWED_CALLERS: allowedCallersVariable(),
  }),
  z.transform(
    (env): GitHubLambdaConfig => ({
      privateKeySecretArn: env.GITHUB_APP_PRIVATE_KEY_SECRET_ARN,
      app: appSettings(env),
      ...(env.GITHUB_TOKEN_VAULT_TABLE && env.GITHUB_TOKEN_VAULT_KMS_KEY_ID
        ? { vault: { table: env.GITHUB_TOKEN_VAULT_TABLE, kmsKeyId: env.GITHUB_TOKEN_VAULT_KMS_KEY_ID } }
        : {}),
      allowedCallers: env.CREDVEND_ALLOWED_CALLERS,
    }),
  ),
);

/** The App's credentials from the environment; undefined when neither id nor key is set. */
export function loadGitHubAppCredentials(env: Env = process.env): GitHubAppCredentials | undefined {
  return readEnv(githubEnv, env);
}

export function loadGitHubLambdaConfig(env: Env = process.env): GitHubLambdaConfig {
  return readEnv(githubLambdaEnv, env);
}

/** The App's id, key and API URL checked together; undefined when neither id nor key is given. */
export function appCredentials(app: GitHubAppSettings, key: string | undefined): GitHubAppCredentials | undefined {
  const { appId, apiUrl } = app;
  if (!/^https?:\/\//.test(apiUrl)) throw new ConfigError(`GITHUB_API_URL: "${apiUrl}" is not an http(s) URL`);
  if (!appId && !key) return undefined;
  if (!appId || !/^\d+$/.test(appId)) throw new ConfigError("GITHUB_APP_ID: the App's numeric id is required with a private key");
  if (!key) throw new ConfigError("GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE is required with GITHUB_APP_ID");
  // Never echo the key: say only what shape was expected.
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(key)) throw new ConfigError("GitHub App private key: expected a PEM private key");
  return { appId, privateKey: key.replace(/\\n/g, "\n"), apiUrl };
}

function readKeyFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`GITHUB_APP_PRIVATE_KEY_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
