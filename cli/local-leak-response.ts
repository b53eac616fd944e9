// Leak response in the local stack, on the vend app's port: the webhook routes, and — unless
// GITHUB_API_URL names a real (or test) GitHub — the dev GitHub stand-in under /dev-github, whose
// webhook secret and partner key live under the data dir (`credvend dev leak` signs with them).
import type { TrustPolicyInvalidations } from "../functions/core/ports/trust-policy-invalidations.js";
import { join } from "node:path";
import type { Hono } from "hono";
import { ConsoleNotifier } from "../functions/adapters/notify/console-notifier.js";
import { loadOrCreateDevGitHub, type DevGitHub } from "./dev/dev-github.js";
import { DEV_GITHUB_DIR, DEV_GITHUB_PATH } from "./dev/dev-github-app.js";
import type { CredentialLedger } from "../functions/core/ports/credential-ledger.js";
import type { Logger } from "../functions/core/ports/logger.js";
import type { Notifier } from "../functions/core/ports/notifier.js";
import type { PluginDirectory } from "../functions/core/ports/plugin-client.js";
import { composeWebhooksApp } from "../functions/webhooks/compose.js";
import { LeakSweeper } from "../functions/core/leak/leak-sweeper.js";
import { CredentialRevoker } from "../functions/core/revocation/credential-revoker.js";
import { EarlyExpiry } from "../functions/core/revocation/early-expiry.js";
import { AlertPoller } from "../functions/core/leak/alert-poller.js";
import { OctokitAlertLister } from "../functions/adapters/github/github-alert-lister.js";
import type { Policy } from "../functions/core/policy/policy.js";

export { DEV_GITHUB_DIR, DEV_GITHUB_PATH };

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
  /** The owners the alert poller watches: see watchedOwners. */
  readonly policy: Policy;
  /** Self-serve trust: where a `push` touching `.github/credvend/` is marked for the vend app. */
  readonly trustPolicyInvalidations?: TrustPolicyInvalidations;
}

/** The dev stand-in's owner, watched when no rule names an owner or repository by name. */
export const DEV_OWNER = "acme";

/**
 * The owners whose open alerts the local poller lists: those the policy's rules name literally
 * (`repository_owner`, or the owner part of `repository`). Rules anchored on ids only
 * (`repository_owner_id`, `repository_id`, as the sample policy) name none: then `acme`, the dev
 * stand-in's owner.
 */
export function watchedOwners(policy: Policy): string[] {
  const owners = new Set<string>();
  for (const rule of policy.rules) {
    const owner = rule.when.get("repository_owner")?.source;
    const repository = rule.when.get("repository")?.source;
    if (owner && !owner.includes("*")) owners.add(owner);
    const repoOwner = repository?.split("/")[0];
    if (repoOwner && !repoOwner.includes("*")) owners.add(repoOwner);
  }
  return owners.size > 0 ? [...owners].sort() : [DEV_OWNER];
}

/** Mounts the webhook routes (and the stand-in) on `app`; the stand-in is undefined with a real GitHub.
 *  The sweeper is the one the AWS schedule runs; the caller runs it, and the alert poller, on timers. */
export async function mountLeakResponse(
  app: Hono,
  options: LocalLeakResponseOptions,
): Promise<{ devGitHub: DevGitHub | undefined; githubApiUrl: string; sweeper: LeakSweeper; poller: AlertPoller }> {
  const external = options.githubApiUrl ?? process.env.GITHUB_API_URL;
  // Its `push` webhooks (dev endpoints) go to this stack's webhooks route, as the App's would.
  const devGitHub = await loadOrCreateDevGitHub({
    dir: join(options.dir, DEV_GITHUB_DIR),
    webhookUrl: `${options.url}/webhooks/github/secret-scanning`,
  });
  const githubApiUrl = external ?? `${options.url}${DEV_GITHUB_PATH}`;
  const token = process.env.GITHUB_TOKEN;
  const notifier = options.notifier ?? new ConsoleNotifier();
  const githubAuth = external && token ? { kind: "token" as const, token } : undefined;
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
    ...(githubAuth ? { githubAuth } : {}),
    ...(options.trustPolicyInvalidations ? { trustPolicyInvalidations: options.trustPolicyInvalidations } : {}),
    logger: options.logger,
  });
  app.route("/", webhooks);
  if (!external) app.route(DEV_GITHUB_PATH, devGitHub.routes());
  const revoker = new CredentialRevoker({ ledger: options.ledger, plugins: options.plugins, logger: options.logger });
  const sweeper = new LeakSweeper({
    earlyExpiry: new EarlyExpiry({ ledger: options.ledger, revoker, logger: options.logger }),
    ledger: options.ledger,
    handler,
    notifier,
    logger: options.logger,
    readAlert: (alert) => alertSecrets.secretOf(alert),
  });
  const poller = new AlertPoller({
    ledger: options.ledger,
    handler,
    logger: options.logger,
    lister: new OctokitAlertLister({ apiUrl: githubApiUrl, ...(githubAuth ? { auth: githubAuth } : {}) }),
    watch: watchedOwners(options.policy),
  });
  return { devGitHub: external ? undefined : devGitHub, githubApiUrl, sweeper, poller };
}
