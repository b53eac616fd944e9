import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultDevClaims } from "../../cli/dev/dev-oidc-issuer.js";
import { parseDuration } from "../../functions/core/policy/duration.js";
import { matchesSomeAnchor } from "../../functions/core/policy/anchors.js";
import { evaluatePolicy } from "../../functions/core/policy/evaluate-policy.js";
import { PolicyLoadError } from "../../functions/core/policy/load-policy.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import { parseScope } from "../../plugin-protocol/scope.js";

const POLICY = `
version: 1
audience: credvend
issuers: [https://token.actions.githubusercontent.com]
rules:
  - name: web-deploy
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["aws:s3-write:acme-web-assets/*", "github:contents-read:acme/web", "local:read:*"]
    maxTtl: 15m
  - name: web-any-branch
    when: { repository: acme/web, ref: "refs/heads/*" }
    allow: ["local:read:docs"]
    maxTtl: 5m
  - name: release-workflow
    when: { repository_owner_id: "4242", job_workflow_ref: "acme/workflows/.github/workflows/release.yml@refs/heads/main" }
    allow: ["local:admin:releases"]
    maxTtl: 1h
`;

const policy = loadPolicyYaml(POLICY);
const mainBranch = { repository: "acme/web", ref: "refs/heads/main", sub: "repo:acme@1/web@2:ref:refs/heads/main" };
const scopes = (...texts: string[]) => texts.map(parseScope);

describe("evaluatePolicy", () => {
  it.each<{ name: string; claims: Record<string, string>; scopes: string[]; allowed: boolean }>([
    { name: "exact allow", claims: mainBranch, scopes: ["github:contents-read:acme/web"], allowed: true },
    { name: "glob resource", claims: mainBranch, scopes: ["aws:s3-write:acme-web-assets/builds/1.zip"], allowed: true },
    {
      name: "requested wildcard inside allowed wildcard",
      claims: mainBranch,
      scopes: ["aws:s3-write:acme-web-assets/builds/*"],
      allowed: true,
    },
    { name: "requested wildcard wider than allowed", claims: mainBranch, scopes: ["aws:s3-write:*"], allowed: false },
    { name: "other bucket", claims: mainBranch, scopes: ["aws:s3-write:acme-web-assetsX/a"], allowed: false },
    { name: "write not granted by read", claims: mainBranch, scopes: ["github:contents-write:acme/web"], allowed: false },
    { name: "other repository", claims: { ...mainBranch, repository: "acme/api" }, scopes: ["local:read:x"], allowed: false },
    {
      name: "prefix attack on repository",
      claims: { ...mainBranch, repository: "acme/web-evil" },
      scopes: ["local:read:x"],
      allowed: false,
    },
    {
      name: "feature branch, narrow rule",
      claims: { ...mainBranch, ref: "refs/heads/feat/x" },
      scopes: ["local:read:docs"],
      allowed: true,
    },
    {
      name: "feature branch, main-only scope",
      claims: { ...mainBranch, ref: "refs/heads/feat/x" },
      scopes: ["local:read:other"],
      allowed: false,
    },
    { name: "one of two scopes denied", claims: mainBranch, scopes: ["local:read:x", "local:write:x"], allowed: false },
    { name: "missing claim never matches", claims: { repository: "acme/web" }, scopes: ["local:read:docs"], allowed: false },
    {
      name: "reusable workflow rule",
      claims: { repository_owner_id: "4242", job_workflow_ref: "acme/workflows/.github/workflows/release.yml@refs/heads/main" },
      scopes: ["local:admin:releases"],
      allowed: true,
    },
    {
      name: "reusable workflow called from another owner's repository",
      claims: { repository_owner_id: "666", job_workflow_ref: "acme/workflows/.github/workflows/release.yml@refs/heads/main" },
      scopes: ["local:admin:releases"],
      allowed: false,
    },
  ])("$name", ({ claims, scopes: requested, allowed }) => {
    expect(evaluatePolicy(policy, claims, scopes(...requested)).allowed).toBe(allowed);
  });

  it("names every denied scope", () => {
    const decision = evaluatePolicy(policy, mainBranch, scopes("local:read:x", "local:write:x", "local:admin:y"));
    expect(decision).toMatchObject({ allowed: false, denied: ["local:write:x", "local:admin:y"] });
  });

  it("narrows the TTL to the rule's maxTtl instead of refusing", () => {
    expect(evaluatePolicy(policy, mainBranch, scopes("local:read:x"), 7200)).toMatchObject({
      allowed: true,
      ttlSeconds: 900,
      ttlNarrowed: true,
    });
    expect(evaluatePolicy(policy, mainBranch, scopes("local:read:x"), 300)).toMatchObject({
      allowed: true,
      ttlSeconds: 300,
      ttlNarrowed: false,
    });
  });

  it("uses the smallest maxTtl among the rules that cover the scopes", () => {
    const feature = { ...mainBranch, ref: "refs/heads/feat" };
    expect(evaluatePolicy(policy, feature, scopes("local:read:docs"), 3600)).toMatchObject({ ttlSeconds: 300, ttlRule: "web-any-branch" });
    // On main both rules cover local:read:docs: the more generous one is the grant.
    expect(evaluatePolicy(policy, mainBranch, scopes("local:read:docs"), 3600)).toMatchObject({ ttlSeconds: 900, ttlRule: "web-deploy" });
  });

  it("defaults the TTL to 15 minutes, within maxTtl", () => {
    expect(evaluatePolicy(policy, mainBranch, scopes("local:read:x"))).toMatchObject({ ttlSeconds: 900 });
    const feature = { ...mainBranch, ref: "refs/heads/feat" };
    expect(evaluatePolicy(policy, feature, scopes("local:read:docs"))).toMatchObject({ ttlSeconds: 300 });
  });

  it("denies everything with no rules", () => {
    const empty = loadPolicyYaml("version: 1\naudience: a\nissuers: [https://i]\nrules: []\n");
    expect(evaluatePolicy(empty, mainBranch, scopes("local:read:x"))).toMatchObject({
      allowed: false,
      reason: "no rule matches this workflow",
    });
  });
});

