// At a cold start the first vend must verify its worker (Describe, the deployed code) and fetch the
// issuer's keys: side by side, not one after the other (the cold vend bench measured the serial
// order). Real HTTP on loopback: the dev issuer, whose key set answers slowly here, and a
// local-tokens worker; each records when it was asked.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { defaultDevClaims, loadOrCreateDevIssuer, type DevIssuer } from "../../cli/dev/dev-oidc-issuer.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import { composeVendApp } from "../../functions/vend/compose.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { serveLocalTokens } from "../../plugin-workers/local-tokens/worker.js";
import { listenOnLoopback, type LoopbackServer } from "../../plugin-workers/sdk/index.js";
import { MemoryLedger } from "../support/memory-ledger.js";

const JWKS_DELAY_MS = 300;

interface Stack {
  readonly issuer: DevIssuer;
  readonly worker: LoopbackServer;
  /** What happened, in order: "jwks answered", "worker Describe", ... */
  readonly events: string[];
  close(): Promise<void>;
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function startStack(): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "credvend-prefetch-"));
  const events: string[] = [];
  let server: ServerType | undefined;
  let issuerApp: Hono | undefined;
  const port = await new Promise<number>((done) => {
    const fetch = async (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path.endsWith("/jwks")) await sleep(JWKS_DELAY_MS);
      events.push(`issuer ${path.split("/").at(-1)} answered`);
      return issuerApp!.fetch(request);
    };
    server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => done(info.port));
  });
  const issuer = await loadOrCreateDevIssuer({ dir, issuerUrl: `http://127.0.0.1:${port}` });
  issuerApp = issuer.routes();
  const { app: workerApp } = serveLocalTokens({ store: new MemoryLocalTokenStore() });
  const recorder = new Hono();
  recorder.all("*", (c) => {
    events.push(`worker ${c.req.path.split("/").at(-1)}`);
    return workerApp.fetch(c.req.raw);
  });
  const worker = await listenOnLoopback(recorder);
  return {
    issuer,
    worker,
    events,
    close: async () => {
      await worker.close();
      await new Promise<void>((done) => server!.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function composeFor(s: Stack) {
  const policy = loadPolicyYaml(`
version: 1
audience: credvend
issuers: [${s.issuer.issuerUrl}]
rules:
  - name: web-main
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["local:read:*"]
    maxTtl: 15m
`);
  return composeVendApp({
    policy,
    ledger: new MemoryLedger(),
    logger: silentLogger,
    workers: [{ name: "local-tokens", url: s.worker.url, providers: ["local"], allowUnsigned: true }],
  }).app;
}

async function vend(s: Stack, app: Hono, scopes: unknown): Promise<Response> {
  const claims = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
  const token = await s.issuer.mint({ ...claims, repository: "acme/web", ref: "refs/heads/main", audience: "credvend" });
  return app.request("/v1/vend", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ scopes, ttlSeconds: 600 }),
  });
}

describe("a cold start's first vend", () => {
  it("checks its worker while the issuer's keys are fetched, not after (serial JWKS fetch, then Describe)", async () => {
    stack = await startStack();
    const response = await vend(stack, composeFor(stack), ["local:read:billing"]);
    expect(response.status).toBe(200);
    const describeAt = stack.events.indexOf("worker Describe");
    const jwksAt = stack.events.indexOf("issuer jwks answered");
    expect(describeAt).toBeGreaterThanOrEqual(0);
    expect(jwksAt).toBeGreaterThanOrEqual(0);
    expect(describeAt).toBeLessThan(jwksAt);
  });

  it("starts no worker check for a request whose scopes do not parse, and answers 400", async () => {
    stack = await startStack();
    const response = await vend(stack, composeFor(stack), ["not a scope"]);
    expect(response.status).toBe(400);
    await sleep(50);
    expect(stack.events.filter((event) => event.startsWith("worker"))).toEqual([]);
  });

  it("asks the worker for nothing more once its verdict is held", async () => {
    stack = await startStack();
    const app = composeFor(stack);
    expect((await vend(stack, app, ["local:read:billing"])).status).toBe(200);
    expect((await vend(stack, app, ["local:read:billing"])).status).toBe(200);
    expect(stack.events.filter((event) => event === "worker Describe")).toHaveLength(1);
  });
});
