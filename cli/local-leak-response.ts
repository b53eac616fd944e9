// Leak response in the local stack, on the vend app's port: the webhook routes, and — unless
// GITHUB_API_URL names a real (or test) GitHub — the dev GitHub stand-in under /dev-github, whose
// webhook secret and partner key live under the data dir (`credvend dev leak` signs with them).
import { join } from "node:path";
import type { Hono } from "hono";
import { ConsoleNotifier } from "../functions/adapters/notify/console-notifier.js";
import { loadOrCreateDevGitHub, type DevGitHub } from "./dev/dev-github.js";
import type { CredentialLedger } from "../functions/core/ports/credential-ledger.js";
import type { Logger } from "../functions/core/ports/logger.js";
import type { Notifier } from "../functions/core/ports/notifier.js";
import type { PluginDirectory } from "../functions/core/ports/plugin-client.js";
import { composeWebhooksApp } from "../functions/webhooks/compose.js";
import { LeakSweeper } from "../functions/core/leak/leak-sweeper.js";

export const DEV_GITHUB_PATH = "/dev-github";
export const DEV_GITHUB_DIR = "dev-github";

export interface LocalLeakResponseOptions {
  readonly url: string;
  readonly ledger: CredentialLedger;
  readonly plugins: PluginDirectory;
  /** Where the dev webhook secret and partner key live. */
  readonly dir: string;
  readonly logger: Logger;
  /** Default: one JSON line per alert on stderr. */
  readonly notifier?: Notifier;
  /** Default: $GITHUB_API_URL, else the dev stand-in. */
  readonly githubApiUrl?: string;
}

/** Mounts the webhook routes (and the stand-in) on `app`; the stand-in is undefined with a real GitHub.
 *  The sweeper is the one the AWS schedule runs; the caller runs it on a timer. */
export async function mountLeakResponse(
  app: Hono,
  options: LocalLeakResponseOptions,
): Promise<{ devGitHub: DevGitHub | undefined; githubApiUrl: string; sweeper: LeakSweeper }> {
  const external = options.githubApiUrl ?? process.env.GITHUB_API_URL;
  const devGitHub = await loadOrCreateDevGitHub({ dir: join(options.dir, DEV_GITHUB_DIR) });
  const githubApiUrl = external ?? `${options.url}${DEV_GITHUB_PATH}`;
  const token = process.env.GITHUB_TOKEN;
  const notifier = options.notifier ?? new ConsoleNotifier();
  const {
    app: webhooks,
    handler,
    alertSecrets,
  } = composeWebhooksApp({
    ledger: options.ledger,
    plugins: options.plugins,
    notifier,
    // The dev secret is what `credvend dev leak` signs with, also against a real GitHub's API.
    webhookSecrets: [devGitHub.webhookSecret],
    githubApiUrl,
    ...(external && token ? { githubAuth: { kind: "token" as const, token } } : {}),
    logger: options.logger,
  });
  app.route("/", webhooks);
  if (!external) app.route(DEV_GITHUB_PATH, devGitHub.routes());
  const sweeper = new LeakSweeper({
    ledger: options.ledger,
    handler,
    notifier,
    logger: options.logger,
    readAlert: (alert) => alertSecrets.secretOf(alert),
  });
  return { devGitHub: external ? undefined : devGitHub, githubApiUrl, sweeper };
}
