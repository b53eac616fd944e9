import type { Hono } from "hono";
import type { CredentialLedger } from "../core/ports/credential-ledger.js";
import { loadPolicyJson } from "../core/policy/load-policy.js";
import type { Policy } from "../core/policy/policy.js";
import { VendPipeline } from "../core/vend-pipeline.js";
import { TargetPolicyReader } from "../core/policy/target-policy-reader.js";
import type { TrustPolicyInvalidations } from "../core/ports/trust-policy-invalidations.js";
import { CredentialRevoker } from "../core/revocation/credential-revoker.js";
import { OwnerRevocation } from "../core/revocation/owner-revocation.js";
import { OidcVerifier } from "../adapters/oidc/github-oidc-verifier.js";
import { loggerNotifier } from "../adapters/notify/logger-notifier.js";
import { composePluginDirectory, type PluginDirectoryComposition } from "../adapters/plugins/compose-plugin-directory.js";
import type { VerifiedPluginDirectory } from "../core/plugin-trust/verified-plugin-directory.js";
import { awsFunctionAdapters, type AwsClients } from "../adapters/aws-function-adapters.js";
import type { FunctionConfig } from "../adapters/config/function-config.js";
import { createVendApp } from "./app.js";
import { serviceStatus } from "./status-route.js";

export interface VendComposition extends PluginDirectoryComposition {
  /** Compiled by the caller: from YAML by the local stack, from synth's JSON on AWS. */
  readonly policy: Policy;
  readonly ledger: CredentialLedger;
  /** Issuers trusted on top of the policy's (the local dev issuer). */
  readonly extraIssuers?: readonly string[];
  /** Leeway on a token's times; default 60 s. Tests of token expiry on the local stack set 0. */
  readonly oidcClockToleranceSeconds?: number;
  /** Self-serve trust: push markers the webhooks function writes; absent, cached target policies live their 60 s. */
  readonly trustPolicyInvalidations?: TrustPolicyInvalidations;
}

/** Builds the vend app from configuration and the adapters the caller chose. */
export function composeVendApp(options: VendComposition): { app: Hono; policy: Policy; plugins: VerifiedPluginDirectory } {
  const { policy } = options;
  const plugins = composePluginDirectory(options);
  const trust = { issuers: [...policy.issuers, ...(options.extraIssuers ?? [])], audience: policy.audience };
  const verifier = new OidcVerifier({
    ...trust,
    ...(options.oidcClockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: options.oidcClockToleranceSeconds }),
  });
  const targetPolicies = new TargetPolicyReader({
    plugins,
    issuers: policy.issuers,
    ...(options.trustPolicyInvalidations ? { invalidations: options.trustPolicyInvalidations } : {}),
  });
  const pipeline = new VendPipeline({
    policy,
    plugins,
    targetPolicies: targetPolicies.source,
    ledger: options.ledger,
    notifier: options.notifier ?? loggerNotifier(options.logger),
  });
  const revoker = new CredentialRevoker({ ledger: options.ledger, plugins, logger: options.logger });
  const revocation = new OwnerRevocation({ ledger: options.ledger, revoker });
  const status = () => serviceStatus(plugins, trust, policy);
  return { app: createVendApp({ pipeline, verifier, logger: options.logger, revocation, status }), policy, plugins };
}

/** The vend function on AWS: every adapter built from its configuration (lambda.ts reads it). */
export function composeVendFunction(config: FunctionConfig, clients: AwsClients = {}): Hono {
  const { app } = composeVendApp({
    ...awsFunctionAdapters("credvend-vend", config, clients),
    policy: loadPolicyJson(config.policyJson),
    workers: config.workers,
    workerTimeoutMs: config.workerTimeoutMs,
    trustedKeys: config.trustedKeys,
  });
  return app;
}
