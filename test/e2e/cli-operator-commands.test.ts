// `credvend revoke`, `credvend doctor` and `credvend vend`'s messages against `npm start`'s stack,
// unconfigured (no AWS, no GitHub App of the developer's: github runs on the dev GitHub stand-in's
// dev App): tokens of one run from `credvend dev token --run-id`, real HTTP on loopback.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { workerStates } from "../../cli/dev-command.js";
import { checkIssuerClocks, checkStatus } from "../../cli/doctor/doctor-checks.js";
import { startLocalStack, type LocalStack } from "../../cli/local-stack.js";
import { silentLogger } from "../../functions/core/ports/logger.js";
import { runCli } from "../support/capture-output.js";

const policyYaml = readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8");
const PROVIDER_ENV = [
  "CREDVEND_AWS_ROLE_ARN",
  "CREDVEND_AWS_ROLES",
  "GITHUB_APP_ID",
  "GITHUB_APP_PRIVATE_KEY",
  "GITHUB_APP_PRIVATE_KEY_FILE",
];
const dataDir = mkdtempSync(join(tmpdir(), "credvend-revoke-"));
const saved = { ...process.env };
let stack: LocalStack;

beforeAll(async () => {
  for (const name of [...PROVIDER_ENV, "CREDVEND_URL", "CREDVEND_OIDC_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL"]) delete process.env[name];
  stack = await startLocalStack({ dataDir, port: 0, policyYaml, logger: silentLogger, sweepIntervalMs: 0, pollIntervalMs: 0 });
});
afterAll(async () => {
  await stack?.close();
  process.env = { ...saved };
});
afterEach(() => {
  delete process.env.CREDVEND_OIDC_TOKEN;
});

/** `credvend dev token` for acme/web@main, as the README has a user run it. */
async function devToken(...args: string[]): Promise<string> {
  const run = await runCli(["dev", "token", "--repository", "acme/web", "--data-dir", dataDir, ...args]);
  expect(run.code).toBe(0);
  return run.out.trim();
}

async function vendAs(token: string, ...args: string[]) {
  process.env.CREDVEND_OIDC_TOKEN = token;
  return runCli(["vend", "--url", stack.url, ...args]);
}

describe("credvend vend against the local stack", () => {
  it("prints the worker's scope warnings on stderr, never on stdout", async () => {
    const run = await vendAs(await devToken(), "--scope", "local:read:*", "--ttl", "600");
    expect(run.code).toBe(0);
    expect(run.err).toContain('credvend: warning: local:read:*: "*" grants read access to every internal service');
    expect(run.out).not.toContain("credvend: warning");
  });

  it("503 not configured was reported as '…; retry after 5s': it says retrying will not help and what to configure", async () => {
    const run = await vendAs(await devToken(), "--scope", "aws:s3-read:acme-web-assets");
    expect(run.code).toBe(5);
    expect(run.err).toContain("aws-sts is not configured: set CREDVEND_AWS_ROLE_ARN");
    expect(run.err).toContain("retrying will not help");
    expect(run.err).not.toContain("retry after");
  });
});