// Review finding: an allow pattern was matched against the whole `provider:action:resource`
// string, so a `*` in the action slot matched ':' and everything after it, and S3 keys may hold ':'.
describe("evaluatePolicy: provider, action and resource are matched separately", () => {
  const segmented = loadPolicyYaml(`
version: 1
audience: credvend
issuers: [https://token.actions.githubusercontent.com]
rules:
  - name: assets
    when: { repository: acme/web }
    allow: ["aws:s3-*:acme-web-assets/builds/*", "aws:role:arn:aws:iam::111122223333:role/deploy-*", "local:*:docs"]
`);
  const web = { repository: "acme/web" };

  it.each<{ name: string; scope: string; allowed: boolean }>([
    {
      name: "action wildcard does not cross ':' into the resource (victim-bucket)",
      scope: "aws:s3-write:victim-bucket/x:acme-web-assets/builds/*",
      allowed: false,
    },
    {
      name: "action wildcard does not cross ':' into the resource (victim-bucket, literal key)",
      scope: "aws:s3-write:victim-bucket/x:acme-web-assets/builds/1.zip",
      allowed: false,
    },
    { name: "a bare action wildcard does not cross ':' into the resource", scope: "local:read:secrets:docs", allowed: false },
    { name: "action wildcard covers actions", scope: "aws:s3-write:acme-web-assets/builds/1.zip", allowed: true },
    {
      name: "action wildcard covers a requested resource wildcard inside the allowed one",
      scope: "aws:s3-read:acme-web-assets/builds/*",
      allowed: true,
    },
    { name: "action wildcard keeps its literal prefix", scope: "aws:dynamodb-write:acme-web-assets/builds/1", allowed: false },
    { name: "bare action wildcard covers any action on the literal resource", scope: "local:admin:docs", allowed: true },
    {
      name: "resource wildcard still matches ':' inside the resource (S3 key)",
      scope: "aws:s3-write:acme-web-assets/builds/a:b",
      allowed: true,
    },
    { name: "resource wildcard still matches inside an ARN", scope: "aws:role:arn:aws:iam::111122223333:role/deploy-web", allowed: true },
    { name: "literal ARN prefix is kept", scope: "aws:role:arn:aws:iam::999999999999:role/deploy-web", allowed: false },
    { name: "requested resource wildcard wider than allowed", scope: "aws:s3-write:acme-web-assets/*", allowed: false },
  ])("$name", ({ scope, allowed }) => {
    expect(evaluatePolicy(segmented, web, scopes(scope)).allowed).toBe(allowed);
  });

  it("action wildcard does not match ':' in a scope built outside the grammar (a worker's normalization)", () => {
    const smuggled = { provider: "aws", action: "s3-write:victim-bucket/x", resource: "acme-web-assets/builds/1.zip" };
    expect(evaluatePolicy(segmented, web, [smuggled])).toMatchObject({
      allowed: false,
      denied: ["aws:s3-write:victim-bucket/x:acme-web-assets/builds/1.zip"],
    });
  });
});

