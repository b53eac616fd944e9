// The conformance kit against every TypeScript worker of this repository, each on a loopback port
// with its caller secret as the local stack runs it, and against deliberately broken workers built
// on the SDK: each must fail, naming the check its flaw breaks.
import { randomBytes, randomUUID } from "node:crypto";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsStsWorker } from "../../plugin-workers/aws-sts/serve.js";
import { loadAwsStsLambdaConfig } from "../../plugin-workers/aws-sts/config.js";
import { ensureRevocationTable } from "../../plugin-workers/aws-sts/dynamodb-revocation-store.js";
import { GitHubApp } from "../../plugin-workers/github/github-app.js";
import { loadGitHubAppCredentials } from "../../plugin-workers/github/config.js";
import { AesGcmSealer, MemoryVaultStore, TokenVault } from "../../plugin-workers/github/token-vault.js";
import { serveGitHubWorker } from "../../plugin-workers/github/worker.js";
import { MemoryLocalTokenStore } from "../../plugin-workers/local-tokens/memory-store.js";
import { startLocalTokensWorker } from "../../plugin-workers/local-tokens/serve.js";
import { listenOnLoopback, type LoopbackServer } from "../../plugin-workers/sdk/listen.js";
import { PluginError } from "../../plugin-workers/sdk/plugin-error.js";
import type { PluginImplementation } from "../../plugin-workers/sdk/plugin-implementation.js";
import { servePlugin } from "../../plugin-workers/sdk/serve-plugin.js";
import { createWorker } from "../../plugin-workers/template/worker.js";
import { runCli } from "../support/capture-output.js";
import { conformanceOf, failures, verdicts } from "../support/conformance-kit.js";
import { localDynamoClient, startDynalite, type LocalDynamo } from "../support/dynalite.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";
import { motoMissing, startMotoServer, type MotoServer } from "../support/moto-server.js";

const SECRET = randomBytes(24).toString("base64url");
const quiet = { callerSecret: SECRET, onCallerRefused: () => undefined, onError: () => undefined };
const servers: LoopbackServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(impl: PluginImplementation, options: Parameters<typeof servePlugin>[1] = quiet): Promise<string> {
  const server = await listenOnLoopback(servePlugin(impl, options).app);
  servers.push(server);
  return server.url;
}

/** The template with revocation: what a broken variant breaks. */
function revocableTemplate(): PluginImplementation {
  const template = createWorker();
  const revoked = new Set<string>();
  return {
    ...template,
    vend: async (request) => ({ ...(await template.vend(request)), revocable: true }),
    revoke: (request) => {
      if (request.upstreamRef !== request.credentialId) return { outcome: "already_gone", detail: "never vended here" };
      if (revoked.has(request.credentialId)) return { outcome: "already_gone", detail: "revoked before" };
      revoked.add(request.credentialId);
      return { outcome: "revoked", detail: "revoked" };
    },
  };
}

