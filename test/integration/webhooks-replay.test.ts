// A captured, validly signed secret_scanning_alert replayed under fresh X-GitHub-Delivery ids (a
// header the signature does not cover) must cost no GitHub REST call: deliveries are also
// recognised by what the signature covers (repository, alert number, action). GitHub is the test
// stand-in over loopback, read as the App's installation, and counts every request.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhookBody } from "../../functions/adapters/github/github-webhook-signature.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { composeWebhooksApp } from "../../functions/webhooks/compose.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { StaticPluginDirectory } from "../support/static-plugin-directory.js";

const WEBHOOK_SECRET = "a-webhook-secret-0123456789";
let github: FakeGitHubApi;

beforeAll(async () => {
  github = await startFakeGitHubApi();
});
afterAll(async () => github?.close());

function webhooks() {
  const { app } = composeWebhooksApp({
    ledger: new MemoryLedger(),
    notifier: { notify: async () => undefined },
    webhookSecrets: [WEBHOOK_SECRET],
    githubApiUrl: github.url,
    githubAuth: { kind: "app", appId: github.appId, privateKey: github.privateKey },
    plugins: new StaticPluginDirectory([]),
    logger: silentLogger,
  });
  return async (body: string, deliveryId = randomUUID()) => {
    const headers = {
      "content-type": "application/json",
      "x-github-event": "secret_scanning_alert",
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": signWebhookBody(WEBHOOK_SECRET, body),
    };
    const response = await app.request("/webhooks/github/secret-scanning", { method: "POST", headers, body });
    return (await response.json()) as unknown;
  };
}

const alertReads = () => github.requests.filter((r) => r.path.includes("/secret-scanning/alerts/")).length;
const gitHubCalls = () => github.requests.length;
const alertBody = (number: number, action = "created") =>
  JSON.stringify({ action, alert: { number }, repository: { full_name: "acme/web" }, installation: { id: 77 } });

describe("webhook replays (X-GitHub-Delivery is not signed)", () => {
  it("a signed alert replayed under fresh delivery ids is a duplicate and costs no GitHub API call", async () => {
    const deliver = webhooks();
    const body = alertBody(github.openAlert("acme/web", `leaked_${randomUUID()}`));
    const before = gitHubCalls();
    expect(await deliver(body)).toEqual({ status: "processed", outcome: "unknown" });
    const spent = gitHubCalls() - before;
    expect(spent).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 5; i++) expect(await deliver(body)).toEqual({ status: "duplicate" });
    expect(gitHubCalls() - before).toBe(spent);
  });

  it("the same alert with another signed action, or another alert, is processed", async () => {
    const deliver = webhooks();
    const number = github.openAlert("acme/web", `leaked_${randomUUID()}`);
    expect(await deliver(alertBody(number))).toMatchObject({ status: "processed" });
    const reads = alertReads();
    expect(await deliver(alertBody(number, "reopened"))).toMatchObject({ status: "processed" });
    expect(await deliver(alertBody(github.openAlert("acme/web", `leaked_${randomUUID()}`)))).toMatchObject({ status: "processed" });
    expect(alertReads()).toBe(reads + 2);
  });
});
