// `credvend policy check` and `credvend policy explain` on files, as an operator runs them: the
// core's loaders and evaluator decide, the CLI places problems (line:column) and names, per scope,
// the rule or the delegation + grant that allowed it, or the condition that refused it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/capture-output.js";

const dir = mkdtempSync(join(tmpdir(), "credvend-policy-cli-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const CENTRAL = file(
  "central.yaml",
  `version: 1
audience: credvend
issuers: [https://token.actions.githubusercontent.com]
rules:
  - name: web-main-github
    when: { repository_id: "264037838", ref: refs/heads/main }
    allow: ["github:contents-read:acme/web"]
    maxTtl: 1h
  - name: web-by-name
    when: { repository: acme/web, ref: refs/heads/main }
    allow: ["local:read:*"]
delegations:
  - name: acme-self-serve
    when: { repository_owner_id: "4200" }
    upTo: ["github:contents-*:acme/*", "github:pull-requests-write:acme/*"]
    maxTtl: 1h
`,
);
const TARGET = file(
  "release.yaml",
  `version: 1
grants:
  - name: release-from-web-main
    when: { repository_id: "264037838", ref: refs/heads/main }
    allow: [contents-write, administration-write]
    maxTtl: 30m
`,
);
const claims = (overrides: Record<string, unknown> = {}) =>
  file(
    `claims-${Math.random().toString(36).slice(2)}.json`,
    JSON.stringify({
      iss: "https://token.actions.githubusercontent.com",
      aud: "credvend",
      repository: "acme/web",
      repository_id: 264037838,
      repository_owner: "acme",
      repository_owner_id: "4200",
      ref: "refs/heads/main",
      ...overrides,
    }),
  );

describe("credvend policy check", () => {
  it("the sample policy is valid: exit 0", async () => {
    const { code, out } = await runCli(["policy", "check", "credvend.policy.yaml"]);
    expect(code).toBe(0);
    expect(out).toBe("credvend.policy.yaml: central policy: valid, 0 errors, 0 warnings\n");
  });

  it("places each problem at its line and column, and warns about an anchor by name", async () => {
    const bad = file(
      "bad.yaml",
      `version: 1
audience: credvend
issuers: [https://token.actions.githubusercontent.com]
rules:
  - name: one
    when: { repository_owner_id: "4*" }
    allow: ["github:contents-read:acme/web"]
    maxTTL: 1h
`,
    );
    const { code, out } = await runCli(["policy", "check", bad]);
    expect(code).toBe(1);
    expect(out).toContain(`${bad}:8:5: error: rules[0].maxTTL: unknown field`);
    expect(out).toContain(`${bad}:6:13: error: rules[0].when.repository_owner_id: an anchor must be literal, not a glob`);
    expect(out).toContain(`${bad}: central policy: invalid, 2 errors, 0 warnings`);
    const named = await runCli(["policy", "check", CENTRAL]);
    expect(named.code).toBe(0);
    expect(named.out).toContain(`${CENTRAL}:10:13: warning: rules[1].when.repository: anchored by name`);
    expect(named.out).toContain("pin repository_id instead");
  });

  it.each([
    ["YAML syntax", "version: 1\ngrants: [\n", /:3:1: error: /],
    ["duplicate keys", "version: 1\ngrants: []\ngrants: []\n", /:3:1: error: .*(unique|duplicate)/i],
    [
      "an alias",
      "version: 1\ngrants:\n  - &g { name: a, when: { repository_id: '1' }, allow: [contents-read] }\n  - *g\n",
      /:4:5: error: aliases/,
    ],
    [
      "an oversize file",
      `version: 1\ngrants: []\n#${"x".repeat(17_000)}\n`,
      /:1:1: error: the file is \d+ bytes, over the 16384-byte limit/,
    ],
    [
      "a permission with a provider",
      "version: 1\ngrants:\n  - { name: a, when: { repository_id: '1' }, allow: ['github:contents-read'] }\n",
      /:3:54: error: grants\[0\]\.allow\[0\]/,
    ],
  ])("a target policy with %s: error with its place, exit 1", async (_, text, expected) => {
    const path = file(`target-${Math.random().toString(36).slice(2)}.yaml`, text);
    const { code, out } = await runCli(["policy", "check", path]);
    expect(code).toBe(1);
    expect(out).toMatch(expected);
    expect(out).toContain("target policy: invalid");
  });

  it("usage: no file → exit 2; an unreadable file → exit 1", async () => {
    expect((await runCli(["policy", "check"])).code).toBe(2);
    expect((await runCli(["policy", "check", CENTRAL, "--kind", "other"])).code).toBe(2);
    const missing = await runCli(["policy", "check", join(dir, "nope.yaml")]);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining("cannot read") });
  });
});

