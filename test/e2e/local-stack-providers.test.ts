// `npm start`'s stack with no AWS account and no GitHub App: the aws-sts and github workers run,
// are verified like the others, describe and validate over loopback, and a vend of aws scopes
// answers a clear 503 "not configured" — nothing crashes and nothing is recorded as vended. (The
// github worker vends from the dev GitHub stand-in's dev App: local-stack-github.test.ts.)
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { runCli } from "../support/capture-output.js";

const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");
const ALL_TIME = { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 3600_000).toISOString() };
const PROVIDER_ENV = [
  "CREDVEND_AWS_ROLE_ARN",
  "CREDVEND_AWS_ROLES",
  "GITHUB_APP_ID",
  "GITHUB_APP_PRIVATE_KEY",
  "GITHUB_APP_PRIVATE_KEY_FILE",
  "GITHUB_API_URL",
];

let stack: LocalStack;
const saved = { ...process.env };
beforeAll(async () => {
  for (const name of PROVIDER_ENV) delete process.env[name];
  stack = await startLocalStack({ port: 0, policyYaml, logger: silentLogger, keyDir: mkdtempSync(join(tmpdir(), "credvend-providers-")) });
});
afterAll(async () => {
  await stack?.close();
  process.env = { ...saved };
});

async function vend(body: unknown): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const token = await stack.issuer.mint({
    ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }),
    repository: "acme/web",
    ref: "refs/heads/main",
    audience: "credvend",
  });
  const response = await fetch(`${stack.url}/v1/vend`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
}

describe("local stack without AWS or GitHub credentials", () => {
  it("runs both workers, verified, answering Describe", async () => {
    for (const [provider, name] of [
      ["aws", "aws-sts"],
      ["github", "github"],
    ] as const) {
      const worker = await stack.plugins.forProvider(provider);
      expect(worker?.name).toBe(name);
      const described = await worker!.describe();
      expect(described).toMatchObject({ name, providers: [provider] });
      expect(described.capabilities).toEqual(expect.arrayContaining(["validate", "prepare", "vend"]));
    }
  });

  it("validates over loopback", async () => {
    const worker = await stack.plugins.forProvider("aws");
    const prepared = await worker!.prepare({
      scopes: [{ provider: "aws", action: "s3-read", resource: "Bad_Bucket" }],
      subject: {},
      ttlSeconds: 900,
    });
    expect(prepared.validations[0]).toMatchObject({ valid: false, error: expect.stringContaining("invalid S3 bucket name") });
  });

  it.each([{ provider: "aws", body: { scopes: ["aws:s3-read:acme-web-assets"], ttlSeconds: 900 }, hint: "CREDVEND_AWS_ROLE_ARN" }])(
    "a $provider vend allowed by the sample policy → 503 not configured, nothing vended",
    async ({ body, hint }) => {
      const { status, body: answer } = await vend(body);
      expect(status).toBe(503);
      expect(answer.error?.code).toBe("worker_unavailable");
      expect(answer.error?.message).toContain("not configured");
      expect(answer.error?.message).toContain(hint);
      const events = await stack.ledger.auditByTime(ALL_TIME);
      expect(events.filter((e) => e.type === "vend")).toEqual([]);
    },
  );

  it("the sample policy still denies what it does not list", async () => {
    expect((await vend({ scopes: ["aws:s3-write:acme-web-assets/*"], ttlSeconds: 900 })).status).toBe(403);
    expect((await vend({ scopes: ["github:contents-write:acme/web"], ttlSeconds: 3600 })).status).toBe(403);
    expect((await vend({ scopes: ["local:admin:billing"] })).status).toBe(403);
  });
});

describe("cli/README.md against the local stack", () => {
  const cli = runCli;

  it("credvend vend --format env with a dev token prints CREDVEND_TOKEN; an aws scope exits 5 not configured", async () => {
    process.env.CREDVEND_OIDC_TOKEN = await stack.issuer.mint({
      ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }),
      repository: "acme/web",
      ref: "refs/heads/main",
      audience: "credvend",
    });
    try {
      const local = await cli(["vend", "--url", stack.url, "--scope", "local:read:billing", "--ttl", "600", "--format", "env"]);
      expect(local.code).toBe(0);
      expect(local.out).toMatch(
        /^export CREDVEND_TOKEN='cvd_[0-9A-Za-z]{36}'\nexport CREDVEND_CREDENTIAL_ID='[0-9a-f-]{36}'\nexport CREDVEND_EXPIRES_AT='[^']+'\n$/,
      );
      const aws = await cli(["vend", "--url", stack.url, "--scope", "aws:s3-read:acme-web-assets", "--ttl", "900"]);
      expect(aws.code).toBe(5);
      expect(aws.err).toContain("503 worker_unavailable: worker aws-sts is unavailable: aws-sts is not configured");
    } finally {
      delete process.env.CREDVEND_OIDC_TOKEN;
    }
  });
});
