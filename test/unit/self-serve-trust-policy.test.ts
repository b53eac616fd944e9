// Self-serve trust, the policy side: central delegations, target trust policies parsed strictly,
// and evaluateRequest deciding with the one matcher. Table-driven, attack cases named after the
// flaw each would let through.
import { describe, expect, it } from "vitest";
import { evaluateRequest, type TargetPolicyLookup } from "../../functions/core/policy/evaluate-request.js";
import { PolicyLoadError } from "../../functions/core/policy/load-policy.js";
import { loadPolicyYaml } from "../../functions/core/policy/policy-yaml.js";
import { compileTargetPolicy, type TargetPolicy } from "../../functions/core/policy/target-policy.js";
import { parseStrictYaml, StrictYamlError } from "../../plugin-workers/sdk/strict-yaml.js";
import { parseScope, type Scope } from "../../plugin-protocol/scope.js";

const GITHUB = "https://token.actions.githubusercontent.com";
const CENTRAL = `
version: 1
audience: credvend
issuers: [${GITHUB}]
rules:
  - name: web-reads-itself
    when: { repository_id: "1001" }
    allow: ["github:contents-read:acme/web"]
    maxTtl: 15m
delegations:
  - name: acme-self-serve
    when: { repository_owner_id: "42" }
    upTo: ["github:contents-*:acme/*", "github:pull-requests-write:acme/*"]
    maxTtl: 1h
`;

const TARGET = `
version: 1
grants:
  - name: release-from-web-main
    when: { repository_id: "1001", ref: refs/heads/main }
    allow: [contents-write, pull-requests-write, administration-write]
    maxTtl: 30m
`;

const central = loadPolicyYaml(CENTRAL);

/** What a worker (strict YAML, in the SDK) and the core (compile) do to a file, one after the other. */
function loadTargetPolicyYaml(yaml: string, issuers: readonly string[]): TargetPolicy {
  try {
    return compileTargetPolicy(parseStrictYaml(yaml), issuers);
  } catch (error) {
    throw error instanceof StrictYamlError ? new PolicyLoadError(error.problems) : error;
  }
}
const webMain = {
  iss: GITHUB,
  repository: "acme/web",
  repository_id: "1001",
  repository_owner: "acme",
  repository_owner_id: "42",
  ref: "refs/heads/main",
};
const origin = { repository: "acme/infra", path: ".github/credvend/release.yaml", commitSha: "a".repeat(40) };
const found = (yaml: string): TargetPolicyLookup => ({ status: "found", policy: loadTargetPolicyYaml(yaml, central.issuers), origin });

function decide(
  claims: Record<string, string>,
  scopes: string[],
  identity: string | undefined,
  lookup: TargetPolicyLookup,
  requestedTtlSeconds?: number,
) {
  const asked: Scope[] = [];
  return {
    asked,
    decision: evaluateRequest(central, claims, scopes.map(parseScope), {
      ...(identity === undefined ? {} : { identity }),
      ...(requestedTtlSeconds === undefined ? {} : { requestedTtlSeconds }),
      targetPolicies: async (scope) => {
        asked.push(scope);
        return lookup;
      },
    }),
  };
}

