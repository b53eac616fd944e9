// The alert poller's composition root: the leak handler every leak-response function shares, fed
// by GitHub's list of open secret-scanning alerts instead of deliveries. Like the sweeper, it needs
// no webhook secret.
import { AlertPoller, type AlertLister } from "../core/leak/alert-poller.js";
import type { AwsClients } from "../adapters/aws-function-adapters.js";
import { OctokitAlertLister } from "../adapters/github/github-alert-lister.js";
import { awsLeakResponse, composeLeakHandler, type LeakResponseComposition } from "../leak-response/compose-leak-handler.js";
import type { PollerConfig } from "./poller-config.js";

export interface PollerComposition extends LeakResponseComposition {
  /** Owners (`acme`) or repositories (`acme/web`) to watch. */
  readonly watch: readonly string[];
  /** Instead of Octokit against githubApiUrl. */
  readonly lister?: AlertLister;
}

export function composePoller(options: PollerComposition): AlertPoller {
  const { handler } = composeLeakHandler(options);
  const lister =
    options.lister ??
    new OctokitAlertLister({
      apiUrl: options.githubApiUrl,
      ...(options.githubAuth ? { auth: options.githubAuth } : {}),
      ...(options.githubFetch ? { fetch: options.githubFetch } : {}),
    });
  return new AlertPoller({
    ledger: options.ledger,
    handler,
    lister,
    watch: options.watch,
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/** The alert poller on AWS: every adapter built from its configuration (lambda.ts reads it). */
export function composePollerFunction(config: PollerConfig, clients: AwsClients = {}): AlertPoller {
  return composePoller({ ...awsLeakResponse("credvend-alert-poller", config, clients), watch: config.watch });
}
