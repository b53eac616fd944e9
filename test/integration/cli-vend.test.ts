// `credvend vend` as a CI job runs it: the job's OIDC token from a local stand-in for the Actions
// token endpoint, the vend app over loopback with the aws-sts worker and a local STS behind it.
// The credential_process output is consumed by the AWS SDK's real fromProcess provider.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromProcess } from "@aws-sdk/credential-providers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startAwsVendServer, type AwsVendServer } from "../support/aws-vend-server.js";
import { startFakeActionsOidc, type FakeActionsOidc } from "../support/fake-actions-oidc.js";
import { parseGitHubFile } from "../support/github-files.js";
import { runCli } from "../support/capture-output.js";

const SCOPE = "aws:s3-read:acme-web-assets";
const BIN = fileURLToPath(new URL("../../cli/bin.js", import.meta.url));

let stack: AwsVendServer;
let oidc: FakeActionsOidc;
const saved = { ...process.env };

beforeAll(async () => {
  stack = await startAwsVendServer();
  oidc = await startFakeActionsOidc(stack.fixture);
});
afterAll(async () => {
  await oidc?.close();
  await stack?.close();
});
afterEach(() => {
  process.env = { ...saved };
  oidc.failWith = undefined;
  vi.restoreAllMocks();
});

function inActionsJob(): void {
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = oidc.requestUrl;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = oidc.requestToken;
  delete process.env.CREDVEND_OIDC_TOKEN;
}

const run = runCli;

const secretsOf = (stack: AwsVendServer) => {
  const issued = stack.sts.issued.at(-1)!;
  return [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken];
};