describe("loadPolicyYaml", () => {
  const base = (rule: string) => `version: 1\naudience: credvend\nissuers: [https://token.actions.githubusercontent.com]\nrules:\n${rule}`;

  it.each([
    { name: "unknown top-level field", text: `${base("  []")}\nextra: 1`, want: "extra: unknown field" },
    {
      name: "unknown rule field",
      text: base("  - { name: a, when: { repository: a/b }, allow: [local:read:x], deny: [] }"),
      want: "rules[0].deny: unknown field",
    },
    {
      name: "typo in claim name",
      text: base("  - { name: a, when: { repo: a/b }, allow: [local:read:x] }"),
      want: 'rules[0].when.repo: unknown claim "repo"',
    },
    {
      name: "rule without an anchor",
      text: base("  - { name: a, when: { ref: refs/heads/main }, allow: [local:read:x] }"),
      want: "rules[0].when: must pin one of",
    },
    {
      name: "bad glob",
      text: base("  - { name: a, when: { repository: 'a/[bc]' }, allow: [local:read:x] }"),
      want: "rules[0].when.repository: unsupported glob character '['",
    },
    {
      name: "double star",
      text: base("  - { name: a, when: { repository: a/b }, allow: ['local:read:**'] }"),
      want: "rules[0].allow[0]: '**' is not supported",
    },
    {
      name: "wildcard provider",
      text: base("  - { name: a, when: { repository: a/b }, allow: ['*:read:x'] }"),
      want: "rules[0].allow[0]: provider",
    },
    {
      name: "allow not a scope",
      text: base("  - { name: a, when: { repository: a/b }, allow: ['local-read'] }"),
      want: "must look like provider:action:resource",
    },
    {
      name: "allow without a resource",
      text: base("  - { name: a, when: { repository: a/b }, allow: ['local:read:'] }"),
      want: "must look like provider:action:resource",
    },
    {
      name: "action that no scope can have",
      text: base("  - { name: a, when: { repository: a/b }, allow: ['aws:S3-read:x'] }"),
      want: `rules[0].allow[0]: action "S3-read" must be lower-case letters, digits, dashes and '*'`,
    },
    {
      name: "double star in the action",
      text: base("  - { name: a, when: { repository: a/b }, allow: ['aws:s3-**:x'] }"),
      want: "rules[0].allow[0]: '**' is not supported",
    },
    {
      name: "whitespace in the resource",
      text: base("  - { name: a, when: { repository: a/b }, allow: ['local:read:a b'] }"),
      want: "rules[0].allow[0]: whitespace",
    },
    {
      name: "bad duration",
      text: base("  - { name: a, when: { repository: a/b }, allow: [local:read:x], maxTtl: 15 }"),
      want: 'rules[0].maxTtl: "15" is not a duration',
    },
    {
      name: "duration too long",
      text: base("  - { name: a, when: { repository: a/b }, allow: [local:read:x], maxTtl: 24h }"),
      want: "rules[0].maxTtl: must be between",
    },
    {
      name: "duplicate rule names",
      text: base(
        "  - { name: a, when: { repository: a/b }, allow: [local:read:x] }\n  - { name: a, when: { repository: a/c }, allow: [local:read:x] }",
      ),
      want: 'rules[1].name: "a" is used by another rule',
    },
    { name: "wrong version", text: base("  []").replace("version: 1", "version: 2"), want: "version: must be 1" },
    { name: "missing audience", text: base("  []").replace("audience: credvend\n", ""), want: "audience: must be a non-empty string" },
    {
      name: "issuer not a URL",
      text: base("  []").replace("https://token.actions.githubusercontent.com", "github"),
      want: "issuers[0]: must be an https URL",
    },
    {
      name: "issuer over http to a remote host (keys and tokens could be forged on the path)",
      text: base("  []").replace("https://", "http://"),
      want: "issuers[0]: must use https (http only for loopback: 127.0.0.0/8, [::1], localhost), not http://token.actions.githubusercontent.com",
    },
    {
      name: "issuer with another scheme",
      text: base("  []").replace("https://", "ftp://"),
      want: "issuers[0]: must be an https URL, not ftp",
    },
    { name: "not YAML", text: "version: [1", want: "not valid YAML" },
    { name: "duplicate keys", text: "version: 1\nversion: 1\n", want: "not valid YAML" },
    { name: "not a mapping", text: "- 1\n", want: "must be a mapping" },
  ])("rejects $name", ({ text, want }) => {
    expect(() => loadPolicyYaml(text)).toThrow(PolicyLoadError);
    expect(() => loadPolicyYaml(text)).toThrow(want);
  });

  it.each(["http://127.0.0.1:8787/dev-oidc", "http://localhost:8787", "http://[::1]:8787"])(
    "accepts an http issuer on loopback for local development: %s",
    (issuer) => {
      expect(loadPolicyYaml(base("  []").replace("https://token.actions.githubusercontent.com", `"${issuer}"`)).issuers).toEqual([issuer]);
    },
  );

  it("reports every problem at once", () => {
    const text = base("  - { name: a, when: { repo: a/b }, allow: ['local-read'], maxTtl: soon }");
    try {
      loadPolicyYaml(text);
      expect.unreachable();
    } catch (err) {
      expect((err as PolicyLoadError).problems.length).toBeGreaterThanOrEqual(3);
    }
  });
});

