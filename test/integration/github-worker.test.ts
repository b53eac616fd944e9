// The github worker through the real gRPC-web client, with real Octokit and @octokit/auth-app
// talking HTTP to a local stand-in for api.github.com (GITHUB_API_URL).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WorkerError } from "../../functions/core/errors.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { loadGitHubAppCredentials } from "../../plugin-workers/github/config.js";
import { ConfigError } from "../../plugin-workers/sdk/index.js";
import { GitHubApp } from "../../plugin-workers/github/github-app.js";
import { createGitHubWorker } from "../../plugin-workers/github/worker.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";

const SUBJECT = { repository: "acme/web", ref: "refs/heads/main", run_id: "1", actor: "octocat" };

let github: FakeGitHubApi;
beforeAll(async () => {
  github = await startFakeGitHubApi();
});
afterAll(async () => github?.close());
beforeEach(() => {
  github.requests.length = 0;
  github.tokenFailures.length = 0;
});

function setup(configured = true) {
  const credentials = loadGitHubAppCredentials({
    GITHUB_APP_ID: github.appId,
    GITHUB_APP_PRIVATE_KEY: github.privateKey,
    GITHUB_API_URL: github.url,
  });
  const app = configured && credentials ? new GitHubApp(credentials) : undefined;
  const client = inMemoryWorkerClient(createGitHubWorker(app ? { app } : {}), { maxRetries: 0 });
  const vend = async (scopes: string[], ttlSeconds = 3600) => {
    const request = { scopes: scopes.map(parseScope), subject: SUBJECT, ttlSeconds };
    const prepared = await client.prepare(request);
    return client.vend({ ...request, credentialId: "cred-1", serialized: prepared.serialized!.serialized });
  };
  return { client, vend };
}

const tokenCalls = () => github.requests.filter((r) => r.path.endsWith("/access_tokens"));

describe("github validate", () => {
  const cases: { scope: string; error?: RegExp }[] = [
    { scope: "github:contents-read:acme/web" },
    { scope: "github:pull-requests-write:acme/web" },
    { scope: "github:metadata-read:acme/web.site" },
    { scope: "github:workflows-write:acme/web" },
    { scope: "github:metadata-write:acme/web", error: /"metadata" permission has no write level/ },
    { scope: "github:workflows-read:acme/web", error: /no read level/ },
    { scope: "github:teleport-read:acme/web", error: /no repository permission "teleport"/ },
    { scope: "github:contents-admin:acme/web", error: /must be <permission>-read or <permission>-write/ },
    { scope: "github:contents-read:acme", error: /expected owner\/repo/ },
    { scope: "github:contents-read:acme/*", error: /wildcards are not allowed/ },
    { scope: "github:contents-read:-acme/web", error: /expected owner\/repo/ },
    { scope: "github:contents-read:acme/web/extra", error: /expected owner\/repo/ },
  ];
  for (const { scope, error } of cases) {
    it(`${error ? "rejects" : "accepts"} ${scope}`, async () => {
      const [result] = await setup().client.validate([parseScope(scope)]);
      expect(result!.valid).toBe(!error);
      if (error) expect(result!.error).toMatch(error);
    });
  }

  it("flags sensitive write permissions as high risk", async () => {
    const analyses = await setup().client.analyze({
      scopes: ["github:contents-read:acme/web", "github:issues-write:acme/web", "github:workflows-write:acme/web"].map(parseScope),
      subject: SUBJECT,
      ttlSeconds: 3600,
    });
    expect(analyses.map((a) => a.risk)).toEqual(["low", "medium", "high"]);
  });
});