describe("evaluateRequest: central rules OR (delegation ceiling AND target grant)", () => {
  it.each<{
    name: string;
    claims?: Record<string, string>;
    scopes: string[];
    identity?: string;
    lookup?: TargetPolicyLookup;
    party?: string;
    by?: string;
    ttl?: number;
    requested?: number;
  }>([
    { name: "a central rule needs no identity", scopes: ["github:contents-read:acme/web"], by: "rule", ttl: 900 },
    {
      name: "a central rule grants with an identity too, without reading a target",
      scopes: ["github:contents-read:acme/web"],
      identity: "release",
      by: "rule",
    },
    {
      name: "delegated: ceiling and target grant both cover it; TTL the smaller maxTtl (30m < 1h)",
      scopes: ["github:contents-write:acme/infra"],
      identity: "release",
      by: "delegation",
      requested: 7200,
      ttl: 1800,
    },
    { name: "no identity: nothing but central rules", scopes: ["github:contents-write:acme/infra"], party: "policy" },
    {
      name: "target grant wider than the ceiling (administration-write) is refused by the ceiling",
      scopes: ["github:administration-write:acme/infra"],
      identity: "release",
      party: "ceiling",
    },
    {
      name: "a target outside the ceiling's owner (evil/infra)",
      scopes: ["github:contents-write:evil/infra"],
      identity: "release",
      party: "ceiling",
    },
    {
      name: "another owner's workflow is outside the delegation's when",
      claims: { ...webMain, repository_owner_id: "666", repository_id: "1001" },
      scopes: ["github:contents-write:acme/infra"],
      identity: "release",
      party: "ceiling",
    },
    {
      name: "another branch: the target grant's ref does not match",
      claims: { ...webMain, ref: "refs/heads/feature" },
      scopes: ["github:contents-write:acme/infra"],
      identity: "release",
      party: "target_policy",
    },
    {
      name: "renamed repository keeps its id: still granted under its new name",
      claims: { ...webMain, repository: "acme/web-renamed" },
      scopes: ["github:contents-write:acme/infra"],
      identity: "release",
      by: "delegation",
    },
    {
      name: "a new repository under the old name (another id) is not the granted one",
      claims: { ...webMain, repository_id: "9999" },
      scopes: ["github:contents-write:acme/infra"],
      identity: "release",
      party: "target_policy",
    },
    {
      name: "a permission the target does not allow (contents-read)",
      scopes: ["github:contents-read:acme/infra"],
      identity: "release",
      party: "target_policy",
    },
    {
      name: "no trust policy for the identity",
      scopes: ["github:contents-write:acme/infra"],
      identity: "deploy",
      lookup: { status: "missing" },
      party: "target_policy",
    },
    {
      name: "an invalid trust policy grants nothing",
      scopes: ["github:contents-write:acme/infra"],
      identity: "release",
      lookup: { status: "invalid", origin, problems: ["x"] },
      party: "target_policy",
    },
    {
      name: "GitHub failing: unavailable, never allowed",
      scopes: ["github:contents-write:acme/infra"],
      identity: "release",
      lookup: { status: "unavailable", reason: "GitHub is unavailable" },
      party: "target_policy_unavailable",
    },
    {
      name: "a requested wildcard target is never covered by a target grant",
      scopes: ["github:contents-write:acme/*"],
      identity: "release",
      party: "target_policy",
    },
  ])("$name", async ({ claims, scopes, identity, lookup, party, by, ttl, requested }) => {
    const { decision } = decide(claims ?? webMain, scopes, identity, lookup ?? found(TARGET), requested);
    const result = await decision;
    const outcome = result.outcomes[0]!;
    if (party) {
      expect(result.allowed).toBe(false);
      expect(outcome).toMatchObject({ allowed: false, party });
    } else {
      expect(result.allowed).toBe(true);
      expect(outcome).toMatchObject({ allowed: true, by: { kind: by } });
      if (ttl && result.allowed) expect(result.ttlSeconds).toBe(ttl);
    }
  });

  it("a delegated grant names the delegation, the target file, its commit and the grant", async () => {
    const result = await decide(webMain, ["github:contents-write:acme/infra"], "release", found(TARGET)).decision;
    expect(result.outcomes[0]).toEqual({
      scope: "github:contents-write:acme/infra",
      allowed: true,
      by: { kind: "delegation", delegation: "acme-self-serve", grant: "release-from-web-main", target: "acme/infra", ...origin },
      maxTtlSeconds: 1800,
    });
  });

  it("a denial never quotes either policy's content (grant names, claims, patterns)", async () => {
    for (const scope of ["github:administration-write:acme/infra", "github:contents-read:acme/infra"]) {
      const result = await decide({ ...webMain, ref: "refs/heads/x" }, [scope], "release", found(TARGET)).decision;
      const text = JSON.stringify(result.outcomes);
      for (const secretish of ["release-from-web-main", "1001", "acme-self-serve", "contents-*", "refs/heads/main", "30m"])
        expect(text).not.toContain(secretish);
    }
  });

  it("the ceiling is checked before any target is read: a scope outside it costs no GitHub call", async () => {
    const { asked, decision } = decide(webMain, ["github:administration-write:acme/infra"], "release", found(TARGET));
    await decision;
    expect(asked).toEqual([]);
  });

  it("reads each target once per request", async () => {
    const { asked, decision } = decide(
      webMain,
      ["github:contents-write:acme/infra", "github:pull-requests-write:acme/infra"],
      "release",
      found(TARGET),
    );
    expect((await decision).allowed).toBe(true);
    expect(asked).toHaveLength(1);
  });
});

