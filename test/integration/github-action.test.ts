// The JavaScript Action (action.yml) run as the runner runs it: the committed bundle under Node,
// INPUT_* variables, the runner's files, and the job's OIDC token from a local stand-in for the
// Actions endpoint. The vend API behind it is the real app with the aws-sts worker and a local STS.
// (test/e2e/github-action-revoke.test.ts runs main and post against the local stack.)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildActionBundle, ACTION_BUNDLE } from "../../action/build-action.js";
import { startAwsVendServer, type AwsVendServer } from "../support/aws-vend-server.js";
import { startFakeActionsOidc, type FakeActionsOidc } from "../support/fake-actions-oidc.js";
import { actionJob, actionMetadata as action, REPO_ROOT } from "../support/run-action.js";

let stack: AwsVendServer;
let oidc: FakeActionsOidc;
beforeAll(async () => {
  stack = await startAwsVendServer();
  oidc = await startFakeActionsOidc(stack.fixture);
});
afterAll(async () => {
  await oidc?.close();
  await stack?.close();
});

const job = () => actionJob({ requestUrl: oidc.requestUrl, requestToken: oidc.requestToken });

describe("action.yml", () => {
  it("is a JavaScript action on the newest Node runtime, main and post from one committed bundle", () => {
    expect(action.runs).toEqual({ using: "node24", main: "action/dist/index.mjs", post: "action/dist/index.mjs" });
    expect(Object.keys(action.inputs)).toEqual([
      "url",
      "scopes",
      "audience",
      "format",
      "ttl-seconds",
      "aws-region",
      "identity",
      "revoke-on-exit",
    ]);
    expect(action.inputs["revoke-on-exit"]?.default).toBe("true");
    expect(action.inputs.url!.required && action.inputs.scopes!.required).toBe(true);
    expect(Object.keys(action.outputs)).toEqual(["credential-id", "expires-at", "credential"]);
  });

  it("the committed bundle is exactly what its source builds (npm run build:action)", async () => {
    expect(readFileSync(ACTION_BUNDLE, "utf8")).toBe(await buildActionBundle());
    // It runs with nothing installed: only Node's own modules.
    const imports = [...readFileSync(ACTION_BUNDLE, "utf8").matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
    expect(imports.every((specifier) => specifier.startsWith("node:"))).toBe(true);
  });

  it("the workflows in the README, cli/README.md and docs/ use only inputs the action has, and every required one", () => {
    const pages = readdirSync(join(REPO_ROOT, "docs")).filter((name) => name.endsWith(".md"));
    const files = ["README.md", "cli/README.md", ...pages.map((name) => `docs/${name}`)];
    const docs = files.map((file) => readFileSync(join(REPO_ROOT, file), "utf8"));
    const blocks = docs.flatMap((text) => [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!));
    const uses: { with: Record<string, unknown> }[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === "object" && node !== null) {
        if ((node as { uses?: unknown }).uses === "your-org/credvend@main") uses.push(node as { with: Record<string, unknown> });
        Object.values(node).forEach(walk);
      }
    };
    for (const block of blocks) walk(parse(block));
    expect(uses.length).toBeGreaterThanOrEqual(3);
    for (const step of uses) {
      for (const input of Object.keys(step.with)) expect(Object.keys(action.inputs)).toContain(input);
      for (const [name, input] of Object.entries(action.inputs)) if (input.required) expect(step.with).toHaveProperty(name);
    }
  });

  it("github-env: masks the secrets and exports AWS credentials to later steps", async () => {
    const step = await job().main({
      url: stack.url,
      scopes: "aws:s3-read:acme-web-assets\naws:s3-write:acme-web-assets/builds/*",
      "ttl-seconds": "900",
    });
    expect(step.code).toBe(0);
    const issued = stack.sts.issued.at(-1)!;
    const secrets = [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken];
    expect(step.stdout).toContain('note: aws:s3-read:acme-web-assets: covers the whole bucket "acme-web-assets"');
    for (const secret of secrets) expect(step.stderr).not.toContain(secret);
    expect(step.stdout.split("\n").slice(0, 3)).toEqual(secrets.map((s) => `::add-mask::${s}`));
    expect([step.env.AWS_ACCESS_KEY_ID, step.env.AWS_SECRET_ACCESS_KEY, step.env.AWS_SESSION_TOKEN]).toEqual(secrets);
    expect(step.outputs["credential-id"]).toBe(step.env.CREDVEND_CREDENTIAL_ID);
    expect(step.outputs["expires-at"]).toBe(issued.expiration);
    expect(stack.sts.requests.at(-1)?.DurationSeconds).toBe("900");
    // What post needs, and never a secret.
    expect(JSON.parse(step.state.credvendPost!)).toEqual({
      url: stack.url,
      audience: "credvend",
      credentialIds: [step.env.CREDVEND_CREDENTIAL_ID],
    });
    for (const secret of secrets) expect(JSON.stringify(step.state)).not.toContain(secret);
  });

  it("github-output: the credential as a masked JSON output", async () => {
    const step = await job().main({ url: stack.url, scopes: "aws:s3-read:acme-web-assets", format: "github-output" });
    expect(step.code).toBe(0);
    const issued = stack.sts.issued.at(-1)!;
    expect(JSON.parse(step.outputs.credential!)).toEqual({
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
    });
    expect(step.stdout).toContain(`::add-mask::${issued.secretAccessKey}`);
    expect(step.env).toEqual({});
  });

  it("fails the step with credvend's message; an input is data, never a command", async () => {
    const marker = join(tmpdir(), `credvend-injected-${process.pid}`);
    const step = await job().main({ url: stack.url, scopes: `aws:s3-read:$(touch ${marker})` });
    expect(step.code).toBe(4);
    expect(step.stdout).toContain("::error::credvend: vend failed (400 invalid_scope");
    expect(existsSync(marker)).toBe(false);
    expect(step.state).toEqual({});
  });

  // Regression: the README's example runs `aws s3 cp` after the action, which set no region.
  it("aws-region: exports AWS_REGION and AWS_DEFAULT_REGION to later steps, like configure-aws-credentials (regression: no aws-region input)", async () => {
    const step = await job().main({ url: stack.url, scopes: "aws:s3-read:acme-web-assets", "aws-region": "eu-central-1" });
    expect(step.code).toBe(0);
    expect(step.env).toMatchObject({ AWS_REGION: "eu-central-1", AWS_DEFAULT_REGION: "eu-central-1" });
    expect(step.env.AWS_ACCESS_KEY_ID).toBe(stack.sts.issued.at(-1)!.accessKeyId);
    expect(step.stdout).toContain("credvend: AWS_REGION and AWS_DEFAULT_REGION set to eu-central-1 for later steps");
    // github-output hands the credential to this step's outputs, and still sets the region.
    const output = await job().main({
      url: stack.url,
      scopes: "aws:s3-read:acme-web-assets",
      format: "github-output",
      "aws-region": "us-gov-west-1",
    });
    expect(output.code).toBe(0);
    expect(output.env).toEqual({ AWS_REGION: "us-gov-west-1", AWS_DEFAULT_REGION: "us-gov-west-1" });
    // Without the input, no region is set.
    const none = await job().main({ url: stack.url, scopes: "aws:s3-read:acme-web-assets", format: "github-output" });
    expect(none.env).toEqual({});
  });

  it("aws-region that is not a region: a usage error before any token is asked for", async () => {
    const asked = oidc.audiences.length;
    const step = await job().main({ url: stack.url, scopes: "aws:s3-read:acme-web-assets", "aws-region": "us-east-1\nAWS_X=1" });
    expect(step.code).toBe(2);
    expect(step.stdout).toContain("::error::credvend: input aws-region: an AWS region such as us-east-1");
    expect(oidc.audiences).toHaveLength(asked);
    expect(step.env).toEqual({});
  });

  // Regression: a refusal was one log line; the run's page said nothing.
  it("a refusal is written to the job summary: scopes asked and denied, reason code, no credential, never a secret (regression: denial only in the log)", async () => {
    const running = job();
    const summary = join(running.dir, "step-summary.md");
    const scopes = "aws:s3-read:acme-web-assets aws:s3-write:other-bucket/x";
    const step = await running.main({ url: stack.url, scopes }, { GITHUB_STEP_SUMMARY: summary });
    expect(step.code).toBe(4);
    const text = readFileSync(summary, "utf8");
    expect(text).toContain("### credvend refused this job a credential");
    expect(text).toContain("| requested | `aws:s3-read:acme-web-assets`, `aws:s3-write:other-bucket/x` |");
    expect(text).toContain("| denied | `aws:s3-write:other-bucket/x` |");
    expect(text).toContain("| reason code | `scope_denied` (HTTP 403) |");
    expect(text).toContain("| why | denied by policy: aws:s3-write:other-bucket/x (no matching rule allows it) |");
    expect(text).toContain("| credential | none vended |");
    expect(text).not.toMatch(/eyJ/);
    expect(text).not.toContain(oidc.requestToken);
    expect(step.state).toEqual({});
  });

  it("a bad scope is summarized with its reason code; a refusal without GITHUB_STEP_SUMMARY still fails the step", async () => {
    const running = job();
    const summary = join(running.dir, "step-summary.md");
    const step = await running.main({ url: stack.url, scopes: "aws:s3-read" }, { GITHUB_STEP_SUMMARY: summary });
    expect(step.code).toBe(4);
    const text = readFileSync(summary, "utf8");
    expect(text).toContain("| reason code | `invalid_scope` (HTTP 400) |");
    expect(text).not.toContain("| denied |");
    const bare = await job().main({ url: stack.url, scopes: "aws:s3-write:other-bucket/x" });
    expect(bare.code).toBe(4);
  });

  it("format container takes aws scopes only: a usage error before any token is asked for", async () => {
    const asked = oidc.audiences.length;
    const step = await job().main({ url: stack.url, scopes: "github:contents-read:acme/web", format: "container" });
    expect(step.code).toBe(2);
    expect(step.stdout).toContain("::error::credvend: input scopes: format container takes aws: scopes only");
    expect(oidc.audiences).toHaveLength(asked);
    expect(step.state).toEqual({});
  });

  it("refuses a format the action does not support", async () => {
    const step = await job().main({ url: stack.url, scopes: "aws:s3-read:acme-web-assets", format: "json" });
    expect(step.code).toBe(2);
    expect(step.stdout).toContain("::error::credvend: input format: must be one of github-env, github-output, container");
  });
});