describe("credvend vend", () => {
  it("--format json: asks GitHub for a token with the audience, vends, prints the answer", async () => {
    inActionsJob();
    const { code, out, err } = await run(["vend", "--url", stack.url, "--scope", SCOPE, "--ttl", "900"]);
    expect(code).toBe(0);
    expect(oidc.audiences.at(-1)).toBe("credvend");
    const answer = JSON.parse(out) as { provider: string; scopes: string[]; credential: Record<string, string> };
    expect(answer).toMatchObject({ provider: "aws", scopes: [SCOPE] });
    expect(Object.values(answer.credential)).toEqual(secretsOf(stack));
    for (const secret of secretsOf(stack)) expect(err).not.toContain(secret);
  });

  // Regression: 7200 s came back as 1800 s with nothing on the CLI's stderr.
  it("a TTL over the policy's maxTtl: the credential on stdout, the narrowing note on stderr (regression: silent TTL narrowing)", async () => {
    inActionsJob();
    const { code, out, err } = await run(["vend", "--url", stack.url, "--scope", SCOPE, "--ttl", "7200"]);
    expect(code).toBe(0);
    expect((JSON.parse(out) as { ttlSeconds: number }).ttlSeconds).toBe(1800);
    expect(err).toContain("credvend: note: ttlSeconds 7200 narrowed to 1800 by the policy's maxTtl (rule web-main-assets)");
    for (const secret of secretsOf(stack)) expect(err).not.toContain(secret);
  });

  it("--format env: shell exports the AWS tools read", async () => {
    inActionsJob();
    const { code, out } = await run(["vend", "--url", stack.url, "--scope", SCOPE, "--format", "env"]);
    expect(code).toBe(0);
    const [key, secret, session] = secretsOf(stack);
    expect(out).toContain(`export AWS_ACCESS_KEY_ID='${key}'\n`);
    expect(out).toContain(`export AWS_SECRET_ACCESS_KEY='${secret}'\n`);
    expect(out).toContain(`export AWS_SESSION_TOKEN='${session}'\n`);
    expect(out).toMatch(/export CREDVEND_CREDENTIAL_ID='[0-9a-f-]{36}'\n/);
  });

  it("--format github-env: masks every secret first, then writes $GITHUB_ENV and $GITHUB_OUTPUT", async () => {
    inActionsJob();
    const dir = mkdtempSync(join(tmpdir(), "credvend-gh-"));
    process.env.GITHUB_ENV = join(dir, "env");
    process.env.GITHUB_OUTPUT = join(dir, "output");
    const { code, out, err } = await run([
      "vend",
      "--url",
      stack.url,
      "--scope",
      SCOPE,
      "--format",
      "github-env",
      "--audience",
      "credvend",
    ]);
    expect(code).toBe(0);
    expect(oidc.audiences.at(-1)).toBe("credvend");
    const lines = out.trim().split("\n");
    expect(lines.slice(0, 3)).toEqual(secretsOf(stack).map((s) => `::add-mask::${s}`));
    // After the masks, nothing printed holds a secret.
    for (const secret of secretsOf(stack)) expect(lines.slice(3).join("\n") + err).not.toContain(secret);
    const env = parseGitHubFile(readFileSync(process.env.GITHUB_ENV, "utf8"));
    expect([env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN]).toEqual(secretsOf(stack));
    const outputs = parseGitHubFile(readFileSync(process.env.GITHUB_OUTPUT, "utf8"));
    expect(outputs["credential-id"]).toBe(env.CREDVEND_CREDENTIAL_ID);
    expect(outputs["expires-at"]).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("--format credential-process is consumed by the AWS SDK's fromProcess provider", async () => {
    inActionsJob();
    const dir = mkdtempSync(join(tmpdir(), "credvend-aws-"));
    writeFileSync(
      join(dir, "config"),
      `[profile ci]\ncredential_process = node ${BIN} vend --url ${stack.url} --scope ${SCOPE} --format credential-process\n`,
    );
    writeFileSync(join(dir, "credentials"), "");
    process.env.AWS_CONFIG_FILE = join(dir, "config");
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
    const credentials = await fromProcess({ profile: "ci" })();
    const [key, secret, session] = secretsOf(stack);
    expect(credentials).toMatchObject({ accessKeyId: key, secretAccessKey: secret, sessionToken: session });
    expect(credentials.expiration?.toISOString()).toBe(stack.sts.issued.at(-1)!.expiration);
  });
});

describe("credvend vend failures: exit codes and messages, never a secret", () => {
  it.each([
    { name: "no --url", argv: ["vend", "--scope", SCOPE], message: /--url/ },
    {
      name: "--url over http to a remote host (the OIDC token would travel in clear text)",
      argv: ["vend", "--url", "http://vend.example.com", "--scope", SCOPE],
      message:
        /--url \(or CREDVEND_URL\): must use https \(http only for loopback: 127\.0\.0\.0\/8, \[::1\], localhost\), not http:\/\/vend\.example\.com/,
    },
    {
      name: "--url not a URL",
      argv: ["vend", "--url", "vend.example.com", "--scope", SCOPE],
      message: /--url \(or CREDVEND_URL\): must be an https URL/,
    },
    { name: "no scope", argv: ["vend", "--url", "http://127.0.0.1:9"], message: /--scope/ },
    { name: "unknown format", argv: ["vend", "--url", "http://127.0.0.1:9", "--scope", SCOPE, "--format", "yaml"], message: /--format/ },
    {
      name: "credential-process for github",
      argv: ["vend", "--url", "http://127.0.0.1:9", "--scope", "github:contents-read:acme/web", "--format", "credential-process"],
      message: /aws: scope/,
    },
    {
      name: "--identity with a slash",
      argv: ["vend", "--url", "http://127.0.0.1:9", "--scope", SCOPE, "--identity", "acme/release"],
      message: /--identity \(or CREDVEND_IDENTITY\): identity: 1 to 63 lower-case/,
    },
    {
      name: "--identity in upper case",
      argv: ["vend", "--url", "http://127.0.0.1:9", "--scope", SCOPE, "--identity", "Release"],
      message: /--identity/,
    },
    {
      name: "--identity of 64 characters",
      argv: ["vend", "--url", "http://127.0.0.1:9", "--scope", SCOPE, "--identity", `r${"x".repeat(63)}`],
      message: /--identity/,
    },
    {
      name: "container for a local scope",
      argv: ["vend", "--url", "http://127.0.0.1:9", "--scope", "local:read:billing", "--format", "container"],
      message: /--format container: every scope must be an aws: scope/,
    },
  ])("$name → exit 2 before asking for a token", async ({ argv, message }) => {
    inActionsJob();
    const asked = oidc.audiences.length;
    const { code, err } = await run(argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(oidc.audiences).toHaveLength(asked);
  });

  it("CREDVEND_URL over http to a remote host → exit 2 before asking for a token", async () => {
    inActionsJob();
    process.env.CREDVEND_URL = "http://10.1.2.3:8787";
    const asked = oidc.audiences.length;
    const { code, err } = await run(["vend", "--scope", SCOPE]);
    expect(code).toBe(2);
    expect(err).toMatch(/CREDVEND_URL\): must use https .*not http:\/\/10\.1\.2\.3:8787/);
    expect(oidc.audiences).toHaveLength(asked);
  });

  it.each(["http://localhost:9", "http://[::1]:9", "http://127.0.0.2:9"])(
    "--url %s over http is allowed (loopback): no usage error, the call is made",
    async (url) => {
      inActionsJob();
      const { code, err } = await run(["vend", "--url", url, "--scope", SCOPE]);
      expect(code).toBe(5);
      expect(err).toContain("cannot reach credvend");
    },
  );

  it("outside Actions (no id-token permission) → exit 3, saying how to fix it", async () => {
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    delete process.env.CREDVEND_OIDC_TOKEN;
    const { code, err } = await run(["vend", "--url", stack.url, "--scope", SCOPE]);
    expect(code).toBe(3);
    expect(err).toContain("id-token: write");
  });

  it("the Actions token endpoint failing → exit 3", async () => {
    inActionsJob();
    oidc.failWith = 500;
    const { code, err } = await run(["vend", "--url", stack.url, "--scope", SCOPE]);
    expect(code).toBe(3);
    expect(err).toContain("answered 500");
    expect(err).not.toContain(oidc.requestToken);
  });

  it("a scope the policy denies → exit 4 with the server's code and message", async () => {
    inActionsJob();
    const { code, out, err } = await run(["vend", "--url", stack.url, "--scope", "aws:s3-write:acme-web-assets/*"]);
    expect(code).toBe(4);
    expect(out).toBe("");
    expect(err).toMatch(/403 scope_denied: denied by policy: aws:s3-write:acme-web-assets\/\*/);
  });

  it("--identity goes to the server; an identity no delegation serves is refused there → exit 4", async () => {
    inActionsJob();
    const { code, err } = await run(["vend", "--url", stack.url, "--scope", "aws:s3-write:acme-web-assets/*", "--identity", "release"]);
    expect(code).toBe(4);
    expect(err).toMatch(/403 scope_denied: denied by policy: aws:s3-write:acme-web-assets\/\* \(ceiling: /);
  });

  it("STS throttled → exit 5 with the retry hint", async () => {
    inActionsJob();
    stack.sts.failures.push({ status: 400, code: "Throttling" }, { status: 400, code: "Throttling" });
    const { code, err } = await run(["vend", "--url", stack.url, "--scope", SCOPE]);
    expect(code).toBe(5);
    expect(err).toMatch(/503 worker_unavailable: .*throttling.*retry after 5s/);
  });

  it("credvend unreachable → exit 5", async () => {
    inActionsJob();
    const { code, err } = await run(["vend", "--url", "http://127.0.0.1:9", "--scope", SCOPE]);
    expect(code).toBe(5);
    expect(err).toContain("cannot reach credvend");
  });

  it("--help documents every format and exit code", async () => {
    const { code, out } = await run(["vend", "--help"]);
    expect(code).toBe(0);
    for (const word of ["json", "env", "credential-process", "github-env", "id-token: write", "Exit codes"]) expect(out).toContain(word);
  });
});
