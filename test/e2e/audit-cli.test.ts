// `credvend audit` as an operator runs it against the local stack: a real CLI process, the secret
// piped on stdin, the ledger read through the running stack's embedded server — and again after
// the stack stopped, from the database files themselves.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { tokenHash } from "../../plugin-protocol/token-hash.js";

const BIN = new URL("../../cli/bin.js", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;
const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI in its own process, `input` on its stdin. */
function credvend(args: readonly string[], input = ""): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: ROOT }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

describe("credvend audit on the local stack", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "credvend-audit-"));
  let stack: LocalStack | undefined;
  let token = "";
  let credentialId = "";

  beforeAll(async () => {
    stack = await startLocalStack({ dataDir, port: 0, policyYaml, logger: silentLogger, sweepIntervalMs: 0, pollIntervalMs: 0 });
    const where = { repository: "acme/web", ref: "refs/heads/main" };
    const claims = { ...defaultDevClaims(where), ...where, workflow: "deploy", actor: "octocat" };
    const jwt = await stack.issuer.mint({ ...claims, audience: "credvend" });
    const vend = (scopes: string[]) =>
      fetch(`${stack?.url}/v1/vend`, {
        method: "POST",
        headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
        body: JSON.stringify({ scopes, ttlSeconds: 600 }),
      });
    const allowed = await vend(["local:read:billing"]);
    expect(allowed.status).toBe(200);
    const body = (await allowed.json()) as { credentialId: string; credential: { token: string } };
    token = body.credential.token;
    credentialId = body.credentialId;
    expect((await vend(["local:admin:billing"])).status).toBe(403);
  }, 60_000);
  afterAll(async () => stack?.close());

  it("audit token - : the piped secret finds its credential, subject and events; the secret is printed nowhere", async () => {
    const run = await credvend(["audit", "token", "-", "--data-dir", dataDir], `${token}\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`credential    ${credentialId}`);
    expect(run.stdout).toMatch(/repository\s+acme\/web/);
    expect(run.stdout).toMatch(/workflow\s+deploy/);
    expect(run.stdout).toMatch(/actor\s+octocat/);
    expect(run.stdout).toMatch(/scopes\s+local:read:billing/);
    expect(run.stdout).toMatch(/expires\s+\S+ \(live, 10m left\)/);
    expect(run.stdout).toContain(tokenHash(token));
    expect(run.stdout).toMatch(/\nTIME\s+TYPE\s+REPOSITORY/);
    expect(run.stdout).toMatch(/ vend\s+acme\/web\s+refs\/heads\/main\s+octocat/);
    expect(run.stdout + run.stderr).not.toContain(token);
  });

  it("audit token with the SHA-256 as argument, --json: the same credential, machine-readable", async () => {
    const run = await credvend(["audit", "token", tokenHash(token), "--data-dir", dataDir, "--json"]);
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as { found: boolean; credential: Record<string, unknown>; events: { type: string }[] };
    expect(document).toMatchObject({ found: true, credential: { credentialId, state: "active", subject: { repository: "acme/web" } } });
    expect(document.events.map((event) => event.type)).toEqual(["vend"]);
  });

  it("audit token of a secret credvend never vended: exit 1, says so", async () => {
    const run = await credvend(["audit", "token", "-", "--data-dir", dataDir, "--json"], "cvd_not_one_of_ours\n");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ found: false, tokenHash: tokenHash("cvd_not_one_of_ours") });
  });

  it("audit repo and audit events --type deny: newest first, the denial with the scope it was refused", async () => {
    const repo = await credvend(["audit", "repo", "acme/web", "--since", "1h", "--data-dir", dataDir, "--ndjson"]);
    expect(repo.code).toBe(0);
    const events = repo.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { kind: string; type: string; at: string });
    expect(events.map((event) => event.type)).toEqual(["deny", "vend"]);
    expect(events.every((event) => event.kind === "event")).toBe(true);

    const denials = await credvend(["audit", "events", "--type", "deny", "--data-dir", dataDir]);
    expect(denials.code).toBe(0);
    expect(denials.stdout).toMatch(/ deny\s+acme\/web\s+refs\/heads\/main\s+\S+\s+-\s+scope_denied\s+denied local:admin:billing/);
    expect(denials.stdout).not.toMatch(/ vend /);
  });

  it("reads the files of a stopped stack the same way", async () => {
    await stack?.close();
    stack = undefined;
    const run = await credvend(["audit", "credential", credentialId, "--data-dir", dataDir, "--ndjson"]);
    expect(run.code).toBe(0);
    const [first, ...rest] = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ kind: "credential", credentialId, provider: "local" });
    expect(rest.map((event) => event.type)).toEqual(["vend"]);
  });
});
