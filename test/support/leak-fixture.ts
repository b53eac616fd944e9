// The webhooks app built from real parts in one process: the leak handler on a ledger of the
// test's choice (memory, or DynamoDB on dynalite), workers behind the real gRPC-web client, the
// dev GitHub stand-in as GitHub (keys + REST, through Octokit's fetch), and a recording notifier.
// Also a provider "upstream" (an HTTP API like GitHub's DELETE /installation/token) whose answers
// a test scripts and whose calls it counts.
import type { TrustPolicyInvalidations } from "../../functions/core/ports/trust-policy-invalidations.js";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { loadOrCreateDevGitHub, type DevGitHub } from "../../cli/dev/dev-github.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import { JsonLogger } from "../../functions/adapters/notify/json-logger.js";
import { MemoryLedger } from "./memory-ledger.js";
import { StaticPluginDirectory } from "./static-plugin-directory.js";
import type { CredentialLedger } from "../../functions/core/ports/credential-ledger.js";
import type { PluginDirectory } from "../../functions/core/ports/plugin-client.js";
import type { Notification, Notifier } from "../../functions/core/ports/notifier.js";
import type { Clock } from "../../functions/core/ports/clock.js";
import type { CredentialRecord } from "../../functions/core/records.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { composeWebhooksApp } from "../../functions/webhooks/compose.js";
import { OctokitAlertSecrets } from "../../functions/adapters/github/github-alert-secrets.js";
import { LeakSweeper } from "../../functions/core/leak/leak-sweeper.js";
import type { LeakHandler } from "../../functions/core/leak/leak-handler.js";
import { PluginError, servePlugin, type PluginImplementation } from "../../plugin-workers/sdk/index.js";
import { makeRecord } from "../integration/ledger-contract.js";

export const GITHUB_API = "http://github.test";

/** A provider's API: DELETE /tokens/:id answers the scripted statuses (then 204, or 404 for a token
 *  it revoked before, as GitHub does), counted; `revoked` lists the calls that did revoke. */
export function createUpstream() {
  const calls: string[] = [];
  const revoked: string[] = [];
  const script: number[] = [];
  let gate: Promise<void> | undefined;
  const app = new Hono();
  app.delete("/tokens/:id", async (c) => {
    calls.push(c.req.param("id"));
    if (gate) await gate;
    const id = c.req.param("id");
    const status = script.shift() ?? (revoked.includes(id) ? 404 : 204);
    if (status === 204) revoked.push(id);
    return status === 204 ? c.body(null, 204) : c.json({ message: "upstream says no" }, status as 404 | 500);
  });
  /** Holds every answer until the returned function is called: a slow upstream. */
  const hold = () => {
    let release!: () => void;
    gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      gate = undefined;
      release();
    };
  };
  return {
    calls,
    revoked,
    hold,
    answer: (...statuses: number[]) => script.push(...statuses),
    fetch: (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init)),
  };
}

export type Upstream = ReturnType<typeof createUpstream>;

/** A worker for provider `test` that revokes through the upstream (or, revocable: false, cannot). */
export function upstreamWorker(upstream: Upstream, options: { revocable?: boolean } = {}): PluginImplementation {
  const impl: PluginImplementation = {
    name: "test-worker",
    version: "1.0.0",
    providers: ["test"],
    validate: (scopes) => scopes.map((scope) => ({ scope, valid: true, normalized: scope })),
    serialize: () => ({ serialized: new Uint8Array(), mediaType: "application/octet-stream" }),
    vend: () => {
      throw new PluginError("internal", "records are written by the tests");
    },
  };
  if (options.revocable === false) return impl;
  return {
    ...impl,
    revoke: async (request) => {
      const response = await upstream.fetch(`http://upstream.test/tokens/${request.upstreamRef}`, { method: "DELETE" });
      if (response.status === 204) return { outcome: "revoked", detail: "upstream 204" };
      if (response.status === 404) return { outcome: "already_gone", detail: "upstream 404" };
      throw new PluginError("unavailable", `upstream answered ${response.status}`);
    },
  };
}

export interface LeakFixture {
  readonly app: Hono;
  readonly ledger: CredentialLedger;
  readonly github: DevGitHub;
  readonly upstream: Upstream;
  readonly notifications: Notification[];
  readonly logs: string[];
  readonly handler: LeakHandler;
  /** The workers the handler calls (to compose another function on the same ones). */
  readonly plugins: PluginDirectory;
  /** The sweeper on the same ledger, handler and GitHub (run it by hand). */
  readonly sweeper: LeakSweeper;
  /** A live credential of provider `test` whose secret is `secret`. */
  issue(overrides?: Partial<CredentialRecord>): Promise<{ secret: string; record: CredentialRecord }>;
  /** Opens a GitHub alert for `secret` and delivers its signed `secret_scanning_alert` event. */
  deliverAlert(secret: string, options?: { action?: string; deliveryId?: string; repository?: string }): Promise<Response>;
  postPartner(matches: readonly unknown[]): Promise<Response>;
}

