// The webhooks function's configuration, read once at cold start by the SDK's reader
// (plugin-workers/sdk/env.ts); every problem names its variable.
import * as z from "zod/mini";
import { ConfigError, parsedBy, readEnv, required, type Env } from "../../plugin-workers/sdk/env.js";
import { compileGlob } from "../core/policy/glob.js";
import {
  appIdWithKey,
  LEAK_RESPONSE_VARIABLES,
  leakResponseConfig,
  type LeakResponseConfig,
} from "../leak-response/leak-response-config.js";

export interface WebhooksConfig extends LeakResponseConfig {
  readonly webhookSecrets: readonly string[];
  readonly watchesRepository?: (repository: string) => boolean;
}

const webhooksEnv = z.pipe(
  z
    .object({
      ...LEAK_RESPONSE_VARIABLES,
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
      CREDVEND_WATCHED_REPOSITORIES: z.pipe(
        z.optional(z.string()),
        parsedBy((list?: string) => (list ? watched(list) : undefined)),
      ),
    })
    .check(appIdWithKey),
  z.transform(
    (env): WebhooksConfig => ({
      ...leakResponseConfig(env),
      webhookSecrets: env.CREDVEND_WEBHOOK_SECRETS,
      ...(env.CREDVEND_WATCHED_REPOSITORIES ? { watchesRepository: env.CREDVEND_WATCHED_REPOSITORIES } : {}),
    }),
  ),
);

export function loadWebhooksConfig(env: Env = process.env): WebhooksConfig {
  return readEnv(webhooksEnv, env);
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
