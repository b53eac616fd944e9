// Self-serve trust end to end below HTTP: the core's TargetPolicyReader and VendPipeline, the real
// gRPC-web client, the github worker with real Octokit, and a local stand-in for api.github.com.
// What is read (default branch only, the owner's .github as fallback), how failures deny, and the
// 60 s freshness bound with push markers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TargetPolicyReader } from "../../functions/core/policy/target-policy-reader.js";
import { evaluateRequest } from "../../functions/core/policy/evaluate-request.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import type { TrustPolicyInvalidations } from "../../functions/core/ports/trust-policy-invalidations.js";
import { invalidationKey } from "../../functions/core/ports/trust-policy-invalidations.js";
import { VendPipeline } from "../../functions/core/vend-pipeline.js";
import { parseScope } from "../../plugin-protocol/scope.js";
import { GitHubApp } from "../../plugin-workers/github/github-app.js";
import { createGitHubWorker } from "../../plugin-workers/github/worker.js";
import { startFakeGitHubApi, type FakeGitHubApi } from "../support/fake-github-api.js";
import { inMemoryWorkerClient } from "../support/in-memory-worker.js";
import { MemoryLedger } from "../support/memory-ledger.js";
import { StaticPluginDirectory } from "../support/static-plugin-directory.js";
import { ALL_TIME } from "../support/vend-fixture.js";

const GITHUB = "https://token.actions.githubusercontent.com";
const CENTRAL = loadPolicyYaml(`
version: 1
audience: credvend
issuers: [${GITHUB}]
rules: []
delegations:
  - name: acme-self-serve
    when: { repository_owner_id: "42" }
    upTo: ["github:contents-*:acme/*", "github:pull-requests-write:acme/*"]
    maxTtl: 1h
`);
const RELEASE = `version: 1
grants:
  - name: release-from-web-main
    when: { repository_id: "1001", ref: refs/heads/main }
    allow: [contents-write, administration-write]
    maxTtl: 1h
`;
const PATH = ".github/credvend/release.yaml";
const CALLER = {
  iss: GITHUB,
  repository: "acme/web",
  repository_id: "1001",
  repository_owner: "acme",
  repository_owner_id: "42",
  ref: "refs/heads/main",
  run_id: "7",
};

class MemoryInvalidations implements TrustPolicyInvalidations {
  readonly marks = new Map<string, Date>();
  async invalidate(provider: string, repository: string, at: Date): Promise<void> {
    this.marks.set(invalidationKey(provider, repository), at);
  }
  async lastChanged(provider: string, repository: string): Promise<Date | undefined> {
    return this.marks.get(invalidationKey(provider, repository));
  }
}

let github: FakeGitHubApi;
let repo = 0;
beforeAll(async () => {
  github = await startFakeGitHubApi();
});
afterAll(async () => github?.close());
beforeEach(() => {
  github.contentFailures.length = 0;
  github.contentsHang = false;
});

/** A fresh target per test (acme/infra-N), so no test sees another's commits. */
function setup(options: { withTrustPolicy?: boolean; githubTimeoutMs?: number } = {}) {
  const target = `acme/infra-${++repo}`;
  const app = new GitHubApp(
    { appId: github.appId, privateKey: github.privateKey, apiUrl: github.url },
    { timeoutMs: options.githubTimeoutMs ?? 4000 },
  );
  const impl = createGitHubWorker({ app });
  const worker = options.withTrustPolicy === false ? { ...impl, trustPolicy: undefined } : impl;
  const client = inMemoryWorkerClient(worker, { maxRetries: 0, timeoutMs: 8000 });
  const plugins = new StaticPluginDirectory([{ client, providers: ["github"] }]);
  let now = Date.parse("2026-12-06T12:00:00Z");
  const clock = { now: () => new Date(now) };
  const invalidations = new MemoryInvalidations();
  const reader = new TargetPolicyReader({ plugins, issuers: CENTRAL.issuers, invalidations, clock });
  const scope = parseScope(`github:contents-write:${target}`);
  return {
    target,
    scope,
    plugins,
    reader,
    invalidations,
    advance: (ms: number) => {
      now += ms;
    },
    clock,
    decide: async (scopes = [scope], identity = "release") =>
      evaluateRequest(CENTRAL, CALLER, scopes, { identity, targetPolicies: reader.source }),
  };
}

const contentReads = (target: string) => github.requests.filter((r) => r.path.startsWith(`/repos/${target}/contents/`)).length;