describe("credvend revoke", () => {
  async function vendedInRun(runId: string): Promise<string> {
    const run = await vendAs(await devToken("--run-id", runId), "--scope", "local:read:billing", "--ttl", "600");
    expect(run.code).toBe(0);
    return (JSON.parse(run.out) as { credentialId: string }).credentialId;
  }

  it("with a token of the same run (another attempt): revoked, exit 0; again: still 0, and the ledger says revoked_by_owner", async () => {
    const credentialId = await vendedInRun("9001");
    process.env.CREDVEND_OIDC_TOKEN = await devToken("--run-id", "9001", "--run-attempt", "2");
    const first = await runCli(["revoke", credentialId, "--url", stack.url]);
    expect(first).toMatchObject({ code: 0, err: "" });
    expect(first.out).toBe(`credential ${credentialId} revoked (revoked_by_owner)\n`);
    expect(await stack.ledger.getCredential(credentialId)).toMatchObject({ state: "revoked", revokedBy: "revoked_by_owner" });
    const again = await runCli(["revoke", credentialId, "--url", stack.url]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("revoked");
  });

  it("with a token of another run: not found for this run, exit 1, the credential stays live", async () => {
    const credentialId = await vendedInRun("9002");
    process.env.CREDVEND_OIDC_TOKEN = await devToken("--run-id", "9003");
    const run = await runCli(["revoke", credentialId, "--url", stack.url]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("404 credential_not_found");
    expect(await stack.ledger.getCredential(credentialId)).toMatchObject({ state: "active" });
  });

  it("an id nobody vended: exit 1", async () => {
    process.env.CREDVEND_OIDC_TOKEN = await devToken();
    const run = await runCli(["revoke", "586e48ff-aa2f-4a44-b12f-70a0c5bf3218", "--url", stack.url]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("credential_not_found");
  });

  const usage: { argv: string[]; code: number; message: string }[] = [
    { argv: ["revoke"], code: 2, message: "the credential id is required" },
    { argv: ["revoke", "a", "b", "--url", "https://vend.example.com"], code: 2, message: 'unexpected argument "b"' },
    { argv: ["revoke", "x"], code: 2, message: "--url (or CREDVEND_URL)" },
    { argv: ["revoke", "x", "--url", "http://vend.example.com"], code: 2, message: "--url (or CREDVEND_URL):" },
    { argv: ["revoke", "x", "--url", "http://127.0.0.1:9"], code: 3, message: "no OIDC token" },
  ];
  for (const { argv, code, message } of usage) {
    it(`${argv.join(" ")} → exit ${code}`, async () => {
      const run = await runCli(argv);
      expect(run.code).toBe(code);
      expect(run.err).toContain(message);
    });
  }

  it("credvend unreachable → exit 5", async () => {
    process.env.CREDVEND_OIDC_TOKEN = await devToken();
    const run = await runCli(["revoke", "586e48ff-aa2f-4a44-b12f-70a0c5bf3218", "--url", "http://127.0.0.1:9"]);
    expect(run.code).toBe(5);
    expect(run.err).toContain("cannot reach credvend at http://127.0.0.1:9");
  });
});

describe("credvend doctor", () => {
  interface Report {
    exitCode: number;
    findings: { level: string; what: string }[];
  }
  const findingOf = (report: Report, start: string) => report.findings.find((f) => f.what.startsWith(start));

  it("reports every worker of the local stack: local-tokens and github (dev App) configured, aws-sts NOT configured (a warning locally), exit 0", async () => {
    const run = await runCli(["doctor", "--data-dir", dataDir, "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as Report;
    expect(report.exitCode).toBe(0);
    expect(findingOf(report, "reachable")).toMatchObject({ level: "ok" });
    expect(findingOf(report, "audience credvend; issuers https://token.actions.githubusercontent.com, ")).toMatchObject({ level: "ok" });
    expect(findingOf(report, "worker local-tokens (local)")).toEqual({
      level: "ok",
      what: "worker local-tokens (local): verified, configured",
    });
    expect(findingOf(report, "worker aws-sts (aws)")).toMatchObject({
      level: "warning",
      what: expect.stringContaining("verified, NOT configured"),
    });
    expect(findingOf(report, "worker github (github)")).toEqual({ level: "ok", what: "worker github (github): verified, configured" });
    // The dev issuer is the stack itself: its clock is credvend's.
    expect(findingOf(report, `issuer ${stack.url}/dev-oidc`)).toMatchObject({ level: "ok", what: expect.stringContaining("clock +0s") });
  });

  it("which policy is in force: the same as credvend.policy.yaml; another file is a warning naming both", async () => {
    const same = JSON.parse((await runCli(["doctor", "--url", stack.url, "--json"])).out) as Report;
    expect(findingOf(same, "policy ")).toMatchObject({
      level: "ok",
      what: expect.stringMatching(/^policy [0-9a-f]{16} in force \(\d+ rules\): the same as credvend\.policy\.yaml$/),
    });
    const other = join(dataDir, "other.policy.yaml");
    writeFileSync(other, policyYaml.replace("maxTtl: 15m", "maxTtl: 10m"));
    const run = await runCli(["doctor", "--url", stack.url, "--policy", other, "--json"]);
    expect(run.code).toBe(0);
    expect(findingOf(JSON.parse(run.out) as Report, "policy ")).toMatchObject({
      level: "warning",
      what: expect.stringContaining(`NOT the same as ${other}`),
    });
  });

  it("the table form names each worker's state", async () => {
    const run = await runCli(["doctor", "--url", stack.url]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/warning +worker aws-sts \(aws\): verified, NOT configured/);
    expect(run.out).toMatch(/\nhealthy, \d+ warnings\n$/);
  });

  it("a worker not configured on a deployment (not loopback) is a problem", async () => {
    const { findings } = await checkStatus(stack.url, false);
    expect(findings.find((f) => f.what.startsWith("worker aws-sts"))).toMatchObject({ level: "problem" });
    expect(findings.find((f) => f.what.startsWith("worker local-tokens"))).toMatchObject({ level: "ok" });
  });

  it("GET /v1/status says names and states only: no configuration value, no reason, no policy rule", async () => {
    const response = await fetch(`${stack.url}/v1/status`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { workers: Record<string, unknown>[]; policy: unknown };
    expect(Object.keys(body).sort()).toEqual(["audience", "issuers", "policy", "status", "workers"]);
    expect(body.policy).toEqual({ fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), rules: stack.policy.rules.length });
    for (const worker of body.workers) expect(Object.keys(worker).sort()).toEqual(["configured", "name", "providers", "verification"]);
    const text = JSON.stringify({ ...body, policy: undefined });
    for (const leak of ["CREDVEND_AWS_ROLE_ARN", "GITHUB_APP", "web-main", "264037838", "signed by"]) expect(text).not.toContain(leak);
  });

  it("the npm start banner shows configured vs not configured per worker, with what it needs", () => {
    const lines = workerStates(stack.plugins.status());
    expect(lines).toMatch(/local-tokens +verified, configured\n/);
    expect(lines).toMatch(/aws-sts +verified, NOT configured: needs CREDVEND_AWS_ROLE_ARN/);
    expect(lines).toMatch(/github +verified, configured$/);
  });

  it("a dead URL: exit 5 with the reason", async () => {
    const run = await runCli(["doctor", "--url", "http://127.0.0.1:9"]);
    expect(run.code).toBe(5);
    expect(run.out).toContain("problem  cannot reach http://127.0.0.1:9: cannot connect");
  });

  it("a deployment config with problems: each one named, exit 1", async () => {
    const config = join(dataDir, "bad.config.yaml");
    writeFileSync(config, "stackName: 42\nworkers: nope\n");
    const run = await runCli(["doctor", "--url", stack.url, "--config", config]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/problem +deployment config .*bad\.config\.yaml: /);
  });

  it("no URL and no local stack: a usage error", async () => {
    const run = await runCli(["doctor", "--data-dir", join(dataDir, "none")]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("which credvend? --url URL");
  });

  it("an issuer whose clock is 5 minutes off credvend's is a problem (its tokens would be refused)", async () => {
    const skewed = createServer((request, response) => {
      response.setHeader("date", new Date(Date.now() + 300_000).toUTCString());
      response.setHeader("content-type", "application/json");
      const base = `http://127.0.0.1:${(skewed.address() as { port: number }).port}`;
      response.end(JSON.stringify(request.url?.endsWith("openid-configuration") ? { jwks_uri: `${base}/jwks` } : { keys: [] }));
    });
    await new Promise<void>((resolve) => skewed.listen(0, "127.0.0.1", resolve));
    try {
      const issuer = `http://127.0.0.1:${(skewed.address() as { port: number }).port}`;
      const [finding] = await checkIssuerClocks([issuer], 0);
      expect(finding).toMatchObject({
        level: "problem",
        what: expect.stringMatching(/clock \+(299|300|301)s against credvend's, beyond the 60s leeway/),
      });
    } finally {
      skewed.close();
    }
  });
});

describe("cli/README.md's revoke and doctor examples, run as written", () => {
  const README = readFileSync(new URL("../../cli/README.md", import.meta.url), "utf8");
  const BIN = new URL("../../cli/bin.js", import.meta.url).pathname;
  const ROOT = new URL("../..", import.meta.url).pathname;

  /** The sh block under `heading`, pointed at this stack, with `npx credvend` as this checkout's bin. */
  function example(heading: string): string {
    const section = README.slice(README.indexOf(heading));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    if (!block) throw new Error(`cli/README.md: no sh example under ${heading}`);
    return block.replaceAll("http://127.0.0.1:8787", stack.url).replaceAll("npx credvend", `node ${BIN}`);
  }

  const sh = (script: string) =>
    promisify(execFile)("bash", ["-euo", "pipefail", "-c", script], {
      cwd: ROOT,
      env: { ...process.env, CREDVEND_OIDC_TOKEN: "" },
    });

  it("revoke: two tokens of one run, vend with the first, revoke with the second", async () => {
    // The examples' dev token reads the default data dir: point them at this stack's.
    const script = example("## `credvend revoke`").replaceAll("dev token --repository", `dev token --data-dir ${dataDir} --repository`);
    const { stdout } = await sh(script);
    expect(stdout).toMatch(/^credential [0-9a-f-]{36} revoked \(revoked_by_owner\)\n$/);
  }, 90_000);

  it("doctor: the output the README shows", async () => {
    const { stdout } = await sh(example("## `credvend doctor`").replace("doctor", `doctor --data-dir ${dataDir}`));
    expect(stdout).toContain(`credvend doctor: ${stack.url}`);
    expect(stdout).toMatch(/ok +worker local-tokens \(local\): verified, configured\n/);
    expect(stdout).toMatch(
      /warning +worker aws-sts \(aws\): verified, NOT configured: every vend of its scopes answers 503 "not configured"/,
    );
  });
});
