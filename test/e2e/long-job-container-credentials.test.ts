// The flaw this pins: the AWS container-credentials path sent one OIDC token for the whole job
// (AWS_CONTAINER_AUTHORIZATION_TOKEN), so a job that outlived that token got 401 on its next
// credential refresh. Now the Action (format container) and `credvend vend --format container`
// write the token to a private file, keep it fresh in the background, and set
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, which the SDKs and CLI read again on every refresh.
//
// Against the local stack (`npm start`'s wiring; aws-sts assuming a role on moto), with job tokens
// that live 4 s and no clock leeway, so "past the token's life" is seconds away. The later steps
// are the real clients: a long-running Node process with the AWS SDK's default credential chain,
// and the AWS CLI. Each check across the expiry fails if the file was not refreshed: the first
// token is then refused.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { jwtExpiryMs } from "../../cli/oidc-token-file.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { startFakeActionsOidc, type FakeActionsOidc } from "../support/fake-actions-oidc.js";
import { parseGitHubFile } from "../support/github-files.js";
import { createAssumableRole, DUMMY_KEYS } from "../support/moto-dev-stack.js";
import { motoMissing, startMotoServer, type MotoServer } from "../support/moto-server.js";
import { actionJob, REPO_ROOT } from "../support/run-action.js";

const SCOPE = "aws:s3-read:acme-web-assets";
const ROLE_NAME = "credvend-ci";
const TOKEN_TTL_SECONDS = 4;
const BIN = join(REPO_ROOT, "cli/bin.js");
const policyYaml = readFileSync(join(REPO_ROOT, "credvend.policy.yaml"), "utf8");
const missing = motoMissing();

