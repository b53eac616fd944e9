// The worker directory every function uses: each registered worker behind the gRPC-web client and
// verification. Apart from the vend composition so the webhooks function does not pull in the
// policy loader.
import type { CredentialLedger } from "../../core/ports/credential-ledger.js";
import type { Logger } from "../../core/ports/logger.js";
import type { Notifier } from "../../core/ports/notifier.js";
import { loggerNotifier } from "../notify/logger-notifier.js";
import { TrustStore } from "../../core/plugin-trust/trust-store.js";
import type { WorkerRegistration } from "../config/function-config.js";
import { FileCodeHash } from "./file-code-hash.js";
import { lazyGrpcWebPluginClient } from "./lazy-grpc-web-plugin-client.js";
import type { WorkerRequestSigner } from "./signed-worker-requests.js";
import type { SingleStepPluginClient } from "../../core/ports/plugin-client.js";
import type { Metrics } from "../metrics/emf-metrics.js";
import { meteredPluginClient } from "../metrics/metered-plugin-client.js";
import { VerifiedPluginDirectory, type DeployedCode } from "../../core/plugin-trust/verified-plugin-directory.js";

export interface PluginDirectoryComposition {
  readonly workers: readonly WorkerRegistration[];
  /** Deadline of one worker call. */
  readonly workerTimeoutMs?: number;
  /** What proves the core to its workers: SigV4 on AWS, the caller secret locally. */
  readonly workerSigner?: WorkerRequestSigner;
  readonly logger: Logger;
  /** Publisher keys trusted to sign workers; none by default, so only allowUnsigned workers run. */
  readonly trustedKeys?: TrustStore;
  /** Where a refused worker is reported (high urgency); the logger when absent. */
  readonly notifier?: Notifier;
  /** The deployed code and configuration of a signed worker (Lambda GetFunctionConfiguration on AWS); `codeZip` is read locally. */
  readonly deployedCode?: (worker: WorkerRegistration) => DeployedCode | undefined;
  /** How long a worker's verification holds before it is re-checked. Default 5 minutes. */
  readonly recheckIntervalMs?: number;
  readonly ledger: Pick<CredentialLedger, "appendAudit">;
  /** Worker latency and failures (CloudWatch embedded metrics on AWS). */
  readonly metrics?: Metrics;
}

/** Every worker behind verification: signature, deployed code and configuration, and Describe, before first use. */
export function composePluginDirectory(options: PluginDirectoryComposition): VerifiedPluginDirectory {
  const { logger, metrics } = options;
  const metered = (client: SingleStepPluginClient) => (metrics ? meteredPluginClient(client, metrics) : client);
  return new VerifiedPluginDirectory({
    trust: options.trustedKeys ?? new TrustStore(),
    notifier: options.notifier ?? loggerNotifier(logger),
    audit: (event) => options.ledger.appendAudit(event),
    logger,
    ...(options.recheckIntervalMs ? { recheckIntervalMs: options.recheckIntervalMs } : {}),
    workers: options.workers.map((worker) => {
      const code = options.deployedCode?.(worker) ?? (worker.codeZip ? new FileCodeHash(worker.codeZip) : undefined);
      return {
        registration: {
          name: worker.name,
          providers: worker.providers,
          ...(worker.signed ? { signed: worker.signed } : {}),
          ...(worker.allowUnsigned ? { allowUnsigned: true } : {}),
        },
        client: metered(
          lazyGrpcWebPluginClient({
            name: worker.name,
            baseUrl: worker.url,
            ...(options.workerTimeoutMs ? { timeoutMs: options.workerTimeoutMs } : {}),
            ...(options.workerSigner ? { sign: options.workerSigner } : {}),
          }),
        ),
        ...(code ? { code } : {}),
      };
    }),
  });
}
