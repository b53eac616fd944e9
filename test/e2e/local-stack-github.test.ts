// GitHub on `npm start`'s stack with no App of the developer's own: the github worker is wired to
// the dev GitHub stand-in with a dev App key under the data dir, so `github:` scopes vend; the
// stand-in (GitHub-shaped, App JWT checked) reports each ghs_ token as limited to what was
// granted; revocation and early revocation at a TTL under GitHub's fixed hour go through the
// worker's token vault on the embedded store; the dev endpoints commit files and deliver `push`.
import { createHash, createPrivateKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverDevLeak } from "../../cli/dev-leak-command.js";
import { DEV_APP_ID } from "../../cli/dev/dev-github-app.js";
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
    // The sweeper runs every 500 ms here (every minute under npm start); a loaded machine may lag.
    const deadline = grantedAt + 45_000;
    while (stack.devGitHub!.tokenGrant(token)?.revokedAt === undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    const revokedAt = Date.parse(stack.devGitHub!.tokenGrant(token)!.revokedAt!);
    expect(revokedAt).toBeGreaterThanOrEqual(grantedAt);
    // At the granted time, not GitHub's hour: well before the token's own expiry.
    expect(revokedAt - grantedAt).toBeLessThan(45_000);
    expect((await github("/installation/repositories", withToken(token))).status).toBe(401);
    // The sweeper records the revocation right after GitHub confirmed it: wait for that write too.
    const revoked = async () => (await stack.ledger.auditByCredential(body.credentialId)).find((e) => e.type === "revoke");
    const recordedBy = Date.now() + 15_000;
    while ((await revoked()) === undefined && Date.now() < recordedBy) await new Promise((r) => setTimeout(r, 250));
    expect(await revoked()).toMatchObject({ reason: "expired_by_broker" });
  }, 120_000);
});