describe.skipIf(missing !== undefined)(`long jobs on the container-credentials path${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let moto: MotoServer;
  let stack: LocalStack;
  let oidc: FakeActionsOidc;
  const minted: string[] = [];
  /** Refreshers the tests started: stopped in afterAll should a test fail before it stops them. */
  const refreshers: number[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    moto = await startMotoServer();
    const iam = new IAMClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: DUMMY_KEYS });
    const roleArn = await createAssumableRole(iam, ROLE_NAME);
    iam.destroy();
    // The developer's setup `npm start` reads: aws-sts assumes the role on moto, and may revoke,
    // so credentials shorter than STS's 900 s are honoured (the SDK then refreshes on every call).
    Object.assign(process.env, {
      CREDVEND_AWS_ROLE_ARN: roleArn,
      CREDVEND_AWS_REVOKE_SESSIONS: "1",
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      AWS_ENDPOINT_URL_IAM: moto.endpoint,
      AWS_ACCESS_KEY_ID: DUMMY_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_KEYS.secretAccessKey,
      AWS_REGION: "us-east-1",
    });
    stack = await startLocalStack({
      port: 0,
      policyYaml,
      logger: silentLogger,
      keyDir: mkdtempSync(join(tmpdir(), "credvend-longjob-")),
      oidcClockToleranceSeconds: 0,
      sweepIntervalMs: 0,
      pollIntervalMs: 0,
    });
    const claims = { ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }), run_id: "8100" };
    oidc = await startFakeActionsOidc({
      token: async ({ audience }) => {
        const token = await stack.issuer.mint({
          ...claims,
          repository: "acme/web",
          ref: "refs/heads/main",
          audience,
          ttlSeconds: TOKEN_TTL_SECONDS,
        });
        minted.push(token);
        return token;
      },
    });
  }, 90_000);

  afterAll(async () => {
    for (const pid of refreshers) if (alive(pid)) process.kill(pid, "SIGTERM");
    await oidc?.close();
    await stack?.close();
    await moto?.close();
    process.env = saved;
  });

  /** Waits until `token` is past its `exp` (the stack allows no leeway). */
  async function outlive(token: string): Promise<void> {
    await sleep(jwtExpiryMs(token)! + 1_500 - Date.now());
  }

  /** What credvend answers the SDK for this token now. */
  async function statusFor(fullUri: string, token: string): Promise<number> {
    const response = await fetch(fullUri, { headers: { authorization: token } });
    await response.body?.cancel();
    return response.status;
  }

  /** The environment of a later step: the job's variables, and nothing of this machine's AWS setup. */
  function stepEnv(jobEnv: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: mkdtempSync(join(tmpdir(), "credvend-step-home-")),
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...jobEnv,
    };
  }

  /**
   * A later step that runs long: one Node process; each `call()` is one GetCallerIdentity (on
   * moto) by an STS client whose credentials come from the SDK's default chain, answering the ARN.
   * A new client each time: a client keeps using the credential it holds while a refresh fails,
   * so one from before would show a refused refresh only once that credential expired (≥ 60 s).
   */
  function longRunningSdkStep(jobEnv: Readonly<Record<string, string>>) {
    const script = `
      import { createInterface } from "node:readline";
      import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
      for await (const _ of createInterface({ input: process.stdin })) {
        const sts = new STSClient({});
        const answer = await sts.send(new GetCallerIdentityCommand({})).then((r) => ({ arn: r.Arn }), (e) => ({ error: String(e.message) }));
        process.stdout.write(JSON.stringify(answer) + "\\n");
      }`;
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: REPO_ROOT,
      env: stepEnv(jobEnv),
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return {
      async call(): Promise<{ arn?: string; error?: string }> {
        child.stdin.write("call\n");
        return JSON.parse((await lines.next()).value as string) as { arn?: string; error?: string };
      },
      end: () => child.kill(),
    };
  }

  const ASSUMED = new RegExp(`^arn:aws:sts::\\d+:assumed-role/${ROLE_NAME}/([0-9a-f-]{36})$`);

  it("the Action: one SDK process keeps getting credentials past the first token's life; post stops the refresher and deletes the token", async () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), "credvend-runner-temp-"));
    const steps = actionJob({ requestUrl: oidc.requestUrl, requestToken: oidc.requestToken });
    const main = await steps.main({ url: stack.url, scopes: SCOPE, format: "container", "ttl-seconds": "60" }, { RUNNER_TEMP: runnerTemp });
    expect(main).toMatchObject({ code: 0, stderr: "" });
    refreshers.push(Number(main.env.CREDVEND_OIDC_REFRESH_PID));

    const fullUri = main.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!;
    const tokenFile = main.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE!;
    expect(fullUri).toBe(`${stack.url}/v1/aws/container-credentials?scope=aws%3As3-read%3Aacme-web-assets&ttlSeconds=60`);
    expect(main.env).not.toHaveProperty("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    // A private file in a private directory of RUNNER_TEMP.
    expect(dirname(dirname(tokenFile))).toBe(runnerTemp);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(tokenFile)).mode & 0o777).toBe(0o700);
    const first = readFileSync(tokenFile, "utf8");
    expect(first).toBe(minted.at(-1));

    const step = longRunningSdkStep(main.env);
    try {
      const before = await step.call();
      expect(before.arn).toMatch(ASSUMED);

      await outlive(first);
      // Without a refreshed file the SDK would send this token now, and be refused.
      expect(await statusFor(fullUri, first)).toBe(401);
      const after = await step.call();
      expect(after.arn).toMatch(ASSUMED);
      // A new credential, got with a new token.
      expect(after.arn).not.toBe(before.arn);
      expect(readFileSync(tokenFile, "utf8")).not.toBe(first);
      const credentialId = ASSUMED.exec(after.arn!)![1]!;
      expect((await stack.ledger.auditByCredential(credentialId)).map((e) => e.type)).toEqual(["vend"]);
    } finally {
      step.end();
    }

    const pid = Number(main.env.CREDVEND_OIDC_REFRESH_PID);
    expect(JSON.parse(main.state.credvendPost!)).toEqual({
      url: stack.url,
      audience: "credvend",
      credentialIds: [],
      oidcRefresher: { pid, dir: dirname(tokenFile) },
    });
    const post = await steps.post();
    expect(post).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(alive(pid)).toBe(false);
    expect(existsSync(dirname(tokenFile))).toBe(false);
    // Nothing asks for tokens any more.
    const asked = oidc.audiences.length;
    await sleep(TOKEN_TTL_SECONDS * 1000);
    expect(oidc.audiences.length).toBe(asked);

    for (const token of minted) {
      for (const text of [main.stdout, main.stderr, post.stdout, JSON.stringify(main.env), JSON.stringify(main.state)]) {
        expect(text).not.toContain(token);
      }
    }
  }, 60_000);

  it("the Action: the refresher retries while the endpoint fails, recovers, and post reports the failures as warnings", async () => {
    const steps = actionJob({ requestUrl: oidc.requestUrl, requestToken: oidc.requestToken });
    const main = await steps.main(
      { url: stack.url, scopes: SCOPE, format: "container", "ttl-seconds": "60" },
      { RUNNER_TEMP: mkdtempSync(join(tmpdir(), "credvend-runner-temp-")) },
    );
    expect(main.code).toBe(0);
    refreshers.push(Number(main.env.CREDVEND_OIDC_REFRESH_PID));
    const tokenFile = main.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE!;
    const first = readFileSync(tokenFile, "utf8");
    oidc.failWith = 500;
    try {
      await sleep(3_000);
      expect(readFileSync(tokenFile, "utf8")).toBe(first);
    } finally {
      oidc.failWith = undefined;
    }
    await outlive(first);
    expect(await statusFor(main.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, readFileSync(tokenFile, "utf8"))).toBe(200);

    const post = await steps.post();
    expect(post.code).toBe(0);
    const warnings = post.stdout.split("\n").filter((line) => line !== "");
    expect(warnings.length).toBeGreaterThan(0);
    for (const line of warnings) {
      expect(line).toMatch(
        /^::warning::credvend: \S+ OIDC token refresh failed: the Actions OIDC endpoint answered 500; retrying in \d+s; the current token (expires in|expired) /,
      );
    }
    for (const token of minted) expect(post.stdout).not.toContain(token);
    expect(existsSync(dirname(tokenFile))).toBe(false);
  }, 60_000);

  it("credvend vend --format container: the AWS CLI gets credentials past the first token's life; kill stops the refresher, which deletes the token", async () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), "credvend-runner-temp-"));
    const githubEnv = join(runnerTemp, "github-env");
    writeFileSync(githubEnv, "");
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [BIN, "vend", "--url", stack.url, "--scope", SCOPE, "--ttl", "60", "--format", "container"],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
          RUNNER_TEMP: runnerTemp,
          GITHUB_ENV: githubEnv,
        },
      },
    );
    expect(stderr).toBe("");
    const exported = Object.fromEntries([...stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(exported)).toEqual([
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
      "CREDVEND_OIDC_REFRESH_PID",
    ]);
    // The same for later steps of a workflow.
    expect(parseGitHubFile(readFileSync(githubEnv, "utf8"))).toEqual(exported);
    refreshers.push(Number(exported.CREDVEND_OIDC_REFRESH_PID));
    const tokenFile = exported.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE!;
    const first = readFileSync(tokenFile, "utf8");
    for (const token of minted) expect(stdout).not.toContain(token);

    await outlive(first);
    expect(await statusFor(exported.AWS_CONTAINER_CREDENTIALS_FULL_URI!, first)).toBe(401);
    const aws = await promisify(execFile)("aws", ["sts", "get-caller-identity", "--endpoint-url", moto.endpoint, "--output", "json"], {
      env: stepEnv(exported),
    });
    expect((JSON.parse(aws.stdout) as { Arn: string }).Arn).toMatch(ASSUMED);

    const pid = Number(exported.CREDVEND_OIDC_REFRESH_PID);
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    expect(alive(pid)).toBe(false);
    expect(existsSync(dirname(tokenFile))).toBe(false);
  }, 60_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
