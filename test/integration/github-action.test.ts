// action.yml run as the runner runs a composite step: its `env:` expressions resolved from the
// inputs, its script under `bash -eo pipefail`, GITHUB_ACTION_PATH at the repository, and the
// job's OIDC token from a local stand-in for the Actions endpoint. The vend API behind it is the
// real app with the aws-sts worker and a local STS.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsVendServer, type AwsVendServer } from "../support/aws-vend-server.js";
import { startFakeActionsOidc, type FakeActionsOidc } from "../support/fake-actions-oidc.js";
import { parseGitHubFile } from "../support/github-files.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

interface ActionStep {
  id?: string;
  shell: string;
  run: string;
  env?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as Action;
const vendStep = action.runs.steps.find((s) => s.id === "vend")!;

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

/** Resolves `${{ inputs.x }}` as the runner does: the given value, else the input's default. */
function stepEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(vendStep.env ?? {}).map(([name, expression]) => {
      const input = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(expression)?.[1];
      if (!input || !(input in action.inputs)) throw new Error(`unexpected expression ${expression}`);
      return [name, inputs[input] ?? action.inputs[input]!.default ?? ""];
    }),
  );
}

async function runStep(inputs: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "credvend-action-"));
  const files = { env: join(dir, "env"), output: join(dir, "output"), script: join(dir, "step.sh") };
  writeFileSync(files.script, vendStep.run);
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_ENV: files.env,
    GITHUB_OUTPUT: files.output,
    ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
    ...stepEnv(inputs),
  };
  const result = await run("bash", ["--noprofile", "--norc", "-eo", "pipefail", files.script], { env, cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
  const read = (path: string) => (existsSync(path) ? parseGitHubFile(readFileSync(path, "utf8")) : {});
  return { ...result, env: read(files.env), outputs: read(files.output), dir };
}

describe("action.yml", () => {
  it("declares the inputs and outputs the README documents", () => {
    expect(action.runs.using).toBe("composite");
    expect(Object.keys(action.inputs)).toEqual(["url", "scopes", "audience", "format", "ttl-seconds"]);
    expect(action.inputs.url!.required && action.inputs.scopes!.required).toBe(true);
    expect(Object.keys(action.outputs)).toEqual(["credential-id", "expires-at", "credential"]);
    // Every output reads a step output the CLI writes.
    for (const output of Object.values(action.outputs))
      expect(output.value).toMatch(/^\$\{\{ steps\.vend\.outputs\.(credential-id|expires-at|credential) \}\}$/);
    // No input is pasted into a script.
    for (const step of action.runs.steps) expect(step.run).not.toContain("${{ inputs.");
  });

  it("the workflows in the READMEs use only inputs the action has, and every required one", () => {
    const docs = ["README.md", "cli/README.md"].map((file) => readFileSync(join(ROOT, file), "utf8"));
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
    const step = await runStep({
      url: stack.url,
      scopes: "aws:s3-read:acme-web-assets\naws:s3-write:acme-web-assets/builds/*",
      "ttl-seconds": "900",
    });
    expect(step.code).toBe(0);
    const issued = stack.sts.issued.at(-1)!;
    const secrets = [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken];
    // The worker's analysis reaches the log as a note; no secret ever goes to stderr.
    expect(step.stderr).toContain('note: aws:s3-read:acme-web-assets: covers the whole bucket "acme-web-assets"');
    for (const secret of secrets) expect(step.stderr).not.toContain(secret);
    expect(step.stdout.split("\n").slice(0, 3)).toEqual(secrets.map((s) => `::add-mask::${s}`));
    expect([step.env.AWS_ACCESS_KEY_ID, step.env.AWS_SECRET_ACCESS_KEY, step.env.AWS_SESSION_TOKEN]).toEqual(secrets);
    expect(step.outputs["credential-id"]).toBe(step.env.CREDVEND_CREDENTIAL_ID);
    expect(step.outputs["expires-at"]).toBe(issued.expiration);
    expect(stack.sts.requests.at(-1)?.DurationSeconds).toBe("900");
  });

  it("github-output: the credential as a masked JSON output", async () => {
    const step = await runStep({ url: stack.url, scopes: "aws:s3-read:acme-web-assets", format: "github-output" });
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

  it("fails the step with credvend's message, and an input cannot run shell", async () => {
    const marker = join(tmpdir(), `credvend-injected-${process.pid}`);
    const step = await runStep({ url: stack.url, scopes: `aws:s3-read:$(touch ${marker})` });
    expect(step.code).toBe(4);
    expect(step.stderr).toContain("400 invalid_scope");
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a format the action does not support", async () => {
    const step = await runStep({ url: stack.url, scopes: "aws:s3-read:acme-web-assets", format: "json" });
    expect(step.code).toBe(2);
    expect(step.stdout).toContain("::error::credvend: format must be github-env or github-output");
  });
});
