// A vend app built from real parts, in one process: the dev OIDC issuer (keys in a temp dir, its
// JWKS served through the verifier's fetch), the OIDC verifier, the local-tokens worker behind the
// real gRPC-web client, and the in-memory ledger (or one the test brings). Only the network is
// left out.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateDevIssuer, defaultDevClaims, type DevIssuer } from "../../cli/dev/dev-oidc-issuer.js";
import { OidcVerifier } from "../../functions/adapters/oidc/github-oidc-verifier.js";
import { JsonLogger } from "../../functions/adapters/notify/json-logger.js";
import { MemoryLedger } from "./memory-ledger.js";
import type { CredentialLedger } from "../../functions/core/ports/credential-ledger.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import { StaticPluginDirectory } from "./static-plugin-directory.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import type { PluginClient } from "../../functions/core/ports/plugin-client.js";
import { VendPipeline } from "../../functions/core/vend-pipeline.js";
import { CredentialRevoker } from "../../functions/core/revocation/credential-revoker.js";
import { OwnerRevocation } from "../../functions/core/revocation/owner-revocation.js";
import { createVendApp } from "../../functions/vend/app.js";
import { createLocalTokensWorker } from "../../plugin-workers/local-tokens/worker.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { inMemoryWorkerClient } from "./in-memory-worker.js";

export const ISSUER = "https://issuer.test";
export const SAMPLE_POLICY = `
version: 1
audience: credvend
issuers: [${ISSUER}]
rules:
  - name: web-main
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["local:read:*", "local:write:*"]
    maxTtl: 15m
`;

export interface VendFixture {
  readonly app: ReturnType<typeof createVendApp>;
  readonly ledger: CredentialLedger;
  readonly issuer: DevIssuer;
  /** Where the dev issuer's private key is, for tests that sign odd tokens with it. */
  readonly keyDir: string;
  readonly store: MemoryLocalTokenStore;
  /** Every log line the app wrote. */
  readonly logs: string[];
  /** Every alert the pipeline raised. */
  readonly alerts: Notification[];
  token(overrides?: {
    repository?: string;
    ref?: string;
    audience?: string;
    ttlSeconds?: number;
    claims?: Record<string, string>;
  }): Promise<string>;
  vend(body: unknown, token?: string): Promise<Response>;
}

export async function createVendFixture(
  options: {
    worker?: PluginClient;
    policy?: string;
    issuerFetch?: typeof fetch;
    otherWorkers?: readonly { client: PluginClient; providers: readonly string[] }[];
    ledger?: CredentialLedger;
  } = {},
): Promise<VendFixture> {
  const keyDir = mkdtempSync(join(tmpdir(), "credvend-issuer-"));
  const issuer = await loadOrCreateDevIssuer({ dir: keyDir, issuerUrl: ISSUER });
  const routes = issuer.routes();
  const store = new MemoryLocalTokenStore();
  const localTokens = createLocalTokensWorker({ store });
  const worker = options.worker ?? inMemoryWorkerClient(localTokens, { routes: localTokens.routes });
  const ledger = options.ledger ?? new MemoryLedger();
  const logs: string[] = [];
  const policy = loadPolicyYaml(options.policy ?? SAMPLE_POLICY);
  const verifier = new OidcVerifier({
    issuers: policy.issuers,
    audience: policy.audience,
    fetch: options.issuerFetch ?? (async (input, init) => routes.fetch(new Request(input, init))),
  });
  const alerts: Notification[] = [];
  const plugins = new StaticPluginDirectory([{ client: worker, providers: ["local"] }, ...(options.otherWorkers ?? [])]);
  const pipeline = new VendPipeline({
    policy,
    ledger,
    plugins,
    notifier: { notify: async (alert) => void alerts.push(alert) },
  });
  const app = createVendApp({
    pipeline,
    verifier,
    revocation: new OwnerRevocation({ ledger, revoker: new CredentialRevoker({ ledger, plugins }) }),
    logger: new JsonLogger({ service: "test", level: "debug", write: (line) => logs.push(line) }),
  });

  const token: VendFixture["token"] = async (overrides = {}) => {
    const repository = overrides.repository ?? "acme/web";
    const ref = overrides.ref ?? "refs/heads/main";
    return issuer.mint({
      ...defaultDevClaims({ repository, ref }),
      repository,
      ref,
      audience: overrides.audience ?? "credvend",
      ...(overrides.ttlSeconds ? { ttlSeconds: overrides.ttlSeconds } : {}),
      ...overrides.claims,
    });
  };
  const vend: VendFixture["vend"] = async (body, bearer) =>
    app.request("/v1/vend", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer ?? (await token())}` },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return { app, ledger, issuer, keyDir, store, logs, alerts, token, vend };
}

export // The hours around the test run: audit queries by time walk day buckets, so keep ranges real.
const ALL_TIME = { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 3600_000).toISOString() };