export async function createLeakFixture(
  options: {
    ledger?: CredentialLedger;
    revocable?: boolean;
    leaseMs?: number;
    clock?: Clock;
    notifier?: Notifier;
    watchesRepository?: (repository: string) => boolean;
    /** Self-serve trust: where the webhooks app marks a push touching `.github/credvend/`. */
    trustPolicyInvalidations?: TrustPolicyInvalidations;
    /** Wraps the workers the handler calls (fault injection). */
    wrapPlugins?: (plugins: PluginDirectory) => PluginDirectory;
  } = {},
): Promise<LeakFixture> {
  const ledger = options.ledger ?? new MemoryLedger();
  const github = await loadOrCreateDevGitHub({ dir: mkdtempSync(join(tmpdir(), "credvend-github-")) });
  const githubApp = github.routes();
  const upstream = createUpstream();
  const { app: workerApp } = servePlugin(upstreamWorker(upstream, { revocable: options.revocable ?? true }));
  const notifications: Notification[] = [];
  const logs: string[] = [];
  const notifier: Notifier = options.notifier ?? { notify: async (n) => void notifications.push(n) };
  const githubFetch = async (input: RequestInfo | URL, init?: RequestInit) => githubApp.fetch(new Request(input, init));
  const workers = new StaticPluginDirectory([
    {
      providers: ["test"],
      client: new GrpcWebPluginClient({
        name: "test-worker",
        baseUrl: "http://worker.test",
        maxRetries: 0,
        fetch: async (input, init) => workerApp.fetch(new Request(input, init)),
      }),
    },
  ]);
  const plugins = options.wrapPlugins ? options.wrapPlugins(workers) : workers;
  const { app, handler } = composeWebhooksApp({
    ledger,
    notifier,
    webhookSecrets: [github.webhookSecret],
    githubApiUrl: GITHUB_API,
    githubFetch,
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    ...(options.watchesRepository ? { watchesRepository: options.watchesRepository } : {}),
    ...(options.trustPolicyInvalidations ? { trustPolicyInvalidations: options.trustPolicyInvalidations } : {}),
    logger: new JsonLogger({ service: "test", level: "debug", write: (line) => logs.push(line) }),
    plugins,
    ...(options.clock ? { clock: options.clock } : {}),
  });

  const alertSecrets = new OctokitAlertSecrets({ apiUrl: GITHUB_API, fetch: githubFetch });
  const sweeper = new LeakSweeper({
    ledger,
    handler,
    notifier,
    readAlert: (alert) => alertSecrets.secretOf(alert),
    ...(options.clock ? { clock: options.clock } : {}),
  });

  const issue: LeakFixture["issue"] = async (overrides = {}) => {
    const secret = `test_${randomUUID()}`;
    const credentialId = randomUUID();
    const now = Date.now();
    const record = makeRecord({
      credentialId,
      provider: "test",
      worker: "test-worker",
      scopes: ["test:read:thing"],
      issuedAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + 600_000).toISOString(),
      upstreamRef: credentialId,
      tokenHashes: [tokenHash(secret)],
      revocable: options.revocable ?? true,
      ...overrides,
    });
    await ledger.recordIssued(record);
    return { secret, record };
  };

  const deliverAlert: LeakFixture["deliverAlert"] = async (secret, delivery = {}) => {
    const repository = delivery.repository ?? "acme/web";
    const number = github.openAlert(repository, secret);
    const body = JSON.stringify({
      action: delivery.action ?? "created",
      alert: { number, secret_type: "credvend_token", html_url: `https://github.com/${repository}/security/secret-scanning/${number}` },
      repository: { full_name: repository },
    });
    return app.request("/webhooks/github/secret-scanning", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "secret_scanning_alert",
        "x-github-delivery": delivery.deliveryId ?? randomUUID(),
        "x-hub-signature-256": github.signWebhook(body),
      },
      body,
    });
  };

  const postPartner: LeakFixture["postPartner"] = async (matches) => {
    const body = JSON.stringify(matches);
    return app.request("/webhooks/github/secret-scanning/partner", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "github-public-key-identifier": github.partnerKeyId,
        "github-public-key-signature": github.signPartner(body),
      },
      body,
    });
  };

  return { app, ledger, github, upstream, notifications, logs, handler, plugins, sweeper, issue, deliverAlert, postPartner };
}
