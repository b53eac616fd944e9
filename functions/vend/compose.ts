import type { Hono } from "hono";
import type { CredentialLedger } from "../core/ports/credential-ledger.js";
import type { Logger } from "../core/ports/logger.js";
import { loadPolicyYaml } from "../core/policy/load-policy.js";
import type { Policy } from "../core/policy/policy.js";
import { VendPipeline } from "../core/vend-pipeline.js";
import type { WorkerRegistration } from "../adapters/function-config.js";
import { OidcVerifier } from "../adapters/github-oidc-verifier.js";
import { GrpcWebPluginClient } from "../adapters/grpc-web-plugin-client.js";
import { StaticPluginDirectory } from "../adapters/static-plugin-directory.js";
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
}

/** Builds the vend app from configuration and the adapters the caller chose. */
export function composeVendApp(options: VendComposition): { app: Hono; policy: Policy } {
  const policy = loadPolicyYaml(options.policyYaml);
  const plugins = new StaticPluginDirectory(
    options.workers.map((worker) => ({
      providers: worker.providers,
      client: new GrpcWebPluginClient({
        name: worker.name,
        baseUrl: worker.url,
        ...(options.workerTimeoutMs ? { timeoutMs: options.workerTimeoutMs } : {}),
        ...(options.workerFetch ? { fetch: options.workerFetch } : {}),
      }),
    })),
  );
  const verifier = new OidcVerifier({
    issuers: [...policy.issuers, ...(options.extraIssuers ?? [])],
    audience: policy.audience,
  });
  const pipeline = new VendPipeline({ policy, plugins, ledger: options.ledger });
  return { app: createVendApp({ pipeline, verifier, logger: options.logger }), policy };
}
