// An AWS leak that needs a human, end to end: `credvend dev` configured the way a developer would
// (CREDVEND_AWS_ROLE_ARN, dummy AWS keys, AWS_ENDPOINT_URL_STS), with moto standing in for AWS at
// STS's and IAM's real HTTP APIs. A real AssumeRole through the aws-sts worker, then `credvend dev
// leak` → manual_revoke_required, and the alert on the server's stderr links to the vended role's
// "Revoke active sessions" tab, as the worker computed it at vend time.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoMissing, startMotoServer, type MotoServer } from "../support/moto-server.js";

const run = promisify(execFile);
const BIN = new URL("../../cli/bin.js", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;
const DUMMY_KEYS = { accessKeyId: "AKIDDEVELOPER", secretAccessKey: "developer-secret" };
const ACCOUNT = "123456789012"; // moto's default account
const ROLE_NAME = "credvend-ci";
const REVOKE_SESSIONS = `https://console.aws.amazon.com/iam/home?account=${ACCOUNT}#/roles/details/${ROLE_NAME}?section=revoke_sessions`;

const missing = motoMissing();

describe.skipIf(missing !== undefined)(`credvend dev with STS on moto: an AWS manual-revoke alert${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let moto: MotoServer | undefined;
  let server: ChildProcess | undefined;
  let exited: Promise<void> | undefined;
  let output = "";
  let url: string;
  let roleArn: string;
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-moto-"));

  beforeAll(async () => {
    moto = await startMotoServer();
    // The role the worker assumes, with a path: the console link names the role, not the path.
    const iam = new IAMClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: DUMMY_KEYS });
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"] }] };
    const created = await iam.send(new CreateRoleCommand({ RoleName: ROLE_NAME, Path: "/ci/deploy/", AssumeRolePolicyDocument: JSON.stringify(trust) }));
    iam.destroy();
    roleArn = created.Role!.Arn!;

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CREDVEND_AWS_ROLE_ARN: roleArn,
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      AWS_ACCESS_KEY_ID: DUMMY_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_KEYS.secretAccessKey,
      AWS_REGION: "us-east-1",
    };
    // Nothing of the developer's own AWS or GitHub setup: the dev GitHub stand-in receives the leak.
    for (const name of ["AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "GITHUB_API_URL", "GITHUB_APP_ID"]) delete env[name];
    const child = spawn(process.execPath, [BIN, "dev", "--port", "0", "--data-dir", dataDir], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    server = child;
    exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner after 45 s:\n${output}`)), 45_000);
      const check = () => {
        const match = /vend API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on("data", check);
      child.once("exit", () => reject(new Error(`credvend dev exited:\n${output}`)));
    });
  }, 90_000);

  afterAll(async () => {
    server?.kill("SIGINT");
    await exited;
    await moto?.close();
  });

  it("vend (AssumeRole on moto) → credvend dev leak → manual_revoke_required, the alert links to the role's Revoke active sessions tab", async () => {
    const { stdout: jwt } = await run(process.execPath, [BIN, "dev", "token", "--data-dir", dataDir, "--repository", "acme/web", "--ref", "refs/heads/main"], { cwd: ROOT });
    const vended = await fetch(`${url}/v1/vend`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt.trim()}`, "content-type": "application/json" },
      body: JSON.stringify({ scopes: ["aws:s3-read:acme-web-assets"], ttlSeconds: 900 }),
    });
    const body = (await vended.json()) as { credentialId: string; credential: { accessKeyId: string; secretAccessKey: string; sessionToken: string } };
    expect(vended.status, JSON.stringify(body)).toBe(200);
    const { credentialId, credential } = body;

    // A real session of the role: moto knows who its keys belong to.
    const sts = new STSClient({ region: "us-east-1", endpoint: moto!.endpoint, credentials: credential });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(identity.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/${credentialId}`);

    const leaked = await run(process.execPath, [BIN, "dev", "leak", credential.secretAccessKey, "--data-dir", dataDir], { cwd: ROOT });
    expect(JSON.parse(leaked.stdout)).toMatchObject({ outcome: "manual_revoke_required", credentialId });

    // The console notifier's one line for it, on the server's stderr.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const alerts = output.split("\n").filter((line) => line.includes('"alert":"manual_revoke_required"'));
    expect(alerts).toHaveLength(1);
    const alert = JSON.parse(alerts[0]!) as { urgency: string; details: Record<string, string> };
    expect(alert).toMatchObject({ urgency: "high", details: { credentialId, provider: "aws", worker: "aws-sts", manualRevocationUrl: REVOKE_SESSIONS } });
    expect(output).not.toContain(credential.secretAccessKey);
    expect(output).not.toContain(credential.sessionToken);
  }, 60_000);
});
