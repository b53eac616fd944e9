// The flaw this pins: plugin-workers/aws-sts/README.md's moto recipe created no role, so revoking
// a session failed with NoSuchEntity (the revoke writes a deny policy on the role) and was retried
// forever. This runs the recipe's own lines — its exports, its `aws iam create-role` with the real
// AWS CLI, the environment of its `npm start` — against moto, then vends, revokes with
// `credvend revoke` and checks `credvend doctor` says aws-sts is configured.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { runCli } from "../support/capture-output.js";
import { motoMissing, startMotoServer, type MotoServer } from "../support/moto-server.js";

const README = readFileSync(new URL("../../plugin-workers/aws-sts/README.md", import.meta.url), "utf8");
const RECIPE_PORT = "http://127.0.0.1:5000";
const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");
const missing = motoMissing();

/** The README's sh block with `iam create-role`, one command per line (continuations joined). */
function recipe(): string[] {
  const block = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "").find((text) => text.includes("iam create-role"));
  if (!block) throw new Error("aws-sts README: no sh block with `aws iam create-role`");
  return block
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** NAME=value pairs at the start of a line (or after `export`). */
function assignments(line: string): Record<string, string> {
  return Object.fromEntries([...line.replace(/^export /, "").matchAll(/(?:^|\s)([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
}

describe.skipIf(missing !== undefined)(`aws-sts README's moto recipe, run as written${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let moto: MotoServer;
  let stack: LocalStack;
  const saved = { ...process.env };
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-moto-recipe-"));

  beforeAll(async () => {
    moto = await startMotoServer();
    const lines = recipe().map((line) => line.replaceAll(RECIPE_PORT, moto.endpoint));
    expect(lines[0]).toMatch(/^moto_server -p 5000 &$/); // started above, on a free port
    const exported = assignments(lines.find((line) => line.startsWith("export ")) ?? "");
    const createRole = lines.find((line) => line.startsWith("aws ") && line.includes("iam create-role"));
    expect(createRole).toBeDefined();
    const env = { ...process.env, ...exported };
    for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"]) delete env[name];
    await promisify(execFile)("bash", ["-c", createRole!], { env });
    const start = lines.find((line) => line.endsWith("npm start"));
    Object.assign(process.env, exported, assignments(start ?? ""));
    delete process.env.AWS_PROFILE;
    stack = await startLocalStack({ dataDir, port: 0, policyYaml, logger: silentLogger, sweepIntervalMs: 0, pollIntervalMs: 0 });
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
    await moto?.close();
    process.env = { ...saved };
  });

  it("the role exists: a vended session is revoked by `credvend revoke` (was: NoSuchEntity, retried forever)", async () => {
    const token = async (...args: string[]) =>
      (await runCli(["dev", "token", "--repository", "acme/web", "--run-id", "31337", "--data-dir", dataDir, ...args])).out.trim();
    process.env.CREDVEND_OIDC_TOKEN = await token();
    const vended = await runCli(["vend", "--url", stack.url, "--scope", "aws:s3-read:acme-web-assets", "--ttl", "900"]);
    expect(vended.code, vended.err).toBe(0);
    const { credentialId } = JSON.parse(vended.out) as { credentialId: string };
    process.env.CREDVEND_OIDC_TOKEN = await token("--run-attempt", "2");
    const revoked = await runCli(["revoke", credentialId, "--url", stack.url]);
    expect(revoked.err).toBe("");
    expect(revoked).toMatchObject({ code: 0, out: `credential ${credentialId} revoked (revoked_by_owner)\n` });
  });

  it("credvend doctor: aws-sts verified, configured", async () => {
    const run = await runCli(["doctor", "--url", stack.url]);
    expect(run.out).toMatch(/ok +worker aws-sts \(aws\): verified, configured\n/);
  });
});
