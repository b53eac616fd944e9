// Leak response end to end over the local stack (loopback HTTP, dynalite, the local-tokens worker,
// the aws-sts worker against a local STS, the dev GitHub stand-in): vend → leak → revoked → a second
// delivery does nothing; each branch, with the console line and the SNS Publish (aws-sdk-client-mock
// at the SDK boundary) it causes.
import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleNotifier } from "../../functions/adapters/notify/console-notifier.js";
import { loadOrCreateDevGitHub } from "../../cli/dev/dev-github.js";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { FanOutNotifier } from "../../functions/adapters/notify/fan-out-notifier.js";
import { SnsNotifier } from "../../functions/adapters/notify/sns-notifier.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";
import { deliverDevLeak } from "../../cli/dev-leak-command.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { listenOnLoopback } from "../../plugin-workers/sdk/index.js";
import { makeRecord } from "../integration/ledger-contract.js";
import { startFakeSts, type FakeSts } from "../support/fake-sts.js";

const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:credvend-alerts";

describe("leak response over the local stack", () => {
  let stack: LocalStack;
  let sts: FakeSts;
  let dataDir: string;
  const savedEnv = { ...process.env };
  const consoleLines: string[] = [];
  const snsClient = new SNSClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const sns = mockClient(snsClient);
  sns.on(PublishCommand).resolves({ MessageId: "m" });
  beforeAll(async () => {
    // aws-sts configured as a developer would (see local-stack-configured.test.ts), without IAM
    // access: its sessions are not revocable, so a leak takes the manual branch.
    sts = await startFakeSts();
    Object.assign(process.env, {
      CREDVEND_AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/credvend-ci",
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ACCESS_KEY_ID: "AKIDDEVELOPER",
      AWS_SECRET_ACCESS_KEY: "developer-secret",
      AWS_REGION: "eu-west-1",
    });
    dataDir = mkdtempSync(join(tmpdir(), "credvend-leak-"));
    const notifier = new FanOutNotifier(
      [
        { name: "console", notifier: new ConsoleNotifier((line) => consoleLines.push(line)) },
        { name: "sns", notifier: new SnsNotifier({ client: snsClient, topicArn: TOPIC }) },
      ],
      silentLogger,
    );
    stack = await startLocalStack({ dataDir, port: 0, policyYaml, logger: silentLogger, notifier, githubApiUrl: undefined });
  });
  afterAll(async () => {
    await stack?.close();
    await sts?.close();
    process.env = { ...savedEnv };
  });

  const devToken = () =>
    stack.issuer.mint({
      ...defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }),
      repository: "acme/web",
      ref: "refs/heads/main",
      audience: "credvend",
    });
  const leak = (secret: string, partner = false) => deliverDevLeak({ url: stack.url, dataDir, secret, repository: "acme/web", partner });
  const lastAlert = () => JSON.parse(consoleLines.at(-1)!) as { alert: string; urgency: string; details: Record<string, string> };
  const lastPublish = () => sns.commandCalls(PublishCommand).at(-1)!.args[0].input;

  it("vend → leak → revoked (introspection says inactive) → a second delivery does nothing", async () => {
    const jwt = await devToken();
    const vended = await fetch(`${stack.url}/v1/vend`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
      body: JSON.stringify({ scopes: ["local:read:billing"], ttlSeconds: 600 }),
    });
    expect(vended.status).toBe(200);
    const { credentialId, credential } = (await vended.json()) as { credentialId: string; credential: { token: string } };
    const before = consoleLines.length;

    const first = await leak(credential.token);
    expect(first).toEqual({ status: 200, body: { status: "processed", outcome: "revoked_on_detection", credentialId } });
    const introspection = await fetch(`${stack.workerUrl}/introspect`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: credential.token }),
    });
    expect(await introspection.json()).toEqual({ active: false });
    expect((await stack.ledger.getCredential(credentialId))?.state).toBe("revoked");

    expect(consoleLines).toHaveLength(before + 1);
    const alert = lastAlert();
    expect(alert).toMatchObject({
      alert: "revoked_on_detection",
      urgency: "high",
      details: { credentialId, "subject.repository": "acme/web", worker: "local-tokens" },
    });
    const publish = lastPublish();
    const title = "Leaked credential revoked automatically: local credential of acme/web";
    expect(publish).toEqual({
      TopicArn: TOPIC,
      Subject: `[credvend high] ${title}`,
      Message:
        `${title}\n\n${Object.entries(alert.details)
          .map(([name, value]) => `  ${name}: ${value}`)
          .join("\n")}\n\n-- JSON --\n` +
        `${JSON.stringify({ kind: "revoked_on_detection", urgency: "high", title, details: alert.details })}\n`,
      MessageAttributes: {
        urgency: { DataType: "String", StringValue: "high" },
        tag: { DataType: "String", StringValue: "revoked_on_detection" },
      },
    });
    expect(alert.details).toMatchObject({
      scopes: "local:read:billing",
      "leak.channel": "secret_scanning_alert",
      upstream: "revoked: token revoked",
    });
    // A token never appears in alerts: hashes only.
    expect(consoleLines.join("\n")).not.toContain(credential.token);
    expect(publish.Message).not.toContain(credential.token);
    expect(alert.details.tokenHash).toBe(tokenHash(credential.token));

    const publishes = sns.commandCalls(PublishCommand).length;
    expect(await leak(credential.token)).toMatchObject({ status: 200, body: { outcome: "already_handled" } });
    expect(await leak(credential.token, true)).toMatchObject({ status: 200, body: [{ label: "true_positive" }] });
    expect(consoleLines).toHaveLength(before + 1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(publishes);
  });

  it("expired: detected_after_expiry, a low note on the console and SNS", async () => {
    const secret = `cvd_${randomUUID()}`;
    const record = makeRecord({
      provider: "local",
      worker: "local-tokens",
      scopes: ["local:read:billing"],
      tokenHashes: [tokenHash(secret)],
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    await stack.ledger.recordIssued(record);
    expect(await leak(secret)).toMatchObject({ status: 200, body: { outcome: "detected_after_expiry" } });
    expect(lastAlert()).toMatchObject({ alert: "detected_after_expiry", urgency: "low", details: { credentialId: record.credentialId } });
    expect(lastPublish().MessageAttributes).toEqual({
      urgency: { DataType: "String", StringValue: "low" },
      tag: { DataType: "String", StringValue: "detected_after_expiry" },
    });
  });

  it("live, not revocable: manual_revoke_required, high alert with the worker's manual URL, nothing pretended", async () => {
    const vended = await fetch(`${stack.url}/v1/vend`, {
      method: "POST",
      headers: { authorization: `Bearer ${await devToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ scopes: ["aws:s3-read:acme-web-assets"], ttlSeconds: 900 }),
    });
    expect(vended.status).toBe(200);
    const { credentialId, credential } = (await vended.json()) as { credentialId: string; credential: { secretAccessKey: string } };
    expect(await leak(credential.secretAccessKey)).toMatchObject({ status: 200, body: { outcome: "manual_revoke_required" } });
    expect(lastAlert()).toMatchObject({
      alert: "manual_revoke_required",
      urgency: "high",
      details: {
        credentialId,
        provider: "aws",
        worker: "aws-sts",
        manualRevocationUrl:
          "https://console.aws.amazon.com/iam/home?account=123456789012#/roles/details/credvend-ci?section=revoke_sessions",
        "subject.repository": "acme/web",
        "leak.repository": "acme/web",
      },
    });
    expect(lastPublish().Subject).toMatch(/^\[credvend high\] ACTION REQUIRED/);
    expect((await stack.ledger.getCredential(credentialId))?.state).toBe("active");
  });

  it("unknown token: audited, no alert; the partner route labels it false_positive", async () => {
    const before = consoleLines.length;
    const secret = `ghp_${randomUUID()}`;
    expect(await leak(secret)).toMatchObject({ status: 200, body: { outcome: "unknown" } });
    expect(await leak(secret, true)).toEqual({
      status: 200,
      body: [{ token_hash: tokenHash(secret), token_type: "credvend_token", label: "false_positive" }],
    });
    expect(consoleLines).toHaveLength(before);
  });
});

describe("credvend dev leak (the README demo)", () => {
  const run = promisify(execFile);
  const BIN = new URL("../../cli/bin.js", import.meta.url).pathname;
  const ROOT = new URL("../..", import.meta.url).pathname;

  it("npm start, vend, dev leak → revoked; again → already_handled", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "credvend-cli-leak-"));
    const child = spawn(process.execPath, [BIN, "dev", "--port", "0", "--data-dir", dataDir], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner after 30 s:\n${output}`)), 30_000);
        child.stdout.on("data", () => {
          const match = /vend API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      const { stdout: jwt } = await run(process.execPath, [BIN, "dev", "token", "--data-dir", dataDir, "--repository", "acme/web"], {
        cwd: ROOT,
      });
      const vended = await fetch(`${url}/v1/vend`, {
        method: "POST",
        headers: { authorization: `Bearer ${jwt.trim()}`, "content-type": "application/json" },
        body: JSON.stringify({ scopes: ["local:read:billing"] }),
      });
      const { credential } = (await vended.json()) as { credential: { token: string } };
      const leak = () => run(process.execPath, [BIN, "dev", "leak", credential.token, "--data-dir", dataDir], { cwd: ROOT });
      expect(JSON.parse((await leak()).stdout)).toMatchObject({ outcome: "revoked_on_detection" });
      expect(JSON.parse((await leak()).stdout)).toMatchObject({ outcome: "already_handled" });
      // The console notifier's one line for the revocation, on the server's stderr.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output.split("\n").filter((line) => line.includes('"alert":"revoked_on_detection"'))).toHaveLength(1);
      expect(output).not.toContain(credential.token);
    } finally {
      child.kill("SIGINT");
      await exited;
    }
  }, 60_000);

  it("without a running stack: a clear error, exit 1", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "credvend-cli-none-"));
    const failed = await run(process.execPath, [BIN, "dev", "leak", "cvd_x", "--data-dir", dataDir], { cwd: ROOT }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining("npm start") });
  });
});

