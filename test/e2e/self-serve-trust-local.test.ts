// The issue's "done when" for self-serve trust on `npm start`'s stack: a delegation for acme in the
// central policy, `.github/credvend/release.yaml` put into acme/infra through the dev GitHub
// stand-in's dev endpoint; the github worker reads it from the default branch through the dev App.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stableId } from "../../cli/dev/dev-oidc-issuer.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { silentLogger } from "../../functions/core/ports/logger.js";

const SAMPLE = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");
const POLICY = `${SAMPLE}
delegations:
  - name: acme-self-serve
    when: { repository_owner_id: "${stableId("acme")}" }
    upTo: ["github:contents-*:acme/*", "github:pull-requests-write:acme/*"]
    maxTtl: 1h
`;
const RELEASE = `version: 1
grants:
  - name: release-from-web-main
    when: { repository_id: "${stableId("acme/web")}", ref: refs/heads/main }
    allow: [contents-write, administration-write]
    maxTtl: 30m
`;
const GITHUB_ENV = ["GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_FILE", "GITHUB_API_URL", "GITHUB_TOKEN"];

let stack: LocalStack;
const saved = { ...process.env };
beforeAll(async () => {
  for (const name of GITHUB_ENV) delete process.env[name];
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-self-serve-"));
  stack = await startLocalStack({ dataDir, port: 0, policyYaml: POLICY, logger: silentLogger, notifier: { notify: async () => {} } });
});
afterAll(async () => {
  await stack?.close();
  process.env = { ...saved };
});

const put = (text: string, query = "") =>
  fetch(`${stack.url}/dev-github/dev/repos/acme/infra/contents/.github/credvend/release.yaml${query}`, { method: "PUT", body: text });

async function vend(body: Record<string, unknown>, ref = "refs/heads/main") {
  const jwt = await stack.issuer.mint({ repository: "acme/web", ref, audience: "credvend" });
  const response = await fetch(`${stack.url}/v1/vend`, {
    method: "POST",
    headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
    body: JSON.stringify({ ttlSeconds: 900, ...body }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { credential?: { token: string }; error?: { code: string; message: string } },
  };
}

describe("self-serve trust on the local stack (dev GitHub stand-in)", () => {
  it("a target file put through the dev endpoint grants acme/web main contents-write on acme/infra, nothing more", async () => {
    // As `credvend dev --help` shows it: curl -X PUT --data-binary @release.yaml <url>/dev-github/dev/repos/...
    const file = join(mkdtempSync(join(tmpdir(), "credvend-release-")), "release.yaml");
    writeFileSync(file, RELEASE);
    const { stdout } = await promisify(execFile)("curl", [
      "-s",
      "-X",
      "PUT",
      "--data-binary",
      `@${file}`,
      `${stack.url}/dev-github/dev/repos/acme/infra/contents/.github/credvend/release.yaml`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ commit: { sha: expect.stringMatching(/^[0-9a-f]{40}$/) }, delivery: { status: 200 } });
    const allowed = await vend({ scopes: ["github:contents-write:acme/infra"], identity: "release" });
    expect(allowed.status).toBe(200);
    const token = allowed.body.credential!.token;
    expect(token).toMatch(/^ghs_/);
    expect(stack.devGitHub?.tokenGrant(token)).toMatchObject({
      owner: "acme",
      repositories: ["infra"],
      permissions: { contents: "write" },
    });

    expect((await vend({ scopes: ["github:contents-write:acme/infra"], identity: "release" }, "refs/heads/feature")).status).toBe(403);
    expect((await vend({ scopes: ["github:contents-write:acme/infra"], identity: "deploy" })).status).toBe(403);
    expect((await vend({ scopes: ["github:contents-write:acme/infra"] })).status).toBe(403);
    const ceiling = await vend({ scopes: ["github:administration-write:acme/infra"], identity: "release" });
    expect(ceiling.status).toBe(403);
    expect(ceiling.body.error?.message).toContain("ceiling");
  });

  it("dropping the grant with the push delivered: the next vend is refused within 2 s", async () => {
    expect((await vend({ scopes: ["github:contents-write:acme/infra"], identity: "release" })).status).toBe(200);
    const changed = await put("version: 1\ngrants: []\n");
    expect(((await changed.json()) as { delivery: { status: number } }).delivery.status).toBe(200);
    const deadline = Date.now() + 2000;
    let status = 200;
    while (status === 200 && Date.now() < deadline)
      status = (await vend({ scopes: ["github:contents-write:acme/infra"], identity: "release" })).status;
    expect(status).toBe(403);
  });

  it("dropping the grant without a push (?deliver=false): refused within 60 s, from the cache's bound", async () => {
    expect((await put(RELEASE)).status).toBe(201);
    expect((await vend({ scopes: ["github:contents-write:acme/infra"], identity: "release" })).status).toBe(200);
    const changed = await put("version: 1\ngrants: []\n", "?deliver=false");
    expect(((await changed.json()) as { delivery: unknown }).delivery).toBeNull();
    const changedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - changedAt < 65_000) {
      status = (await vend({ scopes: ["github:contents-write:acme/infra"], identity: "release" })).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    expect(status).toBe(403);
    expect(Date.now() - changedAt).toBeLessThanOrEqual(62_000);
  }, 90_000);
});
