// On AWS the webhook secret(s) and the GitHub App's key live in Secrets Manager (infra passes
// their ARNs); this reads them into the variables webhooks-config.ts reads, so the config has one
// shape whatever the source (at cold start, then again on a TTL: secret-refresh.ts). A key secret
// still holding the placeholder (no PEM yet) is left unset: alerts then cannot be read, and the
// webhook answers 502 until it is.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ConfigError, type Env } from "../../plugin-workers/sdk/env.js";

const FROM_ARN = [
  { arn: "CREDVEND_WEBHOOK_SECRETS_ARN", into: "CREDVEND_WEBHOOK_SECRETS", accept: (value: string) => value.trim() !== "" },
  {
    arn: "CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN",
    into: "CREDVEND_GITHUB_APP_PRIVATE_KEY",
    accept: (value: string) => value.includes("-----BEGIN"),
  },
] as const;

export async function resolveSecretEnv(env: Env, client = new SecretsManagerClient({})): Promise<Env> {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const { arn, into, accept } of FROM_ARN) {
    const id = env[arn];
    if (!id || env[into]) continue;
    let value: string | undefined;
    try {
      value = (await client.send(new GetSecretValueCommand({ SecretId: id }))).SecretString;
    } catch (error) {
      throw new ConfigError(`${arn}: the secret cannot be read (${error instanceof Error ? error.name : "error"})`);
    }
    if (value !== undefined && accept(value)) resolved[into] = value;
  }
  // The App id alone, with no key yet, is the placeholder state described above.
  if (resolved.CREDVEND_GITHUB_APP_ID && !resolved.CREDVEND_GITHUB_APP_PRIVATE_KEY) delete resolved.CREDVEND_GITHUB_APP_ID;
  return resolved;
}

/** True while the App key's secret is configured but holds no PEM yet. */
export function appKeyPending(env: Env, resolved: Env): boolean {
  return Boolean(env.CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN) && !resolved.CREDVEND_GITHUB_APP_PRIVATE_KEY;
}

/** The values read from Secrets Manager, as one string to compare two readings with (kept in memory only). */
export function secretValues(resolved: Env): string {
  return JSON.stringify([...FROM_ARN.map(({ into }) => resolved[into] ?? null), resolved.CREDVEND_GITHUB_APP_ID ?? null]);
}
