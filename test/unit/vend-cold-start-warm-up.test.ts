// The vend composition's cold-start warm-up (lambda.ts awaits it during Lambda's init): the
// issuer's keys and every worker's verification fetched before any request, so the first vend
// fetches neither; and a warm-up against an issuer and a worker that are down never rejects, the
// first vend then fetching again. Real HTTP on loopback: the dev issuer and a local-tokens worker.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import { defaultDevClaims, loadOrCreateDevIssuer, type DevIssuer } from "../../cli/dev/dev-oidc-issuer.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import { composeVendApp } from "../../functions/vend/compose.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { startLocalTokensWorker } from "../../plugin-workers/local-tokens/serve.js";
import type { LoopbackServer } from "../../plugin-workers/sdk/index.js";
import { MemoryLedger } from "../support/memory-ledger.js";

interface Stack {
  readonly issuer: DevIssuer;
  /** The paths the issuer answered. */
  readonly issuerHits: string[];
  /** While set, the issuer answers 503. */
  issuerDown: boolean;
  worker: LoopbackServer;
  close(): Promise<void>;
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function startStack(): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "credvend-warm-up-"));
  const issuerHits: string[] = [];
  let routes: ((request: Request) => Response | Promise<Response>) | undefined;
  let server: ServerType | undefined;
  const port = await new Promise<number>((done) => {
    server = serve({ fetch: (request) => routes!(request), port: 0, hostname: "127.0.0.1" }, (info) => done(info.port));
  });
  const issuer = await loadOrCreateDevIssuer({ dir, issuerUrl: `http://127.0.0.1:${port}` });
  const app = issuer.routes();
  const stack: Stack = {
    issuer,
    issuerHits,
    issuerDown: false,
    worker: await startLocalTokensWorker({ store: new MemoryLocalTokenStore() }),
    close: async () => {
      await stack.worker.close();
      await new Promise<void>((done) => server!.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  routes = (request) => {
    if (stack.issuerDown) return new Response("down", { status: 503 });
    issuerHits.push(new URL(request.url).pathname);
    return app.fetch(request);
  };
  return stack;
}

function compose(issuerUrl: string, workerUrl: string) {
  const policy = loadPolicyYaml(`
version: 1
audience: credvend
issuers: [${issuerUrl}]
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
    workers: [{ name: "local-tokens", url: workerUrl, providers: ["local"], allowUnsigned: true }],
  });
}

async function vend(app: ReturnType<typeof compose>["app"], issuer: DevIssuer): Promise<Response> {
  const claims = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
  const token = await issuer.mint({ ...claims, repository: "acme/web", ref: "refs/heads/main", audience: "credvend" });
  return app.request("/v1/vend", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ scopes: ["local:read:billing"], ttlSeconds: 600 }),
  });
}

describe("the vend composition's cold-start warm-up", () => {
  it("fetches the issuer's keys and checks the worker before any request; the first vend fetches neither", async () => {
    stack = await startStack();
    const { app, plugins, warmUp } = compose(stack.issuer.issuerUrl, stack.worker.url);
    expect(plugins.status().map((row) => row.state.status)).toEqual(["unchecked"]);
    await warmUp();
    expect(stack.issuerHits).toEqual(["/.well-known/openid-configuration", "/.well-known/jwks"]);
    const checked = plugins.status()[0]!;
    expect(checked.state.status).toBe("unsigned");

    const response = await vend(app, stack.issuer);
    expect(response.status).toBe(200);
    expect(stack.issuerHits).toHaveLength(2);
    // Checked once, at the warm-up: the vend used that verdict.
    expect(plugins.status()[0]!.checkedAt).toBe(checked.checkedAt);
  });

  it("never rejects while the issuer and the worker are down, and the first vend then fetches both", async () => {
    stack = await startStack();
    const { app, plugins, warmUp } = compose(stack.issuer.issuerUrl, stack.worker.url);
    stack.issuerDown = true;
    const port = Number(new URL(stack.worker.url).port);
    await stack.worker.close();
    await expect(warmUp()).resolves.toBeUndefined();
    expect(plugins.status()[0]!.state.status).toBe("unverifiable");
    expect(stack.issuerHits).toEqual([]);

    stack.issuerDown = false;
    stack.worker = await startLocalTokensWorker({ store: new MemoryLocalTokenStore(), port });
    expect((await vend(app, stack.issuer)).status).toBe(200);
    expect(stack.issuerHits).toEqual(["/.well-known/openid-configuration", "/.well-known/jwks"]);
    expect(plugins.status()[0]!.state.status).toBe("unsigned");
  });
});
