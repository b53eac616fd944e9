// The provider workers' Lambda configurations, read by the SDK's reader: what each lambda.ts hands
// its compose.ts, and the ConfigError that fails a misdeployed worker's cold start.
import { describe, expect, it } from "vitest";
import { loadAwsStsLambdaConfig } from "../../plugin-workers/aws-sts/config.js";
import { appCredentials, loadGitHubLambdaConfig } from "../../plugin-workers/github/config.js";
import { loadLocalTokensConfig } from "../../plugin-workers/local-tokens/config.js";
import { ConfigError } from "../../plugin-workers/sdk/index.js";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:credvend/prod/github-app-private-key-AbCdEf";

describe("local-tokens", () => {
  it("reads its table, and fails the cold start without one", () => {
    expect(loadLocalTokensConfig({ LOCAL_TOKENS_TABLE: "credvend-local-tokens" })).toEqual({
      tableName: "credvend-local-tokens",
      mode: "worker",
      allowedCallers: [],
    });
    expect(loadLocalTokensConfig({ LOCAL_TOKENS_TABLE: "t", LOCAL_TOKENS_MODE: "introspection" }).mode).toBe("introspection");
    expect(() => loadLocalTokensConfig({})).toThrow(new ConfigError("LOCAL_TOKENS_TABLE is not set"));
  });
});

describe("aws-sts on Lambda", () => {
  it("is the worker's configuration, and early revocation only when CREDVEND_AWS_REVOKE_SESSIONS is 1, with its lock table", () => {
    const role = "arn:aws:iam::123456789012:role/credvend-vended";
    const revoking = {
      CREDVEND_AWS_ROLE_ARN: role,
      CREDVEND_AWS_REVOKE_SESSIONS: "1",
      CREDVEND_AWS_LOCK_TABLE: " credvend-locks ",
      AWS_REGION: "eu-west-1",
    };
    expect(loadAwsStsLambdaConfig(revoking)).toEqual({
      worker: { defaultRoleArn: role, roles: {}, maxSessionSeconds: 3600, region: "eu-west-1" },
      revocation: { lockTable: "credvend-locks" },
      allowedCallers: [],
    });
    expect(loadAwsStsLambdaConfig({ ...revoking, CREDVEND_AWS_REVOKE_SESSIONS: "true" }).revocation).toBeUndefined();
    expect(() => loadAwsStsLambdaConfig({ CREDVEND_AWS_MAX_SESSION_SECONDS: "43201" })).toThrow(
      new ConfigError("CREDVEND_AWS_MAX_SESSION_SECONDS: a whole number of seconds from 900 to 43200"),
    );
  });

  it("refuses to revoke without the lock table: writes to a role's deny policy from several environments would race", () => {
    expect(() => loadAwsStsLambdaConfig({ CREDVEND_AWS_REVOKE_SESSIONS: "1", CREDVEND_AWS_LOCK_TABLE: " " })).toThrow(
      new ConfigError("CREDVEND_AWS_LOCK_TABLE is not set (required with CREDVEND_AWS_REVOKE_SESSIONS=1)"),
    );
  });
});

describe("github on Lambda", () => {
  it("needs the key's secret ARN; the token vault only with both its table and its key", () => {
    expect(() => loadGitHubLambdaConfig({ GITHUB_APP_ID: "42" })).toThrow(new ConfigError("GITHUB_APP_PRIVATE_KEY_SECRET_ARN is not set"));
    expect(loadGitHubLambdaConfig({ GITHUB_APP_ID: " 42 ", GITHUB_APP_PRIVATE_KEY_SECRET_ARN: SECRET_ARN })).toEqual({
      privateKeySecretArn: SECRET_ARN,
      app: { appId: "42", apiUrl: "https://api.github.com" },
      allowedCallers: [],
    });
    const vault = { GITHUB_TOKEN_VAULT_TABLE: "credvend-vault", GITHUB_TOKEN_VAULT_KMS_KEY_ID: "arn:aws:kms:eu-west-1:123456789012:key/k" };
    expect(loadGitHubLambdaConfig({ GITHUB_APP_PRIVATE_KEY_SECRET_ARN: SECRET_ARN, ...vault }).vault).toEqual({
      table: "credvend-vault",
      kmsKeyId: vault.GITHUB_TOKEN_VAULT_KMS_KEY_ID,
    });
    expect(
      loadGitHubLambdaConfig({ GITHUB_APP_PRIVATE_KEY_SECRET_ARN: SECRET_ARN, GITHUB_TOKEN_VAULT_TABLE: "credvend-vault" }).vault,
    ).toBeUndefined();
  });

  it("checks the App's id, URL and key together once the key is read, never printing the key", () => {
    const notAKey = "MIIEowIBAAKCAQEA-no-pem-header";
    expect(() => appCredentials({ appId: "42", apiUrl: "https://api.github.com" }, notAKey)).toThrow(
      new ConfigError("GitHub App private key: expected a PEM private key"),
    );
    expect(() => appCredentials({ apiUrl: "https://api.github.com" }, "-----BEGIN RSA PRIVATE KEY-----")).toThrow(
      new ConfigError("GITHUB_APP_ID: the App's numeric id is required with a private key"),
    );
    expect(() => appCredentials({ appId: "42", apiUrl: "ftp://x" }, notAKey)).toThrow(
      /^GITHUB_API_URL: "ftp:\/\/x" is not an http\(s\) URL$/,
    );
  });
});

describe("CREDVEND_ALLOWED_CALLERS on every worker's Lambda (workers mint credentials for any caller)", () => {
  const CORE = ["arn:aws:iam::123456789012:role/credvend-vend", "arn:aws:iam::123456789012:role/credvend-webhooks"];
  const loaders = [
    {
      name: "local-tokens",
      load: (env: Record<string, string>) => loadLocalTokensConfig({ LOCAL_TOKENS_TABLE: "t", ...env }).allowedCallers,
    },
    { name: "aws-sts", load: (env: Record<string, string>) => loadAwsStsLambdaConfig(env).allowedCallers },
    {
      name: "github",
      load: (env: Record<string, string>) =>
        loadGitHubLambdaConfig({ GITHUB_APP_PRIVATE_KEY_SECRET_ARN: SECRET_ARN, ...env }).allowedCallers,
    },
  ];

  it.each(loaders)(
    "$name reads the core's roles, none when unset (every gRPC call refused), and fails the cold start on a bad value",
    ({ load }) => {
      expect(load({ CREDVEND_ALLOWED_CALLERS: JSON.stringify(CORE) })).toEqual(CORE);
      expect(load({})).toEqual([]);
      expect(() => load({ CREDVEND_ALLOWED_CALLERS: '["*"]' })).toThrow(
        new ConfigError("CREDVEND_ALLOWED_CALLERS[0]: not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"),
      );
    },
  );
});