describe("conformance: the repository's TypeScript workers pass", () => {
  it("template", async () => {
    const results = await conformanceOf(await serve(createWorker()), SECRET, ["tmpl:read:Reports"]);
    expect(failures(results)).toEqual([]);
    expect(verdicts(results)).toMatchObject({ describe: "pass", vend: "pass", "caller-missing": "pass", "revoke-idempotent": "skip" });
    // A 1.2 worker: an inline Vend of an invalid scope gets the documented refusal, nothing minted.
    expect(results.find((r) => r.check === "invalid-scope")?.reason).toContain(
      "by an inline Vend (failed_precondition scopes_not_canonical)",
    );
  });

  it("local-tokens (revocable: revoke idempotent and an unknown credential)", async () => {
    const server = await startLocalTokensWorker({ store: new MemoryLocalTokenStore(), callerSecret: SECRET });
    servers.push(server);
    const results = await conformanceOf(server.url, SECRET, ["local:read:reports"]);
    expect(failures(results)).toEqual([]);
    expect(verdicts(results)).toMatchObject({ vend: "pass", "revoke-idempotent": "pass", "revoke-unknown": "pass" });
  });

  describe("github, behind the fake GitHub API", () => {
    let github: FakeGitHubApi;
    beforeAll(async () => {
      github = await startFakeGitHubApi();
    });
    afterAll(async () => github?.close());

    it("passes with a token vault (revocation through DELETE /installation/token)", async () => {
      const credentials = loadGitHubAppCredentials({
        GITHUB_APP_ID: github.appId,
        GITHUB_APP_PRIVATE_KEY: github.privateKey,
        GITHUB_API_URL: github.url,
      })!;
      // GitHub's revocation answers: 204 while the token lives, 401 once it is gone.
      const dead = new Set<string>();
      const revocationApi = new Hono().delete("/installation/token", (c) => {
        const auth = c.req.header("authorization") ?? "";
        if (dead.has(auth)) return c.json({ message: "Bad credentials" }, 401);
        dead.add(auth);
        return c.body(null, 204);
      });
      const vault = new TokenVault(new AesGcmSealer(randomBytes(32)), new MemoryVaultStore());
      const { app } = serveGitHubWorker(
        {
          app: new GitHubApp(credentials),
          revocation: { vault, apiUrl: github.url, fetch: async (i, init) => revocationApi.fetch(new Request(i, init)) },
        },
        { callerSecret: SECRET },
      );
      const server = await listenOnLoopback(app);
      servers.push(server);
      const results = await conformanceOf(server.url, SECRET, ["github:contents-read:acme/web"]);
      expect(failures(results)).toEqual([]);
      expect(verdicts(results)).toMatchObject({ vend: "pass", "revoke-idempotent": "pass", "revoke-unknown": "pass" });
    });
  });

  const missing = motoMissing();
  describe.skipIf(missing !== undefined)(`aws-sts on moto's STS and IAM${missing ? ` (skipped: ${missing})` : ""}`, () => {
    let moto: MotoServer | undefined;
    let dynamo: LocalDynamo | undefined;
    let dynamodb: DynamoDBClient | undefined;
    const keys = { accessKeyId: "AKIDCONFORMANCE", secretAccessKey: "conformance-secret" };
    beforeAll(async () => {
      [moto, dynamo] = await Promise.all([startMotoServer(), startDynalite()]);
      dynamodb = localDynamoClient(dynamo.endpoint);
      await ensureRevocationTable(dynamodb, "conformance-locks");
    }, 60_000);
    afterAll(async () => {
      dynamodb?.destroy();
      await dynamo?.close();
      await moto?.close();
    });

    it("passes, revocation on (session deny policy)", async () => {
      const aws = { region: "us-east-1", endpoint: moto!.endpoint, credentials: keys };
      const iam = new IAMClient(aws);
      const trust = {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::123456789012:root" },
            Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
          },
        ],
      };
      const role = await iam.send(
        new CreateRoleCommand({ RoleName: `conformance-${randomUUID().slice(0, 8)}`, AssumeRolePolicyDocument: JSON.stringify(trust) }),
      );
      const config = loadAwsStsLambdaConfig({
        CREDVEND_AWS_ROLE_ARN: role.Role!.Arn!,
        CREDVEND_AWS_REVOKE_SESSIONS: "1",
        CREDVEND_AWS_LOCK_TABLE: "conformance-locks",
        AWS_REGION: "us-east-1",
      });
      const server = await startAwsStsWorker({
        config,
        clients: { sts: new STSClient(aws), iam, dynamodb: dynamodb! },
        callerSecret: SECRET,
      });
      servers.push(server);
      const results = await conformanceOf(server.url, SECRET, ["aws:s3-read:acme-web-assets"]);
      expect(failures(results)).toEqual([]);
      expect(verdicts(results)).toMatchObject({ vend: "pass", "revoke-idempotent": "pass", "revoke-unknown": "pass" });
    }, 60_000);
  });
});