describe("what the github worker reads", () => {
  it("the file on the default branch, at its head commit: granted, the origin names that commit", async () => {
    const t = setup();
    const sha = github.commitFile(t.target, PATH, RELEASE);
    const decision = await t.decide();
    expect(decision.allowed).toBe(true);
    expect(decision.outcomes[0]).toMatchObject({
      by: { kind: "delegation", repository: t.target, path: PATH, commitSha: sha, grant: "release-from-web-main" },
    });
  });

  it("a policy on a non-default branch (a pull request's) is never read", async () => {
    const t = setup();
    github.commitFile(t.target, "README.md", "hello");
    github.commitFile(t.target, PATH, RELEASE, "attacker-branch");
    expect((await t.decide()).outcomes[0]).toMatchObject({
      allowed: false,
      party: "target_policy",
      reason: expect.stringMatching(/has no trust policy/),
    });
  });

  it("a policy in a fork grants nothing on the original", async () => {
    const t = setup();
    github.commitFile(t.target, "README.md", "hello");
    github.commitFile(t.target.replace("acme/", "evil/"), PATH, RELEASE);
    expect((await t.decide()).outcomes[0]).toMatchObject({ allowed: false, party: "target_policy" });
  });

  it("falls back to the owner's .github repository; the target's own file wins over it", async () => {
    const t = setup();
    github.commitFile(t.target, "README.md", "hello");
    const orgSha = github.commitFile("acme/.github", ".github/credvend/fallback-test.yaml", RELEASE);
    const viaOrg = await t.decide([t.scope], "fallback-test");
    expect(viaOrg.outcomes[0]).toMatchObject({ allowed: true, by: { repository: "acme/.github", commitSha: orgSha } });
    github.commitFile(t.target, ".github/credvend/fallback-test.yaml", RELEASE.replace("contents-write", "pull-requests-write"));
    t.advance(60_000);
    expect((await t.decide([t.scope], "fallback-test")).outcomes[0]).toMatchObject({ allowed: false, party: "target_policy" });
  });

  it("a renamed or transferred repository is refused by its old name (GitHub's redirect is not followed into another repository)", async () => {
    const t = setup();
    github.commitFile(t.target, PATH, RELEASE);
    github.renameRepository(t.target, `${t.target}-renamed`);
    expect((await t.decide()).outcomes[0]).toMatchObject({
      allowed: false,
      party: "target_policy",
      reason: expect.stringMatching(/renamed or transferred/),
    });
  });

  it("an oversize file (17 KiB) is refused unread", async () => {
    const t = setup();
    github.commitFile(t.target, PATH, `${RELEASE}# ${"x".repeat(17 * 1024)}\n`);
    expect((await t.decide()).outcomes[0]).toMatchObject({
      allowed: false,
      party: "target_policy",
      reason: expect.stringMatching(/is not valid/),
    });
  });

  it("a worker without TrustPolicy (protocol 1.1): delegation unavailable for its provider", async () => {
    const t = setup({ withTrustPolicy: false });
    github.commitFile(t.target, PATH, RELEASE);
    expect((await t.decide()).outcomes[0]).toMatchObject({
      allowed: false,
      party: "target_policy_unavailable",
      reason: expect.stringMatching(/does not read trust policies/),
    });
  });
});

describe("GitHub failing denies, never allows", () => {
  it.each([
    { name: "404", failure: { status: 404 }, party: "target_policy" },
    { name: "403", failure: { status: 403 }, party: "target_policy_unavailable" },
    { name: "500", failure: { status: 500 }, party: "target_policy_unavailable" },
    { name: "502", failure: { status: 502 }, party: "target_policy_unavailable" },
  ])("GitHub $name", async ({ failure, party }) => {
    const t = setup();
    github.commitFile(t.target, PATH, RELEASE);
    github.contentFailures.push(failure);
    expect((await t.decide()).outcomes[0]).toMatchObject({ allowed: false, party });
  });

  it("GitHub hanging (timeout)", async () => {
    const t = setup({ githubTimeoutMs: 300 });
    github.commitFile(t.target, PATH, RELEASE);
    github.contentsHang = true;
    expect((await t.decide()).outcomes[0]).toMatchObject({ allowed: false, party: "target_policy_unavailable" });
  });
});

