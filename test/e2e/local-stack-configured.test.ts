// `npm start`'s stack configured the way a developer would: CREDVEND_AWS_ROLE_ARN plus AWS
// credentials, with the SDK's own AWS_ENDPOINT_URL_STS pointing at a local STS; GITHUB_APP_ID,
// GITHUB_APP_PRIVATE_KEY and GITHUB_API_URL pointing at a local GitHub API. Real clients end to end.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromHttp } from "@aws-sdk/credential-providers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";
import { startFakeSts, type FakeSts } from "../support/fake-sts.js";
import { runCli } from "../support/capture-output.js";

const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");
const ROLE = "arn:aws:iam::123456789012:role/credvend-ci";

let stack: LocalStack;
let sts: FakeSts;
let github: FakeGitHubApi;
const saved = { ...process.env };

beforeAll(async () => {
  sts = await startFakeSts();
  github = await startFakeGitHubApi();
  Object.assign(process.env, {
    CREDVEND_AWS_ROLE_ARN: ROLE,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ACCESS_KEY_ID: "AKIDDEVELOPER",
    AWS_SECRET_ACCESS_KEY: "developer-secret",
    AWS_REGION: "eu-west-1",
    GITHUB_APP_ID: github.appId,
    GITHUB_APP_PRIVATE_KEY: github.privateKey,
    GITHUB_API_URL: github.url,
  });
  stack = await startLocalStack({ port: 0, policyYaml, logger: silentLogger, keyDir: mkdtempSync(join(tmpdir(), "credvend-configured-")) });
});
afterAll(async () => {
  await stack?.close();
  await sts?.close();
  await github?.close();
  process.env = { ...saved };
});

const devToken = () =>
  stack.issuer.mint({
    ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }),
    repository: "acme/web",
    ref: "refs/heads/main",
    audience: "credvend",
  });

async function vend(body: unknown) {
  const response = await fetch(`${stack.url}/v1/vend`, {
    method: "POST",
    headers: { authorization: `Bearer ${await devToken()}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } },
  };
}

describe("local stack with AWS and a GitHub App configured", () => {
  it("credvend doctor reports aws-sts and github configured (Describe said so), exit 0", async () => {
    const run = await runCli(["doctor", "--url", stack.url, "--json"]);
    expect(run.code).toBe(0);
    const { findings } = JSON.parse(run.out) as { findings: { level: string; what: string }[] };
    for (const worker of ["local-tokens (local)", "aws-sts (aws)", "github (github)"])
      expect(findings).toContainEqual({ level: "ok", what: `worker ${worker}: verified, configured` });
  });

  it("the AWS SDK's fromHttp gets STS credentials through the container-credentials endpoint", async () => {
    const scope = "aws:s3-write:acme-web-assets/builds/*";
    const credentials = await fromHttp({
      awsContainerCredentialsFullUri: `${stack.url}/v1/aws/container-credentials?scope=${encodeURIComponent(scope)}&ttlSeconds=900`,
      awsContainerAuthorizationToken: await devToken(),
    })();
    const sent = sts.requests.at(-1)!;
    expect(sent).toMatchObject({ Action: "AssumeRole", RoleArn: ROLE, DurationSeconds: "900", SourceIdentity: "acme" });
    expect(JSON.parse(sent.Policy!).Statement).toEqual([
      {
        Sid: "S3Write",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: ["arn:aws:s3:::acme-web-assets/builds/*"],
      },
    ]);
    expect(credentials.accessKeyId).toBe(sts.issued.at(-1)!.accessKeyId);
    const record = await stack.ledger.findByTokenHash(tokenHash(credentials.secretAccessKey));
    expect(record).toMatchObject({ provider: "aws", worker: "aws-sts", scopes: [scope], credentialId: sent.RoleSessionName });
  });

  it("POST /v1/vend mints one narrowed GitHub token, recorded by hash", async () => {
    const { status, body } = await vend({
      scopes: ["github:contents-read:acme/web", "github:pull-requests-write:acme/web"],
      ttlSeconds: 3600,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ provider: "github", credential: { token: github.nextToken } });
    expect(github.requests.at(-1)).toEqual({
      method: "POST",
      path: "/app/installations/77/access_tokens",
      body: { repositories: ["web"], permissions: { contents: "read", pull_requests: "write" } },
    });
    expect(await stack.ledger.findByTokenHash(tokenHash(github.nextToken))).toMatchObject({ provider: "github", worker: "github" });
  });

  it("a repository outside the App's installation → 400 quoting GitHub, nothing vended", async () => {
    github.installations.get("acme")!.repositories.splice(0, 1, "api-only");
    try {
      const { status, body } = await vend({ scopes: ["github:contents-read:acme/web"], ttlSeconds: 3600 });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({
        code: "invalid_scope",
        message: expect.stringContaining("not accessible to the parent installation"),
      });
    } finally {
      github.installations.get("acme")!.repositories.splice(0, 1, "web");
    }
  });

  it("STS hanging → 503 worker_unavailable within the vend deadline (the STS client's own timeouts), nothing vended", async () => {
    sts.hang = true;
    try {
      const before = sts.requests.length;
      const { status, body } = await vend({ scopes: ["aws:s3-read:acme-web-assets"], ttlSeconds: 900 });
      expect(status).toBe(503);
      expect(body.error).toMatchObject({ code: "worker_unavailable", message: expect.stringContaining("AWS STS is unavailable") });
      expect(sts.requests.length - before).toBe(2);
    } finally {
      sts.hang = false;
    }
  });

  it("GitHub down → 503 with Retry-After", async () => {
    github.tokenFailures.push({ status: 502 });
    const response = await fetch(`${stack.url}/v1/vend`, {
      method: "POST",
      headers: { authorization: `Bearer ${await devToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ scopes: ["github:contents-read:acme/web"], ttlSeconds: 3600 }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
  });
});
