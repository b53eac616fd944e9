import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../plugin-workers/sdk/env.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { composeWebhooksApp } from "../../functions/webhooks/compose.js";
import { resolveSecretEnv } from "../../functions/leak-response/secret-env.js";
import { loadWebhooksConfig } from "../../functions/webhooks/webhooks-config.js";

const BASE = { CREDVEND_LEDGER_TABLE: "ledger", CREDVEND_WEBHOOK_SECRETS: "first-secret-0123456789\nsecond-secret-0123456789" };

describe("loadWebhooksConfig", () => {
  it("reads several webhook secrets, one per line or comma-separated, and defaults GitHub to api.github.com", () => {
    const config = loadWebhooksConfig(BASE);
    expect(config.webhookSecrets).toEqual(["first-secret-0123456789", "second-secret-0123456789"]);
    expect(
      loadWebhooksConfig({ ...BASE, CREDVEND_WEBHOOK_SECRETS: "a-secret-0123456789,b-secret-0123456789" }).webhookSecrets,
    ).toHaveLength(2);
    expect(config.githubApiUrl).toBe("https://api.github.com");
    expect(config.githubAuth).toBeUndefined();
    expect(config.watchesRepository).toBeUndefined();
  });

  it("picks App auth over a token, and a watched-repository list of globs", () => {
    const config = loadWebhooksConfig({
      ...BASE,
      CREDVEND_GITHUB_APP_ID: "42",
      CREDVEND_GITHUB_APP_PRIVATE_KEY: "-----BEGIN…",
      CREDVEND_GITHUB_TOKEN: "t",
      CREDVEND_WATCHED_REPOSITORIES: "acme/*, other/web",
    });
    expect(config.githubAuth).toEqual({ kind: "app", appId: "42", privateKey: "-----BEGIN…" });
    expect(["acme/web", "other/web", "other/api", "evil/acme/x"].map(config.watchesRepository!)).toEqual([true, true, false, false]);
  });

  it.each([
    { case: "no ledger table", env: { CREDVEND_WEBHOOK_SECRETS: "x".repeat(20) }, error: "CREDVEND_LEDGER_TABLE" },
    { case: "no webhook secret", env: { CREDVEND_LEDGER_TABLE: "l" }, error: "CREDVEND_WEBHOOK_SECRETS" },
    { case: "a short webhook secret", env: { ...BASE, CREDVEND_WEBHOOK_SECRETS: "short" }, error: "CREDVEND_WEBHOOK_SECRETS" },
    { case: "a GitHub URL that is not http(s)", env: { ...BASE, GITHUB_API_URL: "ftp://x" }, error: "GITHUB_API_URL" },
    { case: "an App id without a key", env: { ...BASE, CREDVEND_GITHUB_APP_ID: "42" }, error: "CREDVEND_GITHUB_APP_PRIVATE_KEY" },
    { case: "a bad repository glob", env: { ...BASE, CREDVEND_WATCHED_REPOSITORIES: "acme/**" }, error: "CREDVEND_WATCHED_REPOSITORIES" },
  ])("$case: a ConfigError naming $error", ({ env, error }) => {
    expect(() => loadWebhooksConfig(env)).toThrow(ConfigError);
    expect(() => loadWebhooksConfig(env)).toThrow(error);
  });

  it("a short webhook secret is refused by name and never printed", () => {
    const short = "fifteen-chars-x";
    expect(() => loadWebhooksConfig({ ...BASE, CREDVEND_WEBHOOK_SECRETS: `first-secret-0123456789\n${short}` })).toThrow(
      new ConfigError("CREDVEND_WEBHOOK_SECRETS: each secret must be at least 16 characters"),
    );
  });

  it("sends alerts to the SNS topic when one is set, and signs worker calls for AWS_REGION (default us-east-1)", () => {
    expect(loadWebhooksConfig(BASE)).toMatchObject({ awsRegion: "us-east-1" });
    expect(loadWebhooksConfig(BASE).snsTopicArn).toBeUndefined();
    expect(
      loadWebhooksConfig({ ...BASE, CREDVEND_SNS_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:alerts", AWS_REGION: "eu-west-1" }),
    ).toMatchObject({
      snsTopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts",
      awsRegion: "eu-west-1",
    });
  });
});

describe("resolveSecretEnv (Secrets Manager at the SDK boundary)", () => {
  const client = () => new SecretsManagerClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });

  it("reads the webhook secrets and the App key from their ARNs", async () => {
    const sm = client();
    const mock = mockClient(sm);
    mock.on(GetSecretValueCommand).rejects(new Error("unexpected"));
    mock.on(GetSecretValueCommand, { SecretId: "arn:webhook" }).resolves({ SecretString: "generated-secret-0123456789" });
    mock.on(GetSecretValueCommand, { SecretId: "arn:key" }).resolves({ SecretString: "-----BEGIN RSA PRIVATE KEY-----\n…" });
    const env = await resolveSecretEnv(
      {
        ...BASE,
        CREDVEND_WEBHOOK_SECRETS: undefined,
        CREDVEND_WEBHOOK_SECRETS_ARN: "arn:webhook",
        CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN: "arn:key",
        CREDVEND_GITHUB_APP_ID: "7",
      },
      sm,
    );
    expect(loadWebhooksConfig(env)).toMatchObject({
      webhookSecrets: ["generated-secret-0123456789"],
      githubAuth: { kind: "app", appId: "7" },
    });
  });

  it("leaves App auth off while the key secret is still the placeholder", async () => {
    const sm = client();
    mockClient(sm).on(GetSecretValueCommand).resolves({ SecretString: "placeholder" });
    const env = await resolveSecretEnv({ ...BASE, CREDVEND_GITHUB_APP_PRIVATE_KEY_SECRET_ARN: "arn:key", CREDVEND_GITHUB_APP_ID: "7" }, sm);
    expect(loadWebhooksConfig(env).githubAuth).toBeUndefined();
  });

  it("a secret that cannot be read is a ConfigError naming the variable", async () => {
    const sm = client();
    mockClient(sm)
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    await expect(resolveSecretEnv({ CREDVEND_WEBHOOK_SECRETS_ARN: "arn:webhook" }, sm)).rejects.toThrow(
      /CREDVEND_WEBHOOK_SECRETS_ARN.*AccessDeniedException/,
    );
  });
});

describe("composeWebhooksApp", () => {
  it("refuses a claim lease that a slow worker call could outlive", () => {
    const base = {
      ledger: new MemoryLedger(),
      notifier: { notify: async () => {} },
      webhookSecrets: ["s".repeat(20)],
      githubApiUrl: "http://github.test",
      logger: silentLogger,
    };
    expect(() => composeWebhooksApp({ ...base, workerTimeoutMs: 30_000, leaseMs: 45_000 })).toThrow(/at least twice the worker timeout/);
    expect(() => composeWebhooksApp({ ...base, workerTimeoutMs: 30_000 })).not.toThrow();
  });
});