describe("the dev GitHub stand-in, GitHub-shaped", () => {
  const appJwt = async (key = readFileSync(join(dataDir, "dev-github", "app-private-key.pem"), "utf8")) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(DEV_APP_ID)
      .setIssuedAt(now - 30)
      .setExpirationTime(now + 540)
      .sign(createPrivateKey(key));
  };
  const asApp = async (path: string, init: RequestInit = {}, jwt?: string) =>
    github(path, { ...init, headers: { authorization: `Bearer ${jwt ?? (await appJwt())}`, "content-type": "application/json" } });
  /** A token of the dev App for one repository, minted as the worker mints them. */
  const tokenFor = async (repo: string, permissions: Record<string, string>) => {
    const installation = (await (await asApp(`/repos/acme/${repo}/installation`)).json()) as { id: number };
    const minted = await asApp(`/app/installations/${installation.id}/access_tokens`, {
      method: "POST",
      body: JSON.stringify({ repositories: [repo], permissions }),
    });
    expect(minted.status).toBe(201);
    return ((await minted.json()) as { token: string }).token;
  };
  const put = (path: string, body: string, query = "") => github(`/dev/repos/acme/infra/contents/${path}${query}`, { method: "PUT", body });
  const blobSha = (text: string) =>
    createHash("sha1")
      .update(`blob ${Buffer.byteLength(text)}\0${text}`)
      .digest("hex");

  it("refuses App calls without the dev App's JWT: another key, or none", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect((await asApp("/repos/acme/web/installation", {}, await appJwt(other))).status).toBe(401);
    expect((await github("/repos/acme/web/installation")).status).toBe(401);
    expect((await asApp("/repos/acme/web/installation")).status).toBe(200);
  });

  it("refuses a token for a permission GitHub does not have (422), with GitHub's message", async () => {
    const installation = (await (await asApp("/repos/acme/web/installation")).json()) as { id: number };
    const refused = await asApp(`/app/installations/${installation.id}/access_tokens`, {
      method: "POST",
      body: JSON.stringify({ repositories: ["web"], permissions: { metadata: "write" } }),
    });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ message: expect.stringContaining("metadata:write") });
  });

  it("PUT commits to the default branch and delivers a signed push; contents read back at a ref, with sha and ETag", async () => {
    const first = "version: 1\ngrants: []\n";
    const written = await put(".github/credvend/release.yaml", first);
    expect(written.status).toBe(201);
    const answer = (await written.json()) as { commit: { sha: string }; content: { sha: string }; delivery: { status: number } };
    expect(answer.content.sha).toBe(blobSha(first));
    // 200: the local stack's webhooks route checked the X-Hub-Signature-256 of the push (401 otherwise).
    expect(answer.delivery).toEqual({ status: 200 });

    const token = await tokenFor("infra", { contents: "read" });
    const repo = (await (await github("/repos/acme/infra", withToken(token))).json()) as { default_branch: string; id: number };
    expect(repo.default_branch).toBe("main");
    const head = (await (await github("/repos/acme/infra/commits/main", withToken(token))).json()) as { sha: string };
    expect(head.sha).toBe(answer.commit.sha);
    const read = await github("/repos/acme/infra/contents/.github/credvend/release.yaml?ref=main", withToken(token));
    const file = (await read.json()) as { sha: string; encoding: string; content: string };
    expect(file).toMatchObject({ sha: blobSha(first), encoding: "base64" });
    expect(Buffer.from(file.content, "base64").toString()).toBe(first);
    const etag = read.headers.get("etag")!;
    const again = await github("/repos/acme/infra/contents/.github/credvend/release.yaml", {
      headers: { authorization: `token ${token}`, "if-none-match": etag },
    });
    expect(again.status).toBe(304);

    // ?deliver=false commits without a push; the old commit still reads the old content.
    const quiet = (await (await put(".github/credvend/release.yaml", "version: 1\n", "?deliver=false")).json()) as { delivery: unknown };
    expect(quiet.delivery).toBeNull();
    const old = await github(`/repos/acme/infra/contents/.github/credvend/release.yaml?ref=${answer.commit.sha}`, withToken(token));
    expect(((await old.json()) as { sha: string }).sha).toBe(blobSha(first));
    const changed = await github("/repos/acme/infra/contents/.github/credvend/release.yaml", {
      headers: { authorization: `token ${token}`, "if-none-match": etag },
    });
    expect(changed.status).toBe(200);
  });

  it("a token without contents may not read them (403), one for another repository sees nothing (404)", async () => {
    await put("README.md", "infra\n", "?deliver=false");
    expect((await github("/repos/acme/infra/contents/README.md", withToken(await tokenFor("infra", { issues: "read" })))).status).toBe(403);
    expect((await github("/repos/acme/infra/contents/README.md", withToken(await tokenFor("web", { contents: "read" })))).status).toBe(404);
  });

  it("DELETE removes the file from the default branch; deleting what is not there is a 404 with a JSON error", async () => {
    await put("notes.txt", "x", "?deliver=false");
    const removed = await github("/dev/repos/acme/infra/contents/notes.txt", { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as { delivery: { status: number } }).delivery).toEqual({ status: 200 });
    const token = await tokenFor("infra", { contents: "read" });
    expect((await github("/repos/acme/infra/contents/notes.txt", withToken(token))).status).toBe(404);
    const again = await github("/dev/repos/acme/infra/contents/notes.txt", { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it.each([
    ["/dev/repos/acme/infra/contents/a%2F..%2Fb.yaml", "invalid_path"],
    ["/dev/repos/acme/infra/contents/a//b.yaml", "invalid_path"],
    ["/dev/repos/acme/infra/contents/a.yaml?deliver=maybe", "invalid_deliver"],
    ["/dev/repos/acme/infra/contents/a.yaml?branch=..", "invalid_branch"],
  ])("bad input to the dev endpoint %s → 400 %s, nothing committed", async (path, code) => {
    const token = await tokenFor("infra", { contents: "read" });
    const before = ((await (await github("/repos/acme/infra/commits/main", withToken(token))).json()) as { sha: string }).sha;
    const refused = await github(path, { method: "PUT", body: "x" });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code, message: expect.any(String) } });
    expect(((await (await github("/repos/acme/infra/commits/main", withToken(token))).json()) as { sha: string }).sha).toBe(before);
  });
});