describe("conformance: broken workers fail, naming the check", () => {
  it("a control: the revocable template the broken ones are made from passes", async () => {
    expect(failures(await conformanceOf(await serve(revocableTemplate()), SECRET, ["tmpl:read:reports"]))).toEqual([]);
  });

  it("one that accepts any caller fails caller-missing and caller-wrong", async () => {
    const url = await serve(revocableTemplate(), { onError: () => undefined });
    const failed = failures(await conformanceOf(url, SECRET, ["tmpl:read:reports"]));
    expect(failed).toEqual([
      "caller-missing: a call without a caller credential was answered: the worker takes calls from anyone",
      "caller-wrong: a call with a wrong caller secret was answered: the worker takes calls from anyone",
    ]);
  });

  it("one that answers another credential's id fails vend", async () => {
    const impl = revocableTemplate();
    const url = await serve({ ...impl, vend: async (request) => ({ ...(await impl.vend(request)), upstreamRef: randomUUID() }) });
    const failed = failures(await conformanceOf(url, SECRET, ["tmpl:read:reports"]));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^vend: upstream_ref names another credential id \([0-9a-f-]{36}\), not this vend's [0-9a-f-]{36}$/);
  });

  it("one whose Revoke is not idempotent fails revoke-idempotent", async () => {
    const url = await serve({ ...revocableTemplate(), revoke: () => ({ outcome: "revoked", detail: "revoked" }) });
    const failed = failures(await conformanceOf(url, SECRET, ["tmpl:read:reports"]));
    expect(failed).toEqual([
      "revoke-idempotent: outcomes revoked, then revoked: expected revoked, then already_gone",
      "revoke-unknown: a credential never vended: revoked; a worker never claims a revocation it did not do",
    ]);
  });

  it("one that repeats a vended token in an error fails no-secrets (and says where, never the token)", async () => {
    const impl = revocableTemplate();
    let last = "";
    const url = await serve({
      ...impl,
      vend: async (request) => {
        const result = await impl.vend(request);
        last = result.credential.token!;
        return result;
      },
      revoke: (request) => {
        if (request.upstreamRef === request.credentialId) return impl.revoke!(request);
        throw new PluginError("not_found", `no credential ${request.credentialId}; the last one issued was ${last}`);
      },
    });
    const results = await conformanceOf(url, SECRET, ["tmpl:read:reports"]);
    expect(failures(results)).toEqual(["no-secrets: Revoke error contains a vended credential's value"]);
    expect(JSON.stringify(results)).not.toContain(last);
  });
});

describe("conformance: deadlines (grpc-timeout)", () => {
  /** The template whose validate step takes a second: every check still answers within the kit's 5 s. */
  function slowTemplate(): PluginImplementation {
    const template = createWorker();
    return {
      ...template,
      validate: async (scopes) => {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return template.validate(scopes);
      },
    };
  }

  it("a slow worker on the SDK passes: the SDK answers deadline_exceeded when a short deadline passes", async () => {
    const results = await conformanceOf(await serve(slowTemplate()), SECRET, []);
    expect(failures(results)).toEqual([]);
    expect(results.find((r) => r.check === "deadlines")?.reason).toMatch(
      /; ValidateScope with grpc-timeout 50m answered deadline_exceeded \(4\) in \d+ ms$/,
    );
  }, 30_000);

  it("one that ignores the deadline (grpc-timeout dropped before its SDK, so it answers when done) fails deadlines", async () => {
    const inner = servePlugin(slowTemplate(), quiet).app;
    const deaf = new Hono().all("*", async (c) => {
      const headers = new Headers(c.req.raw.headers);
      headers.delete("grpc-timeout");
      const body = c.req.method === "POST" ? await c.req.arrayBuffer() : undefined;
      return inner.fetch(new Request(c.req.url, { method: c.req.method, headers, ...(body ? { body } : {}) }));
    });
    const server = await listenOnLoopback(deaf);
    servers.push(server);
    const failed = failures(await conformanceOf(server.url, SECRET, []));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      /^deadlines: ValidateScope with grpc-timeout 50m got no answer within \d+ ms \(the deadline and the way back\): answer deadline_exceeded when it passes$/,
    );
  }, 30_000);
});

describe("credvend plugin conformance (the command)", () => {
  it("prints one line per check and exits 0 for a conformant worker, 1 for a broken one, 2 on a usage error", async () => {
    const good = await serve(createWorker());
    const bad = await serve(createWorker(), { onError: () => undefined });
    const passed = await runCli(["plugin", "conformance", "--url", good, "--caller-secret", SECRET, "--scope", "tmpl:read:reports"]);
    expect(passed.code).toBe(0);
    expect(passed.out).toMatch(/^PASS describe: template-worker 0\.1\.0, credvend\.plugin\.v1 1\.2, providers tmpl/m);
    expect(passed.out).toMatch(/^conformant: 13 passed, 0 failed, 2 skipped$/m);
    const failed = await runCli(["plugin", "conformance", "--url", bad, "--caller-secret", SECRET, "--scope", "tmpl:read:reports"]);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/^FAIL caller-missing: /m);
    expect(failed.out).toMatch(/^NOT conformant: 11 passed, 2 failed, 2 skipped$/m);
    const usage = await runCli(["plugin", "conformance", "--url", good, "--scope", "nonsense"]);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("--scope:");
  });
});
