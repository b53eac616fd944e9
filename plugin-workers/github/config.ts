// The github worker's configuration. App id and private key are optional so the worker starts
// unconfigured (the local stack): it still describes and validates, and Vend says "not configured".
import { readFileSync } from "node:fs";
import type { GitHubAppCredentials } from "./github-app.js";

export const DEFAULT_GITHUB_API_URL = "https://api.github.com";

export class GitHubConfigError extends Error {
  override readonly name = "GitHubConfigError";
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY (PEM text) or GITHUB_APP_PRIVATE_KEY_FILE; GITHUB_API_URL
 * for GHES. `privateKey` overrides the environment (the Lambda reads it from Secrets Manager).
 */
export function loadGitHubAppCredentials(env: Env = process.env, privateKey?: string): GitHubAppCredentials | undefined {
  const appId = env.GITHUB_APP_ID?.trim();
  const key = privateKey ?? env.GITHUB_APP_PRIVATE_KEY ?? readKeyFile(env.GITHUB_APP_PRIVATE_KEY_FILE);
  const apiUrl = env.GITHUB_API_URL?.trim() || DEFAULT_GITHUB_API_URL;
  if (!/^https?:\/\//.test(apiUrl)) throw new GitHubConfigError(`GITHUB_API_URL: "${apiUrl}" is not an http(s) URL`);
  if (!appId && !key) return undefined;
  if (!appId || !/^\d+$/.test(appId)) throw new GitHubConfigError("GITHUB_APP_ID: the App's numeric id is required with a private key");
  if (!key) throw new GitHubConfigError("GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE is required with GITHUB_APP_ID");
  // Never echo the key: say only what shape was expected.
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(key)) throw new GitHubConfigError("GitHub App private key: expected a PEM private key");
  return { appId, privateKey: key.replace(/\\n/g, "\n"), apiUrl };
}

function readKeyFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new GitHubConfigError(`GITHUB_APP_PRIVATE_KEY_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