describe("dev stand-in numbered alerts from 1 again after a restart, so a new leak answered duplicate and stayed live", () => {
  it("after npm start is restarted on the same data dir, dev leak of a brand-new token revokes it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "credvend-leak-restart-"));
    const start = () =>
      startLocalStack({
        dataDir,
        port: 0,
        policyYaml,
        logger: silentLogger,
        notifier: { notify: async () => {} },
        githubApiUrl: undefined,
      });
    const vendAndLeak = async (stack: LocalStack) => {
      const jwt = await stack.issuer.mint({ repository: "acme/web", ref: "refs/heads/main", audience: "credvend" });
      const vended = await fetch(`${stack.url}/v1/vend`, {
        method: "POST",
        headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
        body: JSON.stringify({ scopes: ["local:read:billing"] }),
      });
      const { credential } = (await vended.json()) as { credential: { token: string } };
      const leaked = await deliverDevLeak({ url: stack.url, dataDir, secret: credential.token, repository: "acme/web", partner: false });
      const introspected = await fetch(`${stack.workerUrl}/introspect`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: credential.token }),
      });
      return { body: leaked.body, active: ((await introspected.json()) as { active: boolean }).active };
    };
    const first = await start();
    try {
      expect(await vendAndLeak(first)).toMatchObject({ body: { status: "processed", outcome: "revoked_on_detection" }, active: false });
    } finally {
      await first.close();
    }
    const second = await start();
    try {
      expect(await vendAndLeak(second)).toMatchObject({ body: { status: "processed", outcome: "revoked_on_detection" }, active: false });
    } finally {
      await second.close();
    }
  }, 60_000);
});

