// The sweeper's composition root: the leak handler every leak-response function shares, driven by
// a schedule instead of deliveries; it also revokes credentials whose granted TTL ended before
// their provider's expiry. It needs no webhook secret: it reads alerts through GitHub's API.
import { LeakSweeper } from "../core/leak/leak-sweeper.js";
import { CredentialRevoker } from "../core/revocation/credential-revoker.js";
import { EarlyExpiry } from "../core/revocation/early-expiry.js";
import type { AwsClients } from "../adapters/aws-function-adapters.js";
import { awsLeakResponse, composeLeakHandler, type LeakResponseComposition } from "../leak-response/compose-leak-handler.js";
import type { LeakResponseConfig } from "../leak-response/leak-response-config.js";

/** A sweeper from the parts the webhooks app is built from (the local stack, tests). */
export function composeSweeper(options: LeakResponseComposition): LeakSweeper {
  const { handler, alertSecrets, plugins } = composeLeakHandler(options);
  const clock = options.clock ? { clock: options.clock } : {};
  const revoker = new CredentialRevoker({ ledger: options.ledger, plugins, logger: options.logger, ...clock });
  return new LeakSweeper({
    earlyExpiry: new EarlyExpiry({ ledger: options.ledger, revoker, logger: options.logger, ...clock }),
    ledger: options.ledger,
    handler,
    notifier: options.notifier,
    readAlert: (alert) => alertSecrets.secretOf(alert),
    logger: options.logger,
    ...clock,
  });
}

/** The sweeper on AWS: every adapter built from its configuration (lambda.ts reads it). */
export function composeSweeperFunction(config: LeakResponseConfig, clients: AwsClients = {}): LeakSweeper {
  return composeSweeper(awsLeakResponse("credvend-sweeper", config, clients));
}
