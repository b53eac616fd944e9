// The sweeper's composition root: the leak handler every leak-response function shares, driven by
// a schedule instead of deliveries. It needs no webhook secret: it reads alerts through GitHub's API.
import { LeakSweeper } from "../core/leak/leak-sweeper.js";
import type { AwsClients } from "../adapters/aws-function-adapters.js";
import { awsLeakResponse, composeLeakHandler, type LeakResponseComposition } from "../leak-response/compose-leak-handler.js";
import type { LeakResponseConfig } from "../leak-response/leak-response-config.js";

/** A sweeper from the parts the webhooks app is built from (the local stack, tests). */
export function composeSweeper(options: LeakResponseComposition): LeakSweeper {
  const { handler, alertSecrets } = composeLeakHandler(options);
  return new LeakSweeper({
    ledger: options.ledger,
    handler,
    notifier: options.notifier,
    readAlert: (alert) => alertSecrets.secretOf(alert),
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/** The sweeper on AWS: every adapter built from its configuration (lambda.ts reads it). */
export function composeSweeperFunction(config: LeakResponseConfig, clients: AwsClients = {}): LeakSweeper {
  return composeSweeper(awsLeakResponse("credvend-sweeper", config, clients));
}
