// `credvend dev` configured the way a developer would (CREDVEND_AWS_ROLE_ARN, dummy AWS keys,
// AWS_ENDPOINT_URL_STS/_IAM), with moto standing in for AWS at STS's and IAM's real HTTP APIs: the
// role to assume is created on moto, the server runs as a child process, and its output is kept
// (the console notifier's alerts are on its stderr).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { startMotoServer, type MotoServer } from "./moto-server.js";

const run = promisify(execFile);
const BIN = new URL("../../cli/bin.js", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;
export const DUMMY_KEYS = { accessKeyId: "AKIDDEVELOPER", secretAccessKey: "developer-secret" };
export const MOTO_ACCOUNT = "123456789012"; // moto's default account

export interface MotoDevStack {
  readonly moto: MotoServer;
  /** The vend API of `credvend dev`. */
  readonly url: string;
  readonly dataDir: string;
  readonly roleArn: string;
  /** An IAM client on moto, as the developer. */
  readonly iam: IAMClient;
  /** Everything the server wrote so far (stdout and stderr). */
  output(): string;
  /** `credvend <args...>` against this stack's data folder; its stdout. */
  cli(...args: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface MotoDevStackOptions {
  readonly roleName: string;
  readonly rolePath?: string;
  /** More of the server's environment, e.g. CREDVEND_AWS_REVOKE_SESSIONS. */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startMotoDevStack(options: MotoDevStackOptions): Promise<MotoDevStack> {
  const moto = await startMotoServer();
  const iam = new IAMClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: DUMMY_KEYS });
  const roleArn = await createAssumableRole(iam, options.roleName, options.rolePath);
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-moto-"));

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CREDVEND_AWS_ROLE_ARN: roleArn,
    AWS_ENDPOINT_URL_STS: moto.endpoint,
    AWS_ENDPOINT_URL_IAM: moto.endpoint,
    AWS_ACCESS_KEY_ID: DUMMY_KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_KEYS.secretAccessKey,
    AWS_REGION: "us-east-1",
    ...options.env,
  };
  // Nothing of the developer's own AWS or GitHub setup: the dev GitHub stand-in receives the leak.
  for (const name of ["AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "GITHUB_API_URL", "GITHUB_APP_ID"]) delete env[name];
  if (!options.env?.CREDVEND_AWS_REVOKE_SESSIONS) delete env.CREDVEND_AWS_REVOKE_SESSIONS;
  const child: ChildProcess = spawn(process.execPath, [BIN, "dev", "--port", "0", "--data-dir", dataDir], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const close = async () => {
    child.kill("SIGINT");
    await exited;
    iam.destroy();
    await moto.close();
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner after 45 s:\n${output}`)), 45_000);
      const check = () => {
        const match = /vend API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout!.on("data", check);
      child.once("exit", () => reject(new Error(`credvend dev exited:\n${output}`)));
    });
    const cli = async (...args: string[]) => (await run(process.execPath, [BIN, ...args, "--data-dir", dataDir], { cwd: ROOT })).stdout;
    return { moto, url, dataDir, roleArn, iam, output: () => output, cli, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A role on moto that the developer's keys may assume (and tag sessions of): its ARN. */
export async function createAssumableRole(iam: IAMClient, roleName: string, rolePath?: string): Promise<string> {
  const trust = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT}:root` },
        Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
      },
    ],
  };
  const created = await iam.send(
    new CreateRoleCommand({ RoleName: roleName, ...(rolePath ? { Path: rolePath } : {}), AssumeRolePolicyDocument: JSON.stringify(trust) }),
  );
  return created.Role!.Arn!;
}

/** A dev token for acme/web@main, then POST /v1/vend of `scopes`: the credential id and the AWS credential. */
export async function vendAws(stack: MotoDevStack, scopes: readonly string[]) {
  const jwt = (await stack.cli("dev", "token", "--repository", "acme/web", "--ref", "refs/heads/main")).trim();
  const response = await fetch(`${stack.url}/v1/vend`, {
    method: "POST",
    headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
    body: JSON.stringify({ scopes, ttlSeconds: 900 }),
  });
  const body = (await response.json()) as {
    credentialId: string;
    credential: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  };
  if (response.status !== 200) throw new Error(`vend answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}