// Review finding: the anchor claim was only checked for presence. `repository: "*"` matched every
// repository on GitHub, `repository_owner: acme*` matched attacker-registered `acme-evil`,
// `job_workflow_ref` alone matched a public reusable workflow called from anywhere, and with
// several issuers a rule took the same claims from any of them.
describe("loadPolicyYaml: anchors that anchor", () => {
  const GITHUB = "https://token.actions.githubusercontent.com";
  const GHES = "https://ghes.acme.example/_services/token";
  const withRule = (when: string, issuers = `[${GITHUB}]`) =>
    `version: 1\naudience: credvend\nissuers: ${issuers}\nrules:\n  - { name: a, when: ${when}, allow: [local:read:x] }\n`;
  const WORKFLOW = "acme/workflows/.github/workflows/release.yml@refs/heads/main";

  it.each([
    {
      name: "repository '*' (would match every repository on GitHub)",
      when: "{ repository: '*' }",
      want: "rules[0].when.repository: an anchor must be literal, not a glob",
    },
    {
      name: "repository_owner 'acme*' (would match attacker-registered acme-evil)",
      when: "{ repository_owner: 'acme*' }",
      want: "rules[0].when.repository_owner: an anchor must be literal, not a glob",
    },
    {
      name: "repository 'acme/*' beside a literal owner id (every anchor named must be literal)",
      when: "{ repository_owner_id: '1001', repository: 'acme/*' }",
      want: "rules[0].when.repository: an anchor must be literal, not a glob",
    },
    {
      name: "repository_id glob",
      when: "{ repository_id: '12*' }",
      want: "rules[0].when.repository_id: an anchor must be literal, not a glob",
    },
    {
      name: "repository_owner_id glob",
      when: "{ repository_owner_id: '*' }",
      want: "rules[0].when.repository_owner_id: an anchor must be literal, not a glob",
    },
    {
      name: "job_workflow_ref as the only anchor (a public reusable workflow can be called from any repository)",
      when: `{ job_workflow_ref: '${WORKFLOW}' }`,
      want: "rules[0].when.job_workflow_ref: not an anchor on its own",
    },
    {
      name: "no anchor at all",
      when: "{ ref: refs/heads/main }",
      want: "rules[0].when: must pin one of repository, repository_id, repository_owner, repository_owner_id",
    },
    {
      name: "a rule without iss when several issuers are trusted (either issuer's claims would match)",
      when: "{ repository: acme/web }",
      issuers: `[${GITHUB}, ${GHES}]`,
      want: "rules[0].when.iss: required when the policy trusts more than one issuer",
    },
    {
      name: "iss that is not one of the issuers",
      when: "{ iss: 'https://evil.example', repository: acme/web }",
      issuers: `[${GITHUB}, ${GHES}]`,
      want: "rules[0].when.iss: must be one of the policy's issuers",
    },
    {
      name: "iss as a glob",
      when: "{ iss: 'https://*', repository: acme/web }",
      issuers: `[${GITHUB}, ${GHES}]`,
      want: "rules[0].when.iss: must be one of the policy's issuers",
    },
    {
      name: "iss that is not the only issuer",
      when: `{ iss: '${GHES}', repository: acme/web }`,
      want: "rules[0].when.iss: must be one of the policy's issuers",
    },
  ])("rejects $name", ({ when, issuers, want }) => {
    expect(() => loadPolicyYaml(withRule(when, issuers))).toThrow(want);
  });

  it("accepts several literal anchors beside globs on other claims", () => {
    const loaded = loadPolicyYaml(
      withRule("{ repository_owner_id: '1001', repository_id: 2002, repository: acme/web, ref: 'refs/heads/*' }"),
    );
    const claims = { repository_owner_id: "1001", repository_id: "2002", repository: "acme/web", ref: "refs/heads/feat/x" };
    expect(evaluatePolicy(loaded, claims, scopes("local:read:x")).allowed).toBe(true);
    // A renamed-away name reused by someone else keeps the name but not the id.
    expect(evaluatePolicy(loaded, { ...claims, repository_id: "9999" }, scopes("local:read:x")).allowed).toBe(false);
  });

  it("accepts job_workflow_ref beside an owner anchor, and matches only that owner's callers", () => {
    const loaded = loadPolicyYaml(withRule(`{ repository_owner_id: '1001', job_workflow_ref: '${WORKFLOW}' }`));
    expect(evaluatePolicy(loaded, { repository_owner_id: "1001", job_workflow_ref: WORKFLOW }, scopes("local:read:x")).allowed).toBe(true);
    expect(evaluatePolicy(loaded, { repository_owner_id: "666", job_workflow_ref: WORKFLOW }, scopes("local:read:x")).allowed).toBe(false);
  });

  it("a literal owner anchor does not match a look-alike owner (acme-evil)", () => {
    const loaded = loadPolicyYaml(withRule("{ repository_owner: acme }"));
    expect(evaluatePolicy(loaded, { repository_owner: "acme" }, scopes("local:read:x")).allowed).toBe(true);
    expect(evaluatePolicy(loaded, { repository_owner: "acme-evil" }, scopes("local:read:x")).allowed).toBe(false);
  });

  it("with several issuers, a rule matches only tokens of the issuer it names", () => {
    const loaded = loadPolicyYaml(withRule(`{ iss: '${GHES}', repository: acme/web }`, `[${GITHUB}, ${GHES}]`));
    expect(evaluatePolicy(loaded, { iss: GHES, repository: "acme/web" }, scopes("local:read:x")).allowed).toBe(true);
    expect(evaluatePolicy(loaded, { iss: GITHUB, repository: "acme/web" }, scopes("local:read:x")).allowed).toBe(false);
  });

  it("with one issuer, iss is optional but must be that issuer when given", () => {
    expect(() => loadPolicyYaml(withRule("{ repository: acme/web }"))).not.toThrow();
    expect(() => loadPolicyYaml(withRule(`{ iss: '${GITHUB}', repository: acme/web }`))).not.toThrow();
  });
});