describe("local stack with GITHUB_API_URL set", () => {
  it("reads keys and alerts from that GitHub, and serves no stand-in of its own", async () => {
    const external = await loadOrCreateDevGitHub({ dir: mkdtempSync(join(tmpdir(), "credvend-ext-github-")) });
    const server = await listenOnLoopback(external.routes());
    const dataDir = mkdtempSync(join(tmpdir(), "credvend-leak-ext-"));
    const stack = await startLocalStack({
      dataDir,
      port: 0,
      policyYaml,
      logger: silentLogger,
      notifier: { notify: async () => {} },
      githubApiUrl: server.url,
    });
    try {
      expect(stack.devGitHub).toBeUndefined();
      expect((await fetch(`${stack.url}/dev-github/meta/public_keys/secret_scanning`)).status).toBe(404);
      const secret = `ghp_${randomUUID()}`;
      const number = external.openAlert("acme/web", secret);
      const body = JSON.stringify({ action: "created", alert: { number }, repository: { full_name: "acme/web" } });
      const own = await loadOrCreateDevGitHub({ dir: join(dataDir, "dev-github") }); // the stack's webhook secret
      const alert = await fetch(`${stack.url}/webhooks/github/secret-scanning`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "secret_scanning_alert",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": own.signWebhook(body),
        },
        body,
      });
      expect(await alert.json()).toEqual({ status: "processed", outcome: "unknown" });
      const partnerBody = JSON.stringify([{ token: secret, type: "t" }]);
      const partner = await fetch(`${stack.url}/webhooks/github/secret-scanning/partner`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "github-public-key-identifier": external.partnerKeyId,
          "github-public-key-signature": external.signPartner(partnerBody),
        },
        body: partnerBody,
      });
      expect(await partner.json()).toEqual([{ token_hash: tokenHash(secret), token_type: "t", label: "false_positive" }]);
    } finally {
      await stack.close();
      await server.close();
    }
  });
});
