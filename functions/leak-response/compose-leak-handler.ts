// The leak handler and GitHub's alert reads, composed the same way for every function that
// drives a detection: the webhooks function (deliveries), the sweeper (what deliveries left
// unfinished) and the alert poller (what no delivery brought).
import { DEFAULT_LEASE_MS, LeakHandler } from "../core/leak/leak-handler.js";
import type { Clock } from "../core/ports/clock.js";
import type { CredentialLedger } from "../core/ports/credential-ledger.js";
import type { Logger } from "../core/ports/logger.js";
import type { Notifier } from "../core/ports/notifier.js";
import type { PluginDirectory } from "../core/ports/plugin-client.js";
import type { TrustStore } from "../core/plugin-trust/trust-store.js";
import type { DeployedCode } from "../core/plugin-trust/verified-plugin-directory.js";
import type { WorkerRegistration } from "../adapters/config/function-config.js";
import { OctokitAlertSecrets, type AlertSecretSource, type GitHubAuth } from "../adapters/github/github-alert-secrets.js";
import { composePluginDirectory } from "../adapters/plugins/compose-plugin-directory.js";
import type { WorkerRequestSigner } from "../adapters/plugins/signed-worker-requests.js";
import type { Metrics } from "../adapters/metrics/emf-metrics.js";
import { awsFunctionAdapters, type AwsClients, type AwsFunctionAdapters } from "../adapters/aws-function-adapters.js";
import type { LeakResponseConfig } from "./leak-response-config.js";

export interface LeakResponseComposition {
  readonly ledger: CredentialLedger;
  /** The workers, verified exactly as the vend function verifies them (adapters/plugins/compose-plugin-directory.ts)... */
  readonly workers?: readonly WorkerRegistration[];
  readonly trustedKeys?: TrustStore;
  /** The deployed code of a signed worker (Lambda CodeSha256 on AWS). */
  readonly deployedCode?: (worker: WorkerRegistration) => DeployedCode | undefined;
  readonly workerTimeoutMs?: number;
  /** What proves the core to its workers: SigV4 on AWS, the caller secret locally. */
  readonly workerSigner?: WorkerRequestSigner;
  /** Worker latency and failures (CloudWatch embedded metrics on AWS). */
  readonly metrics?: Metrics;
  /** ...or a directory the caller built (the local stack shares the vend app's; tests). */
  readonly plugins?: PluginDirectory;
  readonly notifier: Notifier;
  /** GITHUB_API_URL: REST lookups (and the webhooks function's partner keys). */
  readonly githubApiUrl: string;
  readonly githubAuth?: GitHubAuth;
  /** How GitHub is reached (tests: a local server's fetch). */
  readonly githubFetch?: typeof fetch;
  /** Instead of Octokit against githubApiUrl. */
  readonly alertSecrets?: AlertSecretSource;
  readonly leaseMs?: number;
  readonly clock?: Clock;
  readonly logger: Logger;
}

/** A delivery waits this long for GitHub's alert before leaving it to the sweeper. */
const ALERT_READ_TIMEOUT_MS = 3_000;

export function composeLeakHandler(options: LeakResponseComposition): {
  handler: LeakHandler;
  alertSecrets: AlertSecretSource;
  plugins: PluginDirectory;
} {
  // A holder still waiting on its worker must never be taken over: that would call the upstream twice.
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (options.workerTimeoutMs !== undefined && leaseMs < 2 * options.workerTimeoutMs)
    throw new Error(`the claim lease (${leaseMs} ms) must be at least twice the worker timeout (${options.workerTimeoutMs} ms)`);
  const plugins =
    options.plugins ??
    composePluginDirectory({
      ledger: options.ledger,
      workers: options.workers ?? [],
      logger: options.logger,
      notifier: options.notifier,
      ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
      ...(options.deployedCode ? { deployedCode: options.deployedCode } : {}),
      ...(options.workerTimeoutMs ? { workerTimeoutMs: options.workerTimeoutMs } : {}),
      ...(options.workerSigner ? { workerSigner: options.workerSigner } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
  const handler = new LeakHandler({
    ledger: options.ledger,
    plugins,
    notifier: options.notifier,
    logger: options.logger,
    leaseMs,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const alertSecrets =
    options.alertSecrets ??
    new OctokitAlertSecrets({
      apiUrl: options.githubApiUrl,
      timeoutMs: ALERT_READ_TIMEOUT_MS,
      ...(options.githubAuth ? { auth: options.githubAuth } : {}),
      ...(options.githubFetch ? { fetch: options.githubFetch } : {}),
    });
  return { handler, alertSecrets, plugins };
}

/** On AWS: the composition every leak-response function starts from, built from its configuration. */
export function awsLeakResponse(
  service: string,
  config: LeakResponseConfig,
  clients: AwsClients = {},
): AwsFunctionAdapters & LeakResponseComposition {
  return {
    ...awsFunctionAdapters(service, config, clients),
    workers: config.workers,
    trustedKeys: config.trustedKeys,
    workerTimeoutMs: config.workerTimeoutMs,
    githubApiUrl: config.githubApiUrl,
    ...(config.githubAuth ? { githubAuth: config.githubAuth } : {}),
  };
}
