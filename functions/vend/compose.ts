import type { Hono } from "hono";
import type { CredentialLedger } from "../core/ports/credential-ledger.js";
import type { Logger } from "../core/ports/logger.js";
import type { Notifier } from "../core/ports/notifier.js";
import { TrustStore } from "../core/plugin-trust/trust-store.js";
import { loadPolicyYaml } from "../core/policy/load-policy.js";
import type { Policy } from "../core/policy/policy.js";
import { VendPipeline } from "../core/vend-pipeline.js";
import type { WorkerRegistration } from "../adapters/function-config.js";
import { OidcVerifier } from "../adapters/github-oidc-verifier.js";
import { GrpcWebPluginClient } from "../adapters/grpc-web-plugin-client.js";
import { FileCodeHash } from "../adapters/file-code-hash.js";
import { VerifiedPluginDirectory, type DeployedCode } from "../adapters/verified-plugin-directory.js";
import { createVendApp } from "./app.js";

export interface VendComposition {
  readonly policyYaml: string;
  readonly ledger: CredentialLedger;
  readonly workers: readonly WorkerRegistration[];
  readonly workerTimeoutMs?: number;
  /** Issuers trusted on top of the policy's (the local dev issuer). */
  readonly extraIssuers?: readonly string[];
  /** How workers are reached (a SigV4-signing fetch on AWS). */
  readonly workerFetch?: typeof fetch;
  readonly logger: Logger;
  /** Publisher keys trusted to sign workers; none by default, so only allowUnsigned workers run. */
  readonly trustedKeys?: TrustStore;
  /** Where a refused worker is reported (high urgency); the logger when absent. */
  readonly notifier?: Notifier;
  /** The deployed code of a signed worker (Lambda CodeSha256 on AWS); `codeZip` is read locally. */
  readonly deployedCode?: (worker: WorkerRegistration) => DeployedCode | undefined;
  /** How long a worker's verification holds before it is re-checked. Default 5 minutes. */
  readonly recheckIntervalMs?: number;
}

/** Builds the vend app from configuration and the adapters the caller chose. */
export function composeVendApp(options: VendComposition): { app: Hono; policy: Policy; plugins: VerifiedPluginDirectory } {
  const policy = loadPolicyYaml(options.policyYaml);
  const plugins = composePluginDirectory(options);
  const verifier = new OidcVerifier({
    issuers: [...policy.issuers, ...(options.extraIssuers ?? [])],
    audience: policy.audience,
  });
  const pipeline = new VendPipeline({ policy, plugins, ledger: options.ledger });
  return { app: createVendApp({ pipeline, verifier, logger: options.logger }), policy, plugins };
}

export type PluginDirectoryComposition = Pick<
  VendComposition,
  "workers" | "workerTimeoutMs" | "workerFetch" | "logger" | "trustedKeys" | "notifier" | "deployedCode" | "recheckIntervalMs"
> & { readonly ledger: Pick<CredentialLedger, "appendAudit"> };

/** Every worker behind verification: signature, deployed code and Describe, before first use. */
export function composePluginDirectory(options: PluginDirectoryComposition): VerifiedPluginDirectory {
  const { logger } = options;
  return new VerifiedPluginDirectory({
    trust: options.trustedKeys ?? new TrustStore(),
    notifier: options.notifier ?? { notify: async (n) => logger.log(n.urgency === "high" ? "error" : "warn", n.title, { alert: n.kind, ...n.details }) },
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
        client: new GrpcWebPluginClient({
          name: worker.name,
          baseUrl: worker.url,
          ...(options.workerTimeoutMs ? { timeoutMs: options.workerTimeoutMs } : {}),
          ...(options.workerFetch ? { fetch: options.workerFetch } : {}),
        }),
        ...(code ? { code } : {}),
      };
    }),
  });
}