describe("freshness: at most 60 s, push markers, conditional reads", () => {
  it("within 60 s the cached copy answers without GitHub; past 60 s an unchanged head is revalidated without reading the file", async () => {
    const t = setup();
    github.commitFile(t.target, PATH, RELEASE);
    expect((await t.decide()).allowed).toBe(true);
    const before = github.requests.length;
    t.advance(59_000);
    expect((await t.decide()).allowed).toBe(true);
    expect(github.requests.length).toBe(before);
    t.advance(2_000);
    expect((await t.decide()).allowed).toBe(true);
    expect(github.requests.length).toBeGreaterThan(before);
    expect(contentReads(t.target)).toBe(1);
  });

  it("concurrent vends share one read of GitHub", async () => {
    const t = setup();
    github.commitFile(t.target, PATH, RELEASE);
    const decisions = await Promise.all(Array.from({ length: 8 }, () => t.decide()));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(contentReads(t.target)).toBe(1);
  });

  it("stale cache past 60 s while GitHub is down: denied (never allowed from the old copy)", async () => {
    const t = setup();
    github.commitFile(t.target, PATH, RELEASE);
    expect((await t.decide()).allowed).toBe(true);
    t.advance(60_001);
    github.contentFailures.push({ status: 503 }, { status: 503 });
    expect((await t.decide()).outcomes[0]).toMatchObject({ allowed: false, party: "target_policy_unavailable" });
  });

  it("a push marker newer than the copy is read again at once: a removed grant stops granting within 60 s", async () => {
    const t = setup();
    github.commitFile(t.target, PATH, RELEASE);
    expect((await t.decide()).allowed).toBe(true);
    t.advance(1_000);
    github.commitFile(t.target, PATH, RELEASE.replace("contents-write", "pull-requests-write"));
    // Without the marker the old copy still answers (its 60 s are not up).
    expect((await t.decide()).allowed).toBe(true);
    await t.invalidations.invalidate("github", t.target.toUpperCase(), t.clock.now());
    t.advance(1);
    expect((await t.decide()).outcomes[0]).toMatchObject({ allowed: false, party: "target_policy" });
  });

  it("a marker older than the copy changes nothing (no needless GitHub call)", async () => {
    const t = setup();
    github.commitFile(t.target, PATH, RELEASE);
    await t.invalidations.invalidate("github", t.target, t.clock.now());
    t.advance(1);
    expect((await t.decide()).allowed).toBe(true);
    const before = github.requests.length;
    expect((await t.decide()).allowed).toBe(true);
    expect(github.requests.length).toBe(before);
  });
});

describe("the vend pipeline with a delegated grant", () => {
  it("vends through the target's grant; the ledger's vend event names delegation, file, commit and grant", async () => {
    const t = setup();
    github.installations.get("acme")!.repositories.push(t.target.split("/")[1]!);
    const sha = github.commitFile(t.target, PATH, RELEASE);
    const ledger = new MemoryLedger();
    const pipeline = new VendPipeline({
      policy: CENTRAL,
      plugins: t.plugins,
      ledger,
      notifier: { notify: async () => undefined },
      targetPolicies: t.reader.source,
    });
    const vended = await pipeline.vend(CALLER, { scopes: [`github:contents-write:${t.target}`], ttlSeconds: 3600, identity: "release" });
    const events = await ledger.auditByCredential(vended.credentialId);
    expect(events[0]?.details?.grantedBy).toBe(
      `delegation acme-self-serve, target ${t.target}: ${t.target}/${PATH}@${sha} grant release-from-web-main`,
    );
    expect(events[0]?.details?.identity).toBe("release");
  });

  it("refuses a grant outside the ceiling with 403 naming the ceiling, and GitHub failing with 503 target_policy_unavailable; both audited", async () => {
    const t = setup();
    github.commitFile(t.target, PATH, RELEASE);
    const ledger = new MemoryLedger();
    const pipeline = new VendPipeline({
      policy: CENTRAL,
      plugins: t.plugins,
      ledger,
      notifier: { notify: async () => undefined },
      targetPolicies: t.reader.source,
    });
    await expect(pipeline.vend(CALLER, { scopes: [`github:administration-write:${t.target}`], identity: "release" })).rejects.toMatchObject(
      {
        kind: "forbidden",
        code: "scope_denied",
        message: expect.stringContaining("(ceiling: "),
      },
    );
    github.contentFailures.push({ status: 500 });
    await expect(pipeline.vend(CALLER, { scopes: [`github:contents-write:${t.target}`], identity: "release" })).rejects.toMatchObject({
      kind: "unavailable",
      code: "target_policy_unavailable",
    });
    const denials = (await ledger.auditByTime(ALL_TIME)).filter((e) => e.type === "deny");
    expect(denials.map((e) => [e.reason, e.details?.refusedBy])).toEqual([
      ["scope_denied", "ceiling"],
      ["target_policy_unavailable", "target_policy_unavailable"],
    ]);
  });
});