describe("github vend", () => {
  it("mints ONE token for several scopes, narrowed to the named repositories and permissions", async () => {
    const result = await setup().vend([
      "github:contents-read:acme/web",
      "github:pull-requests-write:acme/web",
      "github:contents-read:acme/api",
      "github:issues-read:acme/web",
    ]);
    expect(tokenCalls()).toEqual([
      {
        method: "POST",
        path: "/app/installations/77/access_tokens",
        body: { repositories: ["api", "web"], permissions: { contents: "read", issues: "read", pull_requests: "write" } },
      },
    ]);
    expect(github.requests[0]).toMatchObject({ method: "GET", path: "/repos/acme/api/installation" });
    expect(result.credential).toEqual({ token: github.nextToken });
    expect(result.credential.token?.length).toBeGreaterThan(500);
    expect(result.expiresAt.getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(JSON.parse(result.upstreamRef)).toEqual({
      installationId: 77,
      owner: "acme",
      repositories: ["api", "web"],
      permissions: { contents: "read", issues: "read", pull_requests: "write" },
    });
    expect(result.upstreamRef).not.toContain(github.nextToken);
  });

  it("write covers read for the same permission, and read is never widened to write", async () => {
    await setup().vend(["github:contents-read:acme/web", "github:contents-write:acme/web"]);
    await setup().vend(["github:contents-read:acme/web"]);
    expect(tokenCalls().map((c) => (c.body as { permissions: unknown }).permissions)).toEqual([
      { contents: "write" },
      { contents: "read" },
    ]);
  });

  it("keeps repository names as written, one per name whatever the case", async () => {
    github.installations.get("acme")!.repositories.push("Docs");
    try {
      await setup().vend(["github:contents-read:acme/Docs", "github:issues-read:acme/docs", "github:contents-read:ACME/web"]);
      expect((tokenCalls()[0]!.body as { repositories: string[] }).repositories).toEqual(["Docs", "web"]);
    } finally {
      github.installations.get("acme")!.repositories.pop();
    }
  });

  it("looks the installation up once per owner", async () => {
    const { vend } = setup();
    await vend(["github:contents-read:acme/web"]);
    await vend(["github:contents-read:acme/api"]);
    expect(github.requests.filter((r) => r.path.endsWith("/installation"))).toHaveLength(1);
    expect(tokenCalls()).toHaveLength(2);
  });

  const manualUrls = [
    {
      name: "an organization's installation: its settings page under the organization",
      scope: "github:contents-read:acme/web",
      url: "https://github.com/organizations/acme/settings/installations/77",
    },
    {
      name: "a user's installation: the user's installation settings page",
      scope: "github:contents-read:octocat/dotfiles",
      url: "https://github.com/settings/installations/78",
    },
    {
      name: "an installation answer without an account: the installation settings page",
      scope: "github:contents-read:ghost/web",
      url: "https://github.com/settings/installations/79",
    },
  ];
  for (const { name, scope, url } of manualUrls) {
    it(`manual revocation URL of ${name}`, async () => {
      github.installations.set("ghost", { id: 79, repositories: ["web"] });
      try {
        const { vend } = setup();
        expect((await vend([scope])).manualRevocationUrl).toBe(url);
        // The second vend reads the cached installation: the account type survives the cache.
        expect((await vend([scope])).manualRevocationUrl).toBe(url);
        expect(github.requests.filter((r) => r.path.endsWith("/installation"))).toHaveLength(1);
      } finally {
        github.installations.delete("ghost");
      }
    });
  }

  const refusals: { name: string; scopes: string[]; ttl?: number; error: RegExp; kind: WorkerError["kind"]; calls: number }[] = [
    {
      name: "a repository outside the installation",
      scopes: ["github:contents-read:acme/secret-repo"],
      error: /outside the App's installation.*not accessible to the parent installation/,
      kind: "invalid_request",
      calls: 1,
    },
    {
      name: "an owner without the App",
      scopes: ["github:contents-read:other/web"],
      error: /not installed on other\/web/,
      kind: "invalid_request",
      calls: 0,
    },
    {
      name: "two owners",
      scopes: ["github:contents-read:acme/web", "github:contents-read:other/web"],
      error: /one owner's repositories/,
      kind: "invalid_request",
      calls: 0,
    },
    {
      name: "a TTL under GitHub's hour",
      scopes: ["github:contents-read:acme/web"],
      ttl: 900,
      error: /cannot revoke them early \(no token vault\), but 900s was granted/,
      kind: "invalid_request",
      calls: 0,
    },
  ];
  for (const { name, scopes, ttl, error, kind, calls } of refusals) {
    it(`refuses ${name}`, async () => {
      const caught = await setup()
        .vend(scopes, ttl)
        .catch((e: unknown) => e);
      expect(caught).toBeInstanceOf(WorkerError);
      expect((caught as WorkerError).kind).toBe(kind);
      expect((caught as WorkerError).message).toMatch(error);
      expect(tokenCalls()).toHaveLength(calls);
    });
  }

  const failures = [
    { status: 422, body: { message: "The permissions requested are not granted to this installation." }, kind: "invalid_request" },
    { status: 404, kind: "invalid_request" },
    { status: 500, kind: "unavailable" },
    { status: 503, kind: "unavailable" },
    { status: 403, headers: { "x-ratelimit-remaining": "0" }, kind: "unavailable" },
  ] as const;
  for (const failure of failures) {
    it(`maps GitHub ${failure.status} on the token endpoint to ${failure.kind}`, async () => {
      github.tokenFailures.push({
        status: failure.status,
        ...("body" in failure ? { body: failure.body } : {}),
        ...("headers" in failure ? { headers: failure.headers } : {}),
      });
      const caught = await setup()
        .vend(["github:contents-read:acme/web"])
        .catch((e: unknown) => e);
      expect((caught as WorkerError).kind).toBe(failure.kind);
    });
  }

  it("a hung GitHub answers unavailable within the request deadline", async () => {
    github.hang = true;
    try {
      const credentials = loadGitHubAppCredentials({
        GITHUB_APP_ID: github.appId,
        GITHUB_APP_PRIVATE_KEY: github.privateKey,
        GITHUB_API_URL: github.url,
      })!;
      const client = inMemoryWorkerClient(createGitHubWorker({ app: new GitHubApp(credentials, { timeoutMs: 300 }) }), { maxRetries: 0 });
      const request = { scopes: [parseScope("github:contents-read:acme/web")], subject: SUBJECT, ttlSeconds: 3600 };
      const prepared = await client.prepare(request);
      const caught = await client
        .vend({ ...request, credentialId: "c", serialized: prepared.serialized!.serialized })
        .catch((e: unknown) => e);
      expect((caught as WorkerError).kind).toBe("unavailable");
    } finally {
      github.hang = false;
    }
  });

  it("a wrong App key is refused by GitHub and reported without the key", async () => {
    const other = await startFakeGitHubApi();
    try {
      const credentials = loadGitHubAppCredentials({
        GITHUB_APP_ID: github.appId,
        GITHUB_APP_PRIVATE_KEY: other.privateKey,
        GITHUB_API_URL: github.url,
      })!;
      const client = inMemoryWorkerClient(createGitHubWorker({ app: new GitHubApp(credentials) }), { maxRetries: 0 });
      const request = { scopes: [parseScope("github:contents-read:acme/web")], subject: SUBJECT, ttlSeconds: 3600 };
      const prepared = await client.prepare(request);
      const caught = await client
        .vend({ ...request, credentialId: "c", serialized: prepared.serialized!.serialized })
        .catch((e: unknown) => e);
      expect((caught as WorkerError).kind).toBe("upstream_failed");
      expect(String((caught as WorkerError).message)).not.toContain("PRIVATE KEY");
    } finally {
      await other.close();
    }
  });

  it("without an App, validates but Vend answers unavailable (not configured)", async () => {
    const { client, vend } = setup(false);
    expect((await client.validate([parseScope("github:contents-read:acme/web")]))[0]!.valid).toBe(true);
    const caught = await vend(["github:contents-read:acme/web"]).catch((e: unknown) => e);
    expect((caught as WorkerError).kind).toBe("unavailable");
    expect(github.requests).toEqual([]);
  });
});

describe("github config", () => {
  it("is undefined when nothing is set, and refuses half a configuration", () => {
    expect(loadGitHubAppCredentials({})).toBeUndefined();
    expect(() => loadGitHubAppCredentials({ GITHUB_APP_ID: "1" })).toThrow(ConfigError);
    expect(() => loadGitHubAppCredentials({ GITHUB_APP_ID: "1", GITHUB_APP_PRIVATE_KEY: "not a key" })).toThrow(
      /expected a PEM private key/,
    );
    expect(() => loadGitHubAppCredentials({ GITHUB_APP_ID: "1", GITHUB_APP_PRIVATE_KEY: "k", GITHUB_API_URL: "ftp://x" })).toThrow(
      /GITHUB_API_URL/,
    );
  });
});