describe("credvend policy explain", () => {
  const explain = (claimsFile: string, scopes: string[], extra: string[] = []) =>
    runCli(["policy", "explain", "--claims", claimsFile, "--policy", CENTRAL, ...scopes.flatMap((s) => ["--scope", s]), ...extra]);
  const release = ["--identity", "release", "--target-policy", TARGET];

  it.each([
    {
      name: "a central rule",
      claims: {},
      scope: "github:contents-read:acme/web",
      extra: [],
      line: "ALLOW github:contents-read:acme/web  by rule web-main-github (maxTtl 1h)",
    },
    {
      name: "a delegation + target grant",
      claims: {},
      scope: "github:contents-write:acme/infra",
      extra: release,
      line: `ALLOW github:contents-write:acme/infra  by delegation acme-self-serve + grant release-from-web-main of ${TARGET} (target acme/infra; maxTtl 30m)`,
    },
    {
      name: "a target grant wider than the ceiling",
      claims: {},
      scope: "github:administration-write:acme/infra",
      extra: release,
      line: "DENY  github:administration-write:acme/infra  ceiling: no delegation's upTo covers it; no central rule allows it, for any workflow",
    },
    {
      name: "another branch",
      claims: { ref: "refs/heads/feature" },
      scope: "github:contents-write:acme/infra",
      extra: release,
      line: 'DENY  github:contents-write:acme/infra  target_policy: grant release-from-web-main covers it but its when fails: ref "refs/heads/feature" does not match refs/heads/main; no central rule allows it, for any workflow',
    },
    {
      name: "no identity",
      claims: {},
      scope: "github:contents-write:acme/infra",
      extra: [],
      line: "DENY  github:contents-write:acme/infra  policy: no central rule allows it, for any workflow; a delegation covers it: ask with --identity",
    },
    {
      name: "a permission the target does not grant",
      claims: {},
      scope: "github:pull-requests-write:acme/infra",
      extra: release,
      line: `DENY  github:pull-requests-write:acme/infra  target_policy: no grant of ${TARGET} allows pull-requests-write; no central rule allows it, for any workflow`,
    },
    {
      name: "another owner (outside the delegation's when)",
      claims: { repository_owner_id: "999" },
      scope: "github:contents-write:acme/infra",
      extra: release,
      line: 'DENY  github:contents-write:acme/infra  ceiling: delegation acme-self-serve covers it but its when fails: repository_owner_id "999" does not match 4200; no central rule allows it, for any workflow',
    },
    {
      name: "a renamed repository: the id holds, the name-anchored rule does not",
      claims: { repository: "acme/website" },
      scope: "local:read:billing",
      extra: [],
      line: 'DENY  local:read:billing  policy: rule web-by-name covers it but its when fails: repository "acme/website" does not match acme/web',
    },
    {
      name: "the renamed repository's id-anchored rule still allows",
      claims: { repository: "acme/website" },
      scope: "github:contents-read:acme/web",
      extra: [],
      line: "ALLOW github:contents-read:acme/web  by rule web-main-github (maxTtl 1h)",
    },
  ])("$name: one line", async ({ claims: overrides, scope, extra, line }) => {
    const { code, out } = await explain(claims(overrides), [scope], extra);
    expect(out).toBe(`${line}\n`);
    expect(code).toBe(line.startsWith("ALLOW") ? 0 : 1);
  });

  it("an invalid target policy refuses with target_policy and names the first problem", async () => {
    const invalid = file("invalid.yaml", "version: 1\ngrants:\n  - { name: a, when: { repository_id: '1*' }, allow: [contents-write] }\n");
    const { code, out } = await explain(
      claims(),
      ["github:contents-write:acme/infra"],
      ["--identity", "release", "--target-policy", invalid],
    );
    expect(code).toBe(1);
    expect(out).toContain("target_policy: the target policy is not valid: grants[0].when.repository_id: an anchor must be literal");
  });

  it("--token reads the claims of a JWT (signature not checked) and reports its issuer and audience first", async () => {
    const token = await new SignJWT({ repository_id: "264037838", ref: "refs/heads/main", repository_owner_id: "4200" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("https://elsewhere.example")
      .setAudience("other")
      .sign(new TextEncoder().encode("k".repeat(32)));
    const { code, out } = await runCli([
      "policy",
      "explain",
      "--token",
      token,
      "--policy",
      CENTRAL,
      "--scope",
      "github:contents-read:acme/web",
    ]);
    expect(code).toBe(1);
    expect(out.split("\n")).toEqual([
      expect.stringMatching(/^TOKEN iss "https:\/\/elsewhere.example" is not one of the policy's issuers/),
      'TOKEN aud "other" is not the policy\'s audience "credvend": the vend answers 401',
      "ALLOW github:contents-read:acme/web  by rule web-main-github (maxTtl 1h)",
      "",
    ]);
  });

  it("one line per scope, in order", async () => {
    const { out } = await explain(
      claims(),
      ["github:contents-read:acme/web", "local:admin:billing", "github:contents-write:acme/infra"],
      release,
    );
    expect(
      out
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+/).slice(0, 2).join(" ")),
    ).toEqual(["ALLOW github:contents-read:acme/web", "DENY local:admin:billing", "ALLOW github:contents-write:acme/infra"]);
  });

  it.each([
    [["--policy", CENTRAL, "--scope", "local:read:x"], "give --token JWT or --claims FILE"],
    [["--token", "x.y.z", "--claims", "c.json", "--scope", "local:read:x"], "give --token JWT or --claims FILE"],
    [["--token", "not-a-jwt", "--policy", CENTRAL, "--scope", "local:read:x"], "--token: not a JWT"],
    [["--claims", "CLAIMS", "--policy", CENTRAL], "--scope is required"],
    [["--claims", "CLAIMS", "--policy", CENTRAL, "--scope", "nope"], "--scope:"],
    [["--claims", "CLAIMS", "--policy", CENTRAL, "--scope", "local:read:x", "--identity", "../etc"], "--identity:"],
  ])("usage error %j → exit 2 with %s", async (args, message) => {
    const path = claims();
    const { code, err } = await runCli(["policy", "explain", ...args.map((a) => (a === "CLAIMS" ? path : a))]);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });
});