describe("the docs' policy example", () => {
  it.each([
    ["README.md", "## A minimal policy"],
    ["docs/policy.md", "## The policy file"],
  ])("%s (%s) loads, and allows what it says for acme/web's dev token", (file, heading) => {
    const doc = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
    expect(doc).toContain(`\n${heading}\n`);
    const section = doc.slice(doc.indexOf(`\n${heading}\n`) + heading.length + 2).split("\n## ")[0]!;
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const loaded = loadPolicyYaml(example!);
    const web = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
    expect(evaluatePolicy(loaded, web, scopes("aws:s3-write:acme-web-assets/builds/1.zip")).allowed).toBe(true);
    expect(evaluatePolicy(loaded, web, scopes("aws:s3-write:victim-bucket/x:acme-web-assets/builds/*")).allowed).toBe(false);
  });
});

describe("the sample credvend.policy.yaml", () => {
  const sample = loadPolicyYaml(readFileSync(new URL("../../credvend.policy.yaml", import.meta.url), "utf8"));

  it("anchors every rule on a literal id", () => {
    for (const rule of sample.rules) expect(rule.when.get("repository_id")?.source, rule.name).toMatch(/^\d+$/);
  });

  it("matches the ids `credvend dev token --repository acme/web` carries, and no other repository's", () => {
    const web = defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" });
    expect(evaluatePolicy(sample, web, scopes("local:read:billing")).allowed).toBe(true);
    const api = defaultDevClaims({ repository: "acme/api", ref: "refs/heads/main" });
    expect(evaluatePolicy(sample, api, scopes("local:read:billing")).allowed).toBe(false);
    // A look-alike that only copies the name claims, not the id, is not acme/web.
    expect(evaluatePolicy(sample, { ...api, repository: "acme/web" }, scopes("local:read:billing")).allowed).toBe(false);
  });
});