describe("central delegations: compiled like rules", () => {
  it.each([
    {
      name: "glob anchor",
      delegation: `{ name: d, when: { repository_owner: "acme*" }, upTo: ["github:contents-read:acme/*"] }`,
      problem: "an anchor must be literal",
    },
    {
      name: "no anchor",
      delegation: `{ name: d, when: { ref: refs/heads/main }, upTo: ["github:contents-read:acme/*"] }`,
      problem: "must pin one of",
    },
    {
      name: "unknown field",
      delegation: `{ name: d, when: { repository_owner_id: "42" }, upTo: ["github:contents-read:acme/*"], allow: [] }`,
      problem: "unknown field",
    },
    {
      name: "bad upTo",
      delegation: `{ name: d, when: { repository_owner_id: "42" }, upTo: ["contents-read"] }`,
      problem: "provider:action:resource",
    },
  ])("refuses a delegation with $name", ({ delegation, problem }) => {
    const yaml = `version: 1\naudience: a\nissuers: [${GITHUB}]\nrules: []\ndelegations:\n  - ${delegation}\n`;
    expect(() => loadPolicyYaml(yaml)).toThrow(PolicyLoadError);
    expect(() => loadPolicyYaml(yaml)).toThrow(problem);
  });

  it("a policy without delegations has none (target policies grant nothing)", () => {
    expect(loadPolicyYaml(`version: 1\naudience: a\nissuers: [${GITHUB}]\nrules: []\n`).delegations).toEqual([]);
  });
});

describe("target trust policies: parsed strictly", () => {
  const grant = (extra = "") =>
    `version: 1\ngrants:\n  - name: g\n    when: { repository_id: "1001" }\n    allow: [contents-write]\n${extra}`;
  it.each([
    {
      name: "YAML anchors and aliases (what a reviewer reads is not what is granted)",
      yaml: `version: 1\nbase: &b { repository_id: "1001" }\ngrants:\n  - name: g\n    when: *b\n    allow: [contents-write]\n`,
      problem: /anchors \(&b\) are not allowed[\s\S]*aliases \(\*b\) are not allowed/,
    },
    {
      name: "a merge key",
      yaml: `version: 1\ngrants:\n  - <<: { name: g }\n    when: { repository_id: "1001" }\n    allow: [contents-write]\n`,
      problem: /unknown field|not valid YAML/,
    },
    {
      name: "duplicate keys (the second would silently win)",
      yaml: `${grant()}    allow: [administration-write]\n`,
      problem: /line 6, column 5: not valid YAML: Map keys must be unique/,
    },
    { name: "an explicit tag", yaml: `version: 1\ngrants: !!seq []\n`, problem: /explicit tags/ },
    { name: "an unknown field", yaml: grant("    ref: refs/heads/main\n"), problem: /grants\[0\]\.ref: unknown field/ },
    { name: "an unknown top-level field", yaml: `${grant()}rules: []\n`, problem: /rules: unknown field/ },
    {
      name: "a glob anchor",
      yaml: `version: 1\ngrants:\n  - name: g\n    when: { repository: "acme/*" }\n    allow: [contents-write]\n`,
      problem: /an anchor must be literal/,
    },
    {
      name: "no anchor",
      yaml: `version: 1\ngrants:\n  - name: g\n    when: { ref: refs/heads/main }\n    allow: [contents-write]\n`,
      problem: /must pin one of/,
    },
    {
      name: "a permission with a provider or target",
      yaml: `version: 1\ngrants:\n  - name: g\n    when: { repository_id: "1" }\n    allow: ["github:contents-write:acme/infra"]\n`,
      problem: /must be a permission on this repository/,
    },
    {
      name: "an issuer the central policy does not trust",
      yaml: `version: 1\ngrants:\n  - name: g\n    when: { repository_id: "1", iss: "https://evil" }\n    allow: [contents-write]\n`,
      problem: /must be one of the policy's issuers/,
    },
    { name: "version 2", yaml: grant().replace("version: 1", "version: 2"), problem: /version: must be 1/ },
    { name: "several documents", yaml: `${grant()}---\nversion: 1\ngrants: []\n`, problem: /not valid YAML/ },
    { name: "an oversize file (over 16 KiB)", yaml: `${grant()}# ${"x".repeat(16 * 1024)}\n`, problem: /over the 16384-byte limit/ },
  ])("refuses $name", ({ yaml, problem }) => {
    let error: unknown;
    try {
      loadTargetPolicyYaml(yaml, [GITHUB]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyLoadError);
    expect((error as PolicyLoadError).problems.join("\n")).toMatch(problem);
  });

  it("accepts the documented format, exactly 16 KiB included", () => {
    const text = grant("    maxTtl: 30m\n");
    const padded = `${text}#${" ".repeat(16 * 1024 - text.length - 2)}\n`;
    expect(new TextEncoder().encode(padded).byteLength).toBe(16 * 1024);
    const policy = loadTargetPolicyYaml(padded, [GITHUB]);
    expect(policy.grants.map((g) => [g.name, g.maxTtlSeconds, g.allow.map((a) => a.source)])).toEqual([["g", 1800, ["contents-write"]]]);
  });
});
