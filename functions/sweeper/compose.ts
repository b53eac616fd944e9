// The sweeper's composition root: the same leak handler, ledger, workers and GitHub reads as the
// webhooks function (it shares its configuration), driven by a schedule instead of deliveries;
// it also revokes credentials whose granted TTL ended before their provider's expiry.
import { LeakSweeper } from "../core/leak/leak-sweeper.js";
import { CredentialRevoker } from "../core/revocation/credential-revoker.js";
import { EarlyExpiry } from "../core/revocation/early-expiry.js";
import { awsFunctionAdapters, type AwsClients } from "../adapters/aws-function-adapters.js";
import { composeWebhooksApp, type WebhooksComposition } from "../webhooks/compose.js";
import type { WebhooksConfig } from "../webhooks/webhooks-config.js";

/** A sweeper from the parts the webhooks app is built from (the local stack, tests). */
export function composeSweeper(options: WebhooksComposition): LeakSweeper {
  const { handler, alertSecrets, plugins } = composeWebhooksApp(options);
  const clock = options.clock ? { clock: options.clock } : {};
  const revoker = new CredentialRevoker({ ledger: options.ledger, plugins, logger: options.logger, ...clock });
  return new LeakSweeper({
    earlyExpiry: new EarlyExpiry({ ledger: options.ledger, revoker, logger: options.logger, ...clock }),
    ledger: options.ledger,
    handler,
    notifier: options.notifier,
    readAlert: (alert) => alertSecrets.secretOf(alert),
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/** The sweeper on AWS: every adapter built from the webhooks configuration (lambda.ts reads it). */
export function composeSweeperFunction(config: WebhooksConfig, clients: AwsClients = {}): LeakSweeper {
  return composeSweeper({
    ...awsFunctionAdapters("credvend-sweeper", config, clients),
    workers: config.workers,
    trustedKeys: config.trustedKeys,
    workerTimeoutMs: config.workerTimeoutMs,
    webhookSecrets: config.webhookSecrets,
    githubApiUrl: config.githubApiUrl,
    ...(config.githubAuth ? { githubAuth: config.githubAuth } : {}),
  });
}
