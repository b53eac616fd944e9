// A leak contained with no webhook at all: the local stack's alert poller (on a short timer) lists
// the dev GitHub stand-in's open alerts and revokes the credential by itself.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { DEV_GITHUB_PATH } from "../../cli/local-leak-response.js";
import type { Notification } from "../../functions/core/ports/notifier.js";
import { silentLogger } from "../../functions/core/ports/logger.js";

const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");

describe("alert poller over the local stack", () => {
  let stack: LocalStack;
  const notifications: Notification[] = [];
  beforeAll(async () => {
    stack = await startLocalStack({
      dataDir: mkdtempSync(join(tmpdir(), "credvend-poll-")),
      port: 0,
      policyYaml,
      logger: silentLogger,
      notifier: { notify: async (n) => void notifications.push(n) },
      sweepIntervalMs: 0,
      pollIntervalMs: 200,
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("an alert opened at GitHub with no webhook delivered: the poller alone revokes the credential, once", async () => {
    const jwt = await stack.issuer.mint({
      ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }),
      repository: "acme/web",
      ref: "refs/heads/main",
      audience: "credvend",
    });
    const vended = await fetch(`${stack.url}/v1/vend`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
      body: JSON.stringify({ scopes: ["local:read:billing"], ttlSeconds: 600 }),
    });
    expect(vended.status).toBe(200);
    const { credentialId, credential } = (await vended.json()) as { credentialId: string; credential: { token: string } };

    const opened = await fetch(`${stack.url}${DEV_GITHUB_PATH}/dev/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ repository: "acme/web", secret: credential.token }),
    });
    expect(opened.status).toBe(201);

    await expect
      .poll(async () => (await stack.ledger.getCredential(credentialId))?.state, { timeout: 10_000, interval: 100 })
      .toBe("revoked");
    const introspection = await fetch(`${stack.workerUrl}/introspect`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: credential.token }),
    });
    expect(await introspection.json()).toEqual({ active: false });

    // More ticks do not alert again.
    await stack.poller.poll();
    await stack.poller.poll();
    expect(notifications.filter((n) => n.kind === "revoked_on_detection")).toHaveLength(1);
  });
});
