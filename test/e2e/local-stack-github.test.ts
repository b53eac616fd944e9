// GitHub on `npm start`'s stack with no App of the developer's own: the github worker is wired to
// the dev GitHub stand-in with a dev App key under the data dir, so `github:` scopes vend; the
// stand-in (GitHub-shaped, App JWT checked) reports each ghs_ token as limited to what was
// granted; revocation and early revocation at a TTL under GitHub's fixed hour go through the
// worker's token vault on the embedded store; the dev endpoints commit files and deliver `push`.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverDevLeak } from "../../cli/dev-leak-command.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { silentLogger } from "../../functions/core/ports/logger.js";

const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");
const GITHUB_ENV = ["GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_FILE", "GITHUB_API_URL", "GITHUB_TOKEN"];

let stack: LocalStack;
let dataDir: string;
const saved = { ...process.env };
beforeAll(async () => {
  for (const name of GITHUB_ENV) delete process.env[name];
  dataDir = mkdtempSync(join(tmpdir(), "credvend-github-"));
  stack = await startLocalStack({
    dataDir,
    port: 0,
    policyYaml,
    logger: silentLogger,
    notifier: { notify: async () => {} },
    sweepIntervalMs: 500,
  });
});
afterAll(async () => {
  await stack?.close();
  process.env = { ...saved };
});

const github = (path: string, init: RequestInit = {}) => fetch(`${stack.url}/dev-github${path}`, init);
const withToken = (token: string) => ({ headers: { authorization: `token ${token}` } });

async function jobToken(ref = "refs/heads/main"): Promise<string> {
  return stack.issuer.mint({ repository: "acme/web", ref, audience: "credvend", run_id: "4242" });
}

async function vend(body: unknown, jwt?: string) {
  const response = await fetch(`${stack.url}/v1/vend`, {
    method: "POST",
    headers: { authorization: `Bearer ${jwt ?? (await jobToken())}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & { credential: { token: string }; credentialId: string; expiresAt: string },
  };
}

describe("github: scopes on the local stack (dev App, dev GitHub stand-in)", () => {
  it("keeps the dev App's key under the data dir, readable by its owner only", () => {
    const mode = statSync(join(dataDir, "dev-github", "app-private-key.pem")).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(statSync(join(dataDir, "dev-github", "token-vault.key")).mode & 0o777).toBe(0o600);
  });

  it("vends a ghs_ token the stand-in reports as limited to acme/web with contents: read", async () => {
    const { status, body } = await vend({ scopes: ["github:contents-read:acme/web"], ttlSeconds: 3600 });
    expect(status).toBe(200);
    const token = body.credential.token;
    expect(token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(stack.devGitHub?.tokenGrant(token)).toMatchObject({ owner: "acme", repositories: ["web"], permissions: { contents: "read" } });
    const listed = (await (await github("/installation/repositories", withToken(token))).json()) as {
      repositories: { full_name: string; id: number }[];
    };
    expect(listed.repositories.map((r) => r.full_name)).toEqual(["acme/web"]);
    // The repository id is the one the dev OIDC issuer puts in acme/web's tokens (the sample policy's anchor).
    expect(listed.repositories[0]!.id).toBe(264037838);
    // What the token cannot see is hidden (404), as on GitHub; what it may not do is refused (403).
    expect((await github("/repos/acme/api/contents/README.md", withToken(token))).status).toBe(404);
    expect((await github("/repos/acme/web/pulls", withToken(token))).status).toBe(404);
  });

  it("revokes a vended token through the worker's vault (DELETE /v1/credentials/{id}); GitHub then refuses it", async () => {
    const jwt = await jobToken();
    const { body } = await vend({ scopes: ["github:contents-read:acme/web"], ttlSeconds: 3600 }, jwt);
    const token = body.credential.token;
    expect((await github("/installation/repositories", withToken(token))).status).toBe(200);
    const revoked = await fetch(`${stack.url}/v1/credentials/${body.credentialId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${jwt}` },
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ state: "revoked" });
    expect((await github("/installation/repositories", withToken(token))).status).toBe(401);
    expect(stack.devGitHub?.tokenGrant(token)?.revokedAt).toEqual(expect.any(String));
  });

  it("a leaked ghs_ token is revoked on detection (credvend dev leak)", async () => {
    const { body } = await vend({ scopes: ["github:contents-read:acme/web"], ttlSeconds: 3600 });
    const leaked = await deliverDevLeak({ url: stack.url, dataDir, secret: body.credential.token, repository: "acme/web", partner: false });
    expect(leaked.body).toMatchObject({ status: "processed", outcome: "revoked_on_detection" });
    expect((await github("/installation/repositories", withToken(body.credential.token))).status).toBe(401);
  });

  it("a grant under GitHub's fixed hour is honoured: the token is revoked at the granted time", async () => {
    const { status, body } = await vend({ scopes: ["github:contents-read:acme/web"], ttlSeconds: 60 });
    expect(status).toBe(200);
    const grantedAt = Date.parse(body.expiresAt);
    expect(grantedAt - Date.now()).toBeLessThanOrEqual(60_000);
    const token = body.credential.token;
    // GitHub's own expiry is an hour away; the stand-in still accepts the token until the broker revokes it.
    expect(Date.parse(stack.devGitHub!.tokenGrant(token)!.expiresAt) - grantedAt).toBeGreaterThan(3000_000);
    expect((await github("/installation/repositories", withToken(token))).status).toBe(200);
    const deadline = grantedAt + 20_000;
    while (stack.devGitHub!.tokenGrant(token)?.revokedAt === undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    const revokedAt = Date.parse(stack.devGitHub!.tokenGrant(token)!.revokedAt!);
    expect(revokedAt).toBeGreaterThanOrEqual(grantedAt);
    expect(revokedAt - grantedAt).toBeLessThan(10_000);
    expect((await github("/installation/repositories", withToken(token))).status).toBe(401);
    const events = await stack.ledger.auditByCredential(body.credentialId);
    expect(events.find((e) => e.type === "revoke")).toMatchObject({ reason: "expired_by_broker" });
  }, 120_000);
});
