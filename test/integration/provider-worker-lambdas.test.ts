// The provider workers' Lambda entries as a Function URL calls them: the real gRPC-web client
// over a payload-2.0 event. Secrets Manager is aws-sdk-client-mock (the SDK boundary); GitHub is
// the local stand-in through GITHUB_API_URL.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { GrpcWebPluginClient } from "../../functions/adapters/plugins/grpc-web-plugin-client.js";
import type { WorkerError } from "../../functions/core/errors.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import type { PluginLambdaHandler } from "../../plugin-workers/sdk/index.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";
import { VEND_ROLE_ARN, viaLambda } from "../unit/plugin-sdk-lambda-fetch.js";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:credvend/test/github-app-private-key";
const secrets = mockClient(SecretsManagerClient);
let github: FakeGitHubApi;
const saved = { ...process.env };

beforeAll(async () => {
  github = await startFakeGitHubApi();
});
afterAll(async () => github?.close());
afterEach(() => {
  secrets.reset();
  process.env = { ...saved };
  vi.restoreAllMocks();
});

/** A fresh cold start of the entry module with this environment. */
async function coldStart(path: string, env: Record<string, string>, caller?: string): Promise<GrpcWebPluginClient> {
  Object.assign(process.env, { CREDVEND_ALLOWED_CALLERS: JSON.stringify([VEND_ROLE_ARN]) }, env);
  vi.resetModules();
  const { handler } = (await import(path)) as { handler: PluginLambdaHandler };
  const fetch = caller === undefined ? viaLambda(handler, { base64: [] }) : viaLambda(handler, { base64: [] }, caller);
  return new GrpcWebPluginClient({ name: "worker", baseUrl: "https://abc.lambda-url.eu-west-1.on.aws", fetch, maxRetries: 0 });
}

async function vend(client: GrpcWebPluginClient, scope: string, ttlSeconds: number) {
  const request = { scopes: [parseScope(scope)], subject: { repository: "acme/web", actor: "octocat" }, ttlSeconds };
  const prepared = await client.prepare(request);
  return client.vend({ ...request, credentialId: "8b5f3c1e-0000-4000-8000-000000000001", serialized: prepared.serialized!.serialized });
}

describe("github worker Lambda", () => {
  const env = () => ({ GITHUB_APP_ID: github.appId, GITHUB_APP_PRIVATE_KEY_SECRET_ARN: SECRET_ARN, GITHUB_API_URL: github.url });

  it("reads the App key from Secrets Manager once and mints tokens", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: github.privateKey });
    const client = await coldStart("../../plugin-workers/github/lambda.js", env());
    const result = await vend(client, "github:contents-read:acme/web", 3600);
    expect(result.credential).toEqual({ token: github.nextToken });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it("with the deploy's placeholder secret, describes and validates, and a vend is 503 not configured", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "kX9v2placeholderGeneratedByCloudFormation" });
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const client = await coldStart("../../plugin-workers/github/lambda.js", env());
    expect((await client.describe()).name).toBe("github");
    const error = await vend(client, "github:contents-read:acme/web", 3600).catch((e: unknown) => e);
    expect((error as WorkerError).kind).toBe("unavailable");
    expect((error as WorkerError).message).toContain("not configured");
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining("holds no PEM yet"));
  });
});

describe("aws-sts worker Lambda", () => {
  it("describes and validates with its configuration; a bad role ARN fails the cold start loudly", async () => {
    const client = await coldStart("../../plugin-workers/aws-sts/lambda.js", {
      CREDVEND_AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/credvend-vended",
      AWS_REGION: "eu-west-1",
    });
    expect(await client.describe()).toMatchObject({ name: "aws-sts", providers: ["aws"] });
    const [validation] = await client.validate([parseScope("aws:s3-write:*")]);
    expect(validation).toMatchObject({ valid: false });
    await expect(coldStart("../../plugin-workers/aws-sts/lambda.js", { CREDVEND_AWS_ROLE_ARN: "not-an-arn" })).rejects.toThrow(
      /CREDVEND_AWS_ROLE_ARN/,
    );
  });
});

describe("workers mint credentials for any caller: the deployed entries read CREDVEND_ALLOWED_CALLERS", () => {
  const STS_ENV = { CREDVEND_AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/credvend-vended", AWS_REGION: "eu-west-1" };
  const refusedWith = async (promise: Promise<unknown>) => ((await promise.catch((e: unknown) => e)) as WorkerError).message;

  it.each(["aws-sts", "github"])("%s: an admin session of the same account is refused, nothing reaches the worker", async (name) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: github.privateKey });
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const env =
      name === "aws-sts"
        ? STS_ENV
        : { GITHUB_APP_ID: github.appId, GITHUB_APP_PRIVATE_KEY_SECRET_ARN: SECRET_ARN, GITHUB_API_URL: github.url };
    const client = await coldStart(`../../plugin-workers/${name}/lambda.js`, env, "arn:aws:sts::123456789012:assumed-role/Admin/mallory");
    const minted = github.requests.length;
    expect(await refusedWith(vend(client, name === "aws-sts" ? "aws:s3-read:bucket" : "github:contents-read:acme/web", 3600))).toContain(
      "accepts calls from the credvend core only",
    );
    expect(github.requests.length).toBe(minted);
    expect(console.warn).toHaveBeenCalledWith(
      expect.stringContaining("refused Prepare from arn:aws:sts::123456789012:assumed-role/Admin/mallory"),
    );
  });

  it("a worker deployed without allowed callers refuses even the core (fail closed)", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const client = await coldStart("../../plugin-workers/aws-sts/lambda.js", { ...STS_ENV, CREDVEND_ALLOWED_CALLERS: "" });
    expect(await refusedWith(client.describe())).toContain("accepts calls from the credvend core only");
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining("no allowed callers are configured"));
  });
});
