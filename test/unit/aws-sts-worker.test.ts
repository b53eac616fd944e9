// aws-sts through the real gRPC-web client and SDK harness; STS itself is aws-sdk-client-mock at
// the SDK boundary, so the exact AssumeRole input is what is asserted.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { WorkerError } from "../../functions/core/errors.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { loadAwsStsConfig, type AwsStsConfig } from "../../plugin-workers/aws-sts/config.js";
import { ConfigError } from "../../plugin-workers/sdk/index.js";
import { MAX_SESSION_POLICY_CHARS } from "../../plugin-workers/aws-sts/session-policy.js";
import { createAwsStsWorker } from "../../plugin-workers/aws-sts/worker.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";

const ROLE = "arn:aws:iam::123456789012:role/credvend-ci";
const DEPLOY_ROLE = "arn:aws:iam::123456789012:role/deployer";
const CONFIG: AwsStsConfig = { defaultRoleArn: ROLE, roles: { deployer: DEPLOY_ROLE }, maxSessionSeconds: 3600, region: "eu-west-1" };
const SUBJECT = { repository: "acme/web", ref: "refs/heads/main", run_id: "4242", actor: "dependabot[bot]" };
const CREDENTIAL_ID = "5b0c7d9e-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
const EXPIRATION = new Date("2030-01-01T01:00:00Z");

const stsMock = mockClient(STSClient);
afterEach(() => stsMock.reset());

/** STS's answer; `assumedRoleArn: null` leaves AssumedRoleUser out. */
function answerAssumeRole(assumedRoleArn: string | null = `arn:aws:sts::123456789012:assumed-role/credvend-ci/${CREDENTIAL_ID}`) {
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "ASIAEXAMPLEKEY000001",
      SecretAccessKey: "secret/EXAMPLE+key",
      SessionToken: "FwoGZXIvYXdzEXAMPLE",
      Expiration: EXPIRATION,
    },
    ...(assumedRoleArn === null ? {} : { AssumedRoleUser: { Arn: assumedRoleArn, AssumedRoleId: `AROAEXAMPLE:${CREDENTIAL_ID}` } }),
  });
}

function setup(config: AwsStsConfig = CONFIG, withSts = true) {
  const client = inMemoryWorkerClient(createAwsStsWorker({ config, ...(withSts ? { sts: new STSClient({ region: "us-east-1" }) } : {}) }), {
    maxRetries: 0,
  });
  const vend = async (scopes: string[], ttlSeconds = 900) => {
    const request = { scopes: scopes.map(parseScope), subject: SUBJECT, ttlSeconds };
    const prepared = await client.prepare(request);
    return client.vend({ ...request, credentialId: CREDENTIAL_ID, serialized: prepared.serialized!.serialized });
  };
  return { client, vend };
}

