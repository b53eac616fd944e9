// Secrets put after deploy are used without recycling the function: the github worker and the
// webhooks function read their Secrets Manager secrets (moto's) at start and again on a TTL, with
// the clock moved instead of waiting. "Not configured" (the placeholder) is never cached.
// Skips with the reason where moto is absent; CI (CREDVEND_REQUIRE_MOTO=1) refuses to skip.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signWebhookBody } from "../../functions/adapters/github/github-webhook-signature.js";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import type { WorkerError } from "../../functions/core/errors.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { composeWebhooksApp } from "../../functions/webhooks/compose.js";
import { refreshingApp } from "../../functions/leak-response/secret-refresh.js";
import { loadWebhooksConfig } from "../../functions/webhooks/webhooks-config.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { composeGitHubWorker } from "../../plugin-workers/github/compose.js";
import { SECRET_TTL_MS } from "../../plugin-workers/sdk/index.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { motoMissing, startMotoServer, type MotoServer } from "../support/moto-server.js";
import { StaticPluginDirectory } from "../support/static-plugin-directory.js";

const skip = motoMissing();
const PLACEHOLDER = "kX9v2placeholderGeneratedByCloudFormation";
const otherKey = () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();

describe.skipIf(skip !== undefined)(`secrets read again on a TTL, on moto's Secrets Manager${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let moto: MotoServer;
  let sm: SecretsManagerClient;
  let github: FakeGitHubApi;
  let now = Date.parse("2026-12-01T10:00:00Z");
  const clock = { now: () => new Date(now) };

  beforeAll(async () => {
    [moto, github] = await Promise.all([startMotoServer(), startFakeGitHubApi()]);
    sm = new SecretsManagerClient({
      region: "eu-west-1",
      endpoint: moto.endpoint,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
  });
  afterAll(async () => {
    sm?.destroy();
    await Promise.all([moto?.close(), github?.close()]);
  });

  async function createSecret(value: string): Promise<string> {
    return (await sm.send(new CreateSecretCommand({ Name: `credvend/test/${randomUUID()}`, SecretString: value }))).ARN!;
  }
  const putSecret = (arn: string, value: string) => sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));

  describe("github worker", () => {
    async function worker(keyArn: string) {
      const served = await composeGitHubWorker(
        { privateKeySecretArn: keyArn, app: { appId: github.appId, apiUrl: github.url }, allowedCallers: [] },
        { secretsManager: sm, clock },
      );
      const client = new GrpcWebPluginClient({
        name: "github",
        baseUrl: "http://worker.test",
        maxRetries: 0,
        fetch: async (input, init) => served.app.fetch(new Request(input, init)),
      });
      return async () => {
        const request = { scopes: [parseScope("github:contents-read:acme/web")], subject: { repository: "acme/web" }, ttlSeconds: 3600 };
        const prepared = await client.prepare(request);
        return client
          .vend({ ...request, credentialId: randomUUID(), serialized: prepared.serialized!.serialized })
          .catch((error: unknown) => error as WorkerError);
      };
    }

    it("the App key put after start is used by the next vend: 'not configured' is not cached", async () => {
      vi.spyOn(console, "warn").mockImplementation(() => undefined);
      const arn = await createSecret(PLACEHOLDER);
      const vend = await worker(arn);
      expect(await vend()).toMatchObject({ kind: "unavailable", message: expect.stringContaining("not configured") });
      await putSecret(arn, github.privateKey);
      expect(await vend()).toMatchObject({ credential: { token: github.nextToken } });
      vi.restoreAllMocks();
    });

    it("a key replaced in Secrets Manager is used once the TTL has passed, not before", async () => {
      vi.spyOn(console, "warn").mockImplementation(() => undefined);
      const arn = await createSecret(otherKey()); // a PEM, but not the App's: GitHub refuses it
      const vend = await worker(arn);
      expect(await vend()).not.toHaveProperty("credential");
      await putSecret(arn, github.privateKey);
      now += SECRET_TTL_MS - 1_000;
      expect(await vend()).not.toHaveProperty("credential");
      now += 1_000;
      expect(await vend()).toMatchObject({ credential: { token: github.nextToken } });
      expect(console.warn).toHaveBeenCalledWith(expect.stringContaining("private key changed"));
      vi.restoreAllMocks();
    });

    it("a bad config still fails the cold start: a PEM with no App id", async () => {
      const arn = await createSecret(github.privateKey);
      await expect(
        composeGitHubWorker({ privateKeySecretArn: arn, app: { apiUrl: github.url }, allowedCallers: [] }, { secretsManager: sm, clock }),
      ).rejects.toThrow(/GITHUB_APP_ID/);
    });
  });

  describe("webhooks function", () => {
    const OLD_SECRET = "old-webhook-secret-0123456789";
    const NEW_SECRET = "new-webhook-secret-0123456789";

    async function webhooks() {
      const env = {
        CREDVEND_LEDGER_TABLE: "unused",
        CREDVEND_WEBHOOK_SECRETS_ARN: await createSecret(OLD_SECRET),
        CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN: await createSecret(PLACEHOLDER),
        CREDVEND_GITHUB_APP_ID: github.appId,
        GITHUB_API_URL: github.url,
      };
      const ledger = new MemoryLedger();
      const current = await refreshingApp(
        env,
        (resolved) => {
          const config = loadWebhooksConfig(resolved);
          return composeWebhooksApp({
            ledger,
            notifier: { notify: async () => undefined },
            webhookSecrets: config.webhookSecrets,
            githubApiUrl: config.githubApiUrl,
            ...(config.githubAuth ? { githubAuth: config.githubAuth } : {}),
            plugins: new StaticPluginDirectory([]),
            logger: silentLogger,
          }).app;
        },
        { secretsManager: sm, clock },
      );
      const deliver = async (webhookSecret: string) => {
        const number = github.openAlert("acme/web", `leaked_${randomUUID()}`);
        const body = JSON.stringify({
          action: "created",
          alert: { number },
          repository: { full_name: "acme/web" },
          installation: { id: 77 },
        });
        const headers = {
          "content-type": "application/json",
          "x-github-event": "secret_scanning_alert",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": signWebhookBody(webhookSecret, body),
        };
        const response = await (await current()).request("/webhooks/github/secret-scanning", { method: "POST", headers, body });
        return { status: response.status, body: (await response.json()) as unknown };
      };
      return { env, deliver };
    }

    it("the App key put after deploy is used within a second: the placeholder is not cached", async () => {
      const { env, deliver } = await webhooks();
      expect(await deliver(OLD_SECRET)).toMatchObject({ status: 200, body: { status: "accepted" } }); // recorded as pending: the key is not there yet
      await putSecret(env.CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN, github.privateKey);
      now += 1_000;
      expect(await deliver(OLD_SECRET)).toEqual({ status: 200, body: { status: "processed", outcome: "unknown" } });
    });

    it("a rotated webhook secret is accepted once the TTL has passed, and the old one then refused", async () => {
      const { env, deliver } = await webhooks();
      await putSecret(env.CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN, github.privateKey);
      now += 1_000;
      expect((await deliver(OLD_SECRET)).status).toBe(200);
      await putSecret(env.CREDVEND_WEBHOOK_SECRETS_ARN, NEW_SECRET);
      now += SECRET_TTL_MS - 1_000;
      expect((await deliver(NEW_SECRET)).status).toBe(401);
      expect((await deliver(OLD_SECRET)).status).toBe(200);
      now += 1_000;
      expect((await deliver(NEW_SECRET)).status).toBe(200);
      expect((await deliver(OLD_SECRET)).status).toBe(401);
    });

    it("a secret that cannot be read still fails the cold start", async () => {
      const env = {
        CREDVEND_LEDGER_TABLE: "unused",
        CREDVEND_WEBHOOK_SECRETS_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:missing-AbCdEf",
      };
      await expect(refreshingApp(env, (resolved) => loadWebhooksConfig(resolved), { secretsManager: sm, clock })).rejects.toThrow(
        /CREDVEND_WEBHOOK_SECRETS_ARN/,
      );
    });
  });
});