describe("parseDuration", () => {
  it.each([
    ["900s", 900],
    ["15m", 900],
    ["1h", 3600],
    ["1h30m", 5400],
    ["15", undefined],
    ["15 m", undefined],
    ["1m1m", undefined],
    ["", undefined],
  ])("%j → %j", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
});

// Review finding "any GitHub repository can flood the ledger": a token that no rule's anchors
// match is refused before anything else and audited once per owner and hour.
describe("matchesSomeAnchor: which tokens the policy could ever serve", () => {
  const GITHUB = "https://token.actions.githubusercontent.com";
  const GHES = "https://ghes.acme.example/_services/token";
  const policy = loadPolicyYaml(`
version: 1
audience: credvend
issuers: [${GITHUB}, ${GHES}]
rules:
  - { name: by-ids, when: { iss: ${GITHUB}, repository_owner_id: "1001", repository_id: "2002", ref: refs/heads/main }, allow: [local:read:x] }
  - { name: by-owner, when: { iss: ${GITHUB}, repository_owner: tools }, allow: [local:read:x] }
  - { name: on-ghes, when: { iss: ${GHES}, repository: corp/app }, allow: [local:read:x] }
`);
  it.each([
    {
      name: "the anchored repository, by ids (any ref: the ref is not an anchor)",
      claims: { iss: GITHUB, repository_owner_id: "1001", repository_id: "2002", ref: "refs/heads/feature" },
      want: true,
    },
    {
      name: "another repository of the owner pinned with a repository",
      claims: { iss: GITHUB, repository_owner_id: "1001", repository_id: "3003" },
      want: false,
    },
    {
      name: "any repository of an owner pinned alone",
      claims: { iss: GITHUB, repository_owner: "tools", repository: "tools/x" },
      want: true,
    },
    { name: "a look-alike owner", claims: { iss: GITHUB, repository_owner: "tools-evil", repository: "tools-evil/x" }, want: false },
    { name: "a repository pinned on another issuer", claims: { iss: GITHUB, repository: "corp/app" }, want: false },
    { name: "that repository on its issuer", claims: { iss: GHES, repository: "corp/app" }, want: true },
    { name: "a token without the anchor claims", claims: { iss: GITHUB }, want: false },
  ] as { name: string; claims: Record<string, string>; want: boolean }[])("$name → $want", ({ claims, want }) => {
    expect(matchesSomeAnchor(policy, claims)).toBe(want);
  });

  it("a policy without rules serves nobody", () => {
    const empty = loadPolicyYaml(`version: 1\naudience: credvend\nissuers: [${GITHUB}]\nrules: []\n`);
    expect(matchesSomeAnchor(empty, defaultDevClaims({ repository: "acme/web", ref: "refs/heads/main" }))).toBe(false);
  });
});
