// The leak-response functions' secrets at run time (webhooks, sweeper, alert poller): read at
// cold start (a secret that cannot be read, or a bad config, fails it as before), then again every
// SECRET_TTL_MS; when a value changed the app is composed again from the new environment. So the
// App key put after deploy, or a rotated webhook secret, is used within five minutes without
// recycling the function. While the App key
// secret still holds its placeholder, it is read again on the next request (at most once a second:
// the URL is public), never cached for the full TTL. A refresh that fails keeps the running app.
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Refreshing, SECRET_TTL_MS } from "../../plugin-workers/sdk/refreshing.js";
import type { Env } from "../../plugin-workers/sdk/env.js";
import type { Clock } from "../core/ports/clock.js";
import { silentLogger, type Logger } from "../core/ports/logger.js";
import { appKeyPending, resolveSecretEnv, secretValues } from "./secret-env.js";

/** While the App key is still the placeholder: read again at most this often. */
export const PENDING_KEY_RECHECK_MS = 1000;

export interface SecretRefreshOptions {
  readonly secretsManager?: SecretsManagerClient;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface Composed<A> {
  readonly secrets: string;
  readonly pending: boolean;
  readonly app: A;
}

/** `compose` applied to the environment with its secrets read; returns the current app. */
export async function refreshingApp<A>(
  env: Env,
  compose: (resolved: Env) => A,
  options: SecretRefreshOptions = {},
): Promise<() => Promise<A>> {
  const client = options.secretsManager ?? new SecretsManagerClient({});
  const logger = options.logger ?? silentLogger;
  const load = async (previous?: Composed<A>): Promise<Composed<A>> => {
    const resolved = await resolveSecretEnv(env, client);
    const secrets = secretValues(resolved);
    if (previous && previous.secrets === secrets) return previous;
    const composed = { secrets, pending: appKeyPending(env, resolved), app: compose(resolved) };
    if (previous) logger.log("info", "secrets changed in Secrets Manager: now in use", { appKeyPending: composed.pending });
    return composed;
  };
  const refreshing = await Refreshing.start(load, {
    ttlMs: (composed) => (composed.pending ? PENDING_KEY_RECHECK_MS : SECRET_TTL_MS),
    ...(options.clock ? { clock: options.clock } : {}),
    onRefreshError: (error) =>
      logger.log("warn", "secrets could not be read again; keeping the running configuration", {
        error: error instanceof Error ? error.message : "error",
      }),
  });
  return async () => (await refreshing.current()).app;
}