function sentInput() {
  const calls = stsMock.commandCalls(AssumeRoleCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input;
}

describe("aws-sts validate", () => {
  const cases: { scope: string; error?: RegExp }[] = [
    { scope: "aws:s3-read:acme-web-assets" },
    { scope: "aws:s3-read:acme.web.assets/builds/*" },
    { scope: "aws:s3-write:acme-web-assets/builds/*" },
    { scope: "aws:s3-read:*" },
    { scope: "aws:dynamodb-read:Orders_2024" },
    { scope: "aws:dynamodb-write:orders" },
    { scope: "aws:role:deployer" },
    { scope: "aws:s3-write:*", error: /write access to every bucket/ },
    { scope: "aws:dynamodb-write:*", error: /write access to every table/ },
    { scope: "aws:s3-read:acme-*", error: /wildcards in bucket names/ },
    { scope: "aws:s3-read:Acme_Bucket", error: /invalid S3 bucket name/ },
    { scope: "aws:s3-read:ab", error: /invalid S3 bucket name/ },
    { scope: "aws:s3-read:192.168.1.1", error: /invalid S3 bucket name/ },
    { scope: "aws:s3-read:a..b", error: /invalid S3 bucket name/ },
    { scope: "aws:s3-read:bucket/a*b", error: /only at the end/ },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, literally
    { scope: "aws:s3-read:bucket/${aws:username}", error: /policy variables/ },
    { scope: "aws:dynamodb-read:t", error: /invalid DynamoDB table name/ },
    { scope: "aws:dynamodb-read:orders*", error: /wildcards in table names/ },
    { scope: "aws:role:admin", error: /role "admin" is not configured/ },
    { scope: "aws:ec2-admin:anything", error: /unknown action "ec2-admin"/ },
  ];
  for (const { scope, error } of cases) {
    it(`${error ? "rejects" : "accepts"} ${scope}`, async () => {
      const [result] = await setup().client.validate([parseScope(scope)]);
      expect(result!.valid).toBe(!error);
      if (error) expect(result!.error).toMatch(error);
    });
  }

  it("warns about broad scopes", async () => {
    const analyses = await setup().client.analyze({
      scopes: ["aws:s3-read:*", "aws:s3-read:bucket", "aws:s3-read:bucket/x/*"].map(parseScope),
      subject: SUBJECT,
      ttlSeconds: 900,
    });
    expect(analyses.map((a) => a.risk)).toEqual(["high", "low", "low"]);
    expect(analyses[0]!.warnings[0]).toContain("every resource");
    expect(analyses[1]!.warnings[0]).toContain("whole bucket");
    expect(analyses[2]!.warnings).toEqual([]);
  });
});

describe("aws-sts serialize", () => {
  it("builds a minimal session policy: objects under the prefix, listing only under it", async () => {
    const prepared = await setup().client.prepare({
      scopes: ["aws:s3-write:acme-web-assets/builds/*", "aws:s3-read:acme-web-assets/builds/*", "aws:dynamodb-read:orders"].map(parseScope),
      subject: SUBJECT,
      ttlSeconds: 900,
    });
    const assumption = JSON.parse(new TextDecoder().decode(prepared.serialized!.serialized)) as { role: string; policy: string };
    expect(assumption.role).toBe("default");
    expect(JSON.parse(assumption.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "S3Read",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:GetObjectVersion"],
          Resource: ["arn:aws:s3:::acme-web-assets/builds/*"],
        },
        {
          Sid: "S3ListPrefix0",
          Effect: "Allow",
          Action: ["s3:ListBucket"],
          Resource: ["arn:aws:s3:::acme-web-assets"],
          Condition: { StringLike: { "s3:prefix": ["builds/*"] } },
        },
        {
          Sid: "S3Write",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
          Resource: ["arn:aws:s3:::acme-web-assets/builds/*"],
        },
        {
          Sid: "DynamoDbRead",
          Effect: "Allow",
          Action: expect.arrayContaining(["dynamodb:GetItem", "dynamodb:Query"]),
          Resource: [
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/*",
          ],
        },
      ],
    });
    expect(JSON.stringify(JSON.parse(assumption.policy))).not.toContain("dynamodb:PutItem");
  });

  it(`refuses a set whose policy would exceed ${MAX_SESSION_POLICY_CHARS} characters`, async () => {
    const scopes = Array.from({ length: 20 }, (_, i) => `aws:dynamodb-write:table-with-a-long-name-number-${i}`);
    const error = await setup()
      .client.prepare({ scopes: scopes.map(parseScope), subject: SUBJECT, ttlSeconds: 900 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).code).toBe("invalid_scope");
    expect((error as WorkerError).message).toMatch(/over STS's limit of 2048/);
  });

  it("refuses a role mixed with other scopes", async () => {
    const error = await setup()
      .client.prepare({ scopes: ["aws:role:deployer", "aws:s3-read:bucket"].map(parseScope), subject: SUBJECT, ttlSeconds: 900 })
      .catch((e: unknown) => e);
    expect((error as WorkerError).message).toMatch(/must be requested alone/);
  });

  it("without session revocation, refuses a TTL below STS's 900 s minimum instead of widening it", async () => {
    const error = await setup()
      .client.prepare({ scopes: [parseScope("aws:s3-read:bucket")], subject: SUBJECT, ttlSeconds: 600 })
      .catch((e: unknown) => e);
    expect((error as WorkerError).code).toBe("invalid_scope");
    expect((error as WorkerError).message).toMatch(/at least 900s and this worker cannot revoke them early .*, but 600s was granted/);
  });
});

describe("aws-sts vend", () => {
  it("calls AssumeRole with the session policy, duration, session name, source identity and tags", async () => {
    answerAssumeRole();
    const { client } = setup();
    const request = { scopes: [parseScope("aws:s3-read:acme-web-assets")], subject: SUBJECT, ttlSeconds: 1200 };
    const prepared = await client.prepare(request);
    const result = await client.vend({ ...request, credentialId: CREDENTIAL_ID, serialized: prepared.serialized!.serialized });
    const policy = JSON.parse(new TextDecoder().decode(prepared.serialized!.serialized)).policy as string;
    expect(sentInput()).toEqual({
      RoleArn: ROLE,
      RoleSessionName: CREDENTIAL_ID,
      DurationSeconds: 1200,
      Policy: policy,
      SourceIdentity: "dependabot_bot_",
      Tags: [
        { Key: "credvend:repository", Value: "acme/web" },
        { Key: "credvend:run_id", Value: "4242" },
        { Key: "credvend:actor", Value: "dependabot_bot_" },
      ],
    });
    expect(result.credential).toEqual({
      accessKeyId: "ASIAEXAMPLEKEY000001",
      secretAccessKey: "secret/EXAMPLE+key",
      sessionToken: "FwoGZXIvYXdzEXAMPLE",
    });
    expect(result.expiresAt.toISOString()).toBe(EXPIRATION.toISOString());
    expect(result.revocable).toBe(false);
    expect(JSON.parse(result.upstreamRef)).toEqual({
      roleArn: ROLE,
      sessionName: CREDENTIAL_ID,
      assumedRoleArn: `arn:aws:sts::123456789012:assumed-role/credvend-ci/${CREDENTIAL_ID}`,
      assumedRoleId: `AROAEXAMPLE:${CREDENTIAL_ID}`,
    });
    expect(result.upstreamRef).not.toContain("secret");
    expect(result.notes).toEqual([]);
  });

  it("assumes a configured role as is, with no session policy", async () => {
    answerAssumeRole();
    await setup().vend(["aws:role:deployer"]);
    const input = sentInput();
    expect(input.RoleArn).toBe(DEPLOY_ROLE);
    expect(input).not.toHaveProperty("Policy");
  });

  it("clamps a TTL over the role-chaining limit and says so", async () => {
    answerAssumeRole();
    const result = await setup().vend(["aws:s3-read:bucket"], 7200);
    expect(sentInput().DurationSeconds).toBe(3600);
    expect(result.notes[0]).toMatch(/clamped from 7200s to 3600s.*role chaining/);
  });

  it("refuses serialized bytes that do not match the scopes", async () => {
    answerAssumeRole();
    const { client } = setup();
    const wide = await client.prepare({ scopes: [parseScope("aws:s3-read:*")], subject: SUBJECT, ttlSeconds: 900 });
    const error = await client
      .vend({
        scopes: [parseScope("aws:s3-read:bucket")],
        subject: SUBJECT,
        ttlSeconds: 900,
        credentialId: CREDENTIAL_ID,
        serialized: wide.serialized!.serialized,
      })
      .catch((e: unknown) => e);
    expect((error as WorkerError).message).toMatch(/does not match/);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  const failures = [
    { name: "AccessDenied", kind: "upstream_failed" },
    { name: "Throttling", kind: "unavailable" },
    { name: "PackedPolicyTooLarge", kind: "invalid_request" },
    { name: "InternalFailure", kind: "unavailable", status: 500 },
    { name: "CredentialsProviderError", kind: "unavailable", message: "no AWS credentials of its own" },
    { name: "ExpiredTokenException", kind: "upstream_failed", message: "check the role's trust policy" },
  ];
  for (const { name, kind, status, message } of failures) {
    it(`maps STS ${name} to a ${kind} worker error without secrets`, async () => {
      const error = Object.assign(new Error(`${name}: not authorized for AKIDWORKERSECRET`), {
        name,
        $metadata: { httpStatusCode: status ?? 400 },
      });
      stsMock.on(AssumeRoleCommand).rejects(error);
      const caught = await setup()
        .vend(["aws:s3-read:bucket"])
        .catch((e: unknown) => e);
      expect(caught).toBeInstanceOf(WorkerError);
      expect((caught as WorkerError).kind).toBe(kind);
      // The caller sees our message, never the SDK's (which may name keys or accounts).
      expect((caught as WorkerError).message).not.toContain("AKIDWORKERSECRET");
      if (message) expect((caught as WorkerError).message).toContain(message);
    });
  }

  it("without a configured role, validates but Vend answers unavailable (not configured)", async () => {
    const { client, vend } = setup({ roles: {}, maxSessionSeconds: 3600, region: "*" }, false);
    expect((await client.validate([parseScope("aws:s3-read:bucket")]))[0]!.valid).toBe(true);
    const error = await vend(["aws:s3-read:bucket"]).catch((e: unknown) => e);
    expect((error as WorkerError).kind).toBe("unavailable");
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("gives every credential field to the core, so each part is findable by hash", async () => {
    answerAssumeRole();
    const result = await setup().vend(["aws:s3-read:bucket"]);
    expect(Object.values(result.credential).map(tokenHash)).toHaveLength(3);
  });
});

describe("aws-sts manual revocation URL (the role's Revoke active sessions tab)", () => {
  const revokeSessions = (account: string, role: string) =>
    `https://console.aws.amazon.com/iam/home?account=${account}#/roles/details/${role}?section=revoke_sessions`;
  const PATH_ROLE = "arn:aws:iam::210987654321:role/ci/deploy/credvend-ci";
  const cases: { name: string; config?: AwsStsConfig; scope?: string; assumedRoleArn: string | null; url: string }[] = [
    {
      name: "a role without a path: account and role from the assumed-role ARN",
      assumedRoleArn: `arn:aws:sts::123456789012:assumed-role/credvend-ci/${CREDENTIAL_ID}`,
      url: revokeSessions("123456789012", "credvend-ci"),
    },
    {
      name: "a role with a path: the role name, not its path",
      config: { ...CONFIG, defaultRoleArn: PATH_ROLE },
      assumedRoleArn: `arn:aws:sts::210987654321:assumed-role/credvend-ci/${CREDENTIAL_ID}`,
      url: revokeSessions("210987654321", "credvend-ci"),
    },
    {
      name: "no assumed-role ARN from STS: the role ARN's account and last path segment",
      config: { ...CONFIG, defaultRoleArn: PATH_ROLE },
      assumedRoleArn: null,
      url: revokeSessions("210987654321", "credvend-ci"),
    },
    {
      name: "a configured role granted as is (aws:role:<name>)",
      scope: "aws:role:deployer",
      assumedRoleArn: `arn:aws:sts::123456789012:assumed-role/deployer/${CREDENTIAL_ID}`,
      url: revokeSessions("123456789012", "deployer"),
    },
    {
      name: "a role name with IAM's + = , @ characters: percent-encoded",
      config: { ...CONFIG, defaultRoleArn: "arn:aws:iam::123456789012:role/ci+deploy=web,x@acme" },
      assumedRoleArn: `arn:aws:sts::123456789012:assumed-role/ci+deploy=web,x@acme/${CREDENTIAL_ID}`,
      url: revokeSessions("123456789012", "ci%2Bdeploy%3Dweb%2Cx%40acme"),
    },
    {
      name: "neither ARN readable: the IAM console's roles list",
      config: { ...CONFIG, defaultRoleArn: "arn:aws:iam::123456789012:user/not-a-role" },
      assumedRoleArn: "weird",
      url: "https://console.aws.amazon.com/iam/home#/roles",
    },
  ];
  for (const { name, config, scope, assumedRoleArn, url } of cases) {
    it(name, async () => {
      answerAssumeRole(assumedRoleArn);
      const result = await setup(config).vend([scope ?? "aws:s3-read:acme-web-assets"]);
      expect(result.manualRevocationUrl).toBe(url);
    });
  }
});

describe("aws-sts config", () => {
  it("reads roles and limits from the environment", () => {
    const config = loadAwsStsConfig({
      CREDVEND_AWS_ROLE_ARN: ROLE,
      CREDVEND_AWS_ROLES: JSON.stringify({ deployer: DEPLOY_ROLE }),
      AWS_REGION: "eu-west-1",
    });
    expect(config).toEqual(CONFIG);
  });

  it.each([
    [{ CREDVEND_AWS_ROLE_ARN: "arn:aws:iam::123:user/x" }, /CREDVEND_AWS_ROLE_ARN: .* is not an IAM role ARN/],
    [{ CREDVEND_AWS_ROLES: "{" }, /CREDVEND_AWS_ROLES: not valid JSON/],
    [{ CREDVEND_AWS_ROLES: '{"x":1}' }, /CREDVEND_AWS_ROLES.x: must be a role ARN/],
    [{ CREDVEND_AWS_MAX_SESSION_SECONDS: "60" }, /CREDVEND_AWS_MAX_SESSION_SECONDS/],
  ])("refuses %j", (env, message) => {
    expect(() => loadAwsStsConfig(env)).toThrow(ConfigError);
    expect(() => loadAwsStsConfig(env)).toThrow(message);
  });
});

describe("aws-sts configuration, as Describe reports it before any vend", () => {
  const describeWith = (config: AwsStsConfig, sts?: STSClient) =>
    inMemoryWorkerClient(createAwsStsWorker({ config, ...(sts ? { sts } : {}) })).describe();
  const withCredentials = (found: boolean) =>
    new STSClient({
      region: "us-east-1",
      credentials: async () => {
        if (!found) throw new Error("Could not load credentials from any providers");
        return { accessKeyId: "AKIDWORKER", secretAccessKey: "worker-secret" };
      },
    });

  it("no role: not configured, naming CREDVEND_AWS_ROLE_ARN (the role is not printed: there is none)", async () => {
    const { defaultRoleArn: _none, ...withoutRole } = CONFIG;
    const { configuration } = await describeWith({ ...withoutRole, roles: {} }, withCredentials(true));
    expect(configuration).toEqual({ configured: false, missing: expect.stringContaining("CREDVEND_AWS_ROLE_ARN") });
  });

  it("a role but no AWS credentials for the worker: not configured, naming the credentials, never a value", async () => {
    const { configuration } = await describeWith(CONFIG, withCredentials(false));
    expect(configuration).toEqual({ configured: false, missing: expect.stringContaining("AWS credentials") });
    expect(JSON.stringify(configuration)).not.toContain(ROLE);
  });

  it("a role and credentials: configured", async () => {
    expect((await describeWith(CONFIG, withCredentials(true))).configuration).toEqual({ configured: true });
  });
});
