// `credvend policy explain`: for each scope, one line saying what allowed it (a central rule, or a
// delegation + a target grant) or, for a denial, which condition of which rule refused it. The
// verdict is the core's own (evaluateRequest); this file only adds the operator's detail, which
// the HTTP API never gives a caller.
import type { Claims } from "../plugin-protocol/claims.js";
import { parseScope, type Scope } from "../plugin-protocol/scope.js";
import { matchesSomeAnchor } from "../functions/core/policy/anchors.js";
import { formatDuration } from "../functions/core/policy/duration.js";
import { coveringRule, type Matchable } from "../functions/core/policy/evaluate-policy.js";
import { evaluateRequest, type ScopeOutcome, type TargetPolicyLookup } from "../functions/core/policy/evaluate-request.js";
import type { Glob } from "../functions/core/policy/glob.js";
import type { Policy } from "../functions/core/policy/policy.js";

export interface ExplainInput {
  readonly policy: Policy;
  readonly claims: Claims;
  readonly scopes: readonly string[];
  readonly identity?: string;
  /** What `--target-policy` holds, for every delegated scope's target; undefined when not given. */
  readonly target?: TargetPolicyLookup;
}

export interface Explanation {
  /** Problems of the token itself (issuer, audience, anchors): the vend would stop there. */
  readonly token: readonly string[];
  readonly lines: readonly { readonly allowed: boolean; readonly text: string }[];
}

export async function explainRequest(input: ExplainInput): Promise<Explanation> {
  const scopes = input.scopes.map(parseScope);
  const decision = await evaluateRequest(input.policy, input.claims, scopes, {
    ...(input.identity !== undefined ? { identity: input.identity } : {}),
    targetPolicies: async () => input.target ?? { status: "unavailable", reason: "no --target-policy FILE given" },
  });
  const lines = decision.outcomes.map((outcome, i) => ({
    allowed: outcome.allowed,
    text: `${outcome.allowed ? "ALLOW" : "DENY "} ${outcome.scope}  ${detail(input, scopes[i]!, outcome)}`,
  }));
  return { token: tokenProblems(input.policy, input.claims), lines };
}

function detail(input: ExplainInput, scope: Scope, outcome: ScopeOutcome): string {
  if (outcome.allowed) {
    const ttl = `maxTtl ${formatDuration(outcome.maxTtlSeconds)}`;
    if (outcome.by.kind === "rule") return `by rule ${outcome.by.rule} (${ttl})`;
    const { delegation, grant, target, path } = outcome.by;
    return `by delegation ${delegation} + grant ${grant} of ${path} (target ${target}; ${ttl})`;
  }
  const { policy, claims } = input;
  const delegations = policy.delegations.map((d) => ({ ...d, allow: d.upTo }));
  const central = whyNot("rule", policy.rules, claims, scope) ?? "no central rule allows it, for any workflow";
  switch (outcome.party) {
    case "policy": {
      const hint = coveringRule(delegations, scope) ? "; a delegation covers it: ask with --identity" : "";
      return `policy: ${central}${hint}`;
    }
    case "ceiling":
      return `ceiling: ${whyNot("delegation", delegations, claims, scope) ?? "no delegation's upTo covers it"}; ${central}`;
    case "target_policy":
      return `target_policy: ${targetWhyNot(input, scope)}; ${central}`;
    case "target_policy_unavailable":
      return `${outcome.reason}; ${central}`;
  }
}

/** Of the entries whose patterns cover the scope, why each one's `when` fails; undefined when none covers it. */
function whyNot(kind: string, entries: readonly Matchable[], claims: Claims, scope: Scope): string | undefined {
  const covering = entries.filter((entry) => coveringRule([entry], scope));
  if (covering.length === 0) return undefined;
  return covering.map((entry) => `${kind} ${entry.name} covers it but its when fails: ${failedConditions(entry.when, claims)}`).join("; ");
}

function targetWhyNot(input: ExplainInput, scope: Scope): string {
  const target = input.target;
  if (!target || target.status !== "found") {
    if (target?.status === "invalid") return `the target policy is not valid: ${target.problems[0]} (credvend policy check)`;
    if (target?.status === "refused") return `the target policy cannot be read: ${target.reason}`;
    return `${scope.resource} has no trust policy for identity "${input.identity}"`;
  }
  if (scope.resource.includes("*")) return "a trust policy grants on its own target, never on a pattern";
  const exactly: Glob = { source: scope.resource, matches: (value) => value === scope.resource };
  const grants: Matchable[] = target.policy.grants.map((grant) => ({
    ...grant,
    allow: grant.allow.map((action) => ({ source: action.source, provider: scope.provider, action, resource: exactly })),
  }));
  return whyNot("grant", grants, input.claims, scope) ?? `no grant of ${target.origin.path} allows ${scope.action}`;
}

/** Each condition of a `when` the claims fail, e.g. `ref "refs/heads/dev" is not refs/heads/main`. */
export function failedConditions(when: ReadonlyMap<string, Glob>, claims: Claims): string {
  const failed: string[] = [];
  for (const [claim, glob] of when) {
    const value = claims[claim];
    if (value === undefined) failed.push(`${claim} is absent from the token (wants ${glob.source})`);
    else if (!glob.matches(value)) failed.push(`${claim} "${value}" does not match ${glob.source}`);
  }
  return failed.join(", ");
}

/** What the vend would refuse before any rule: another issuer or audience, or a repository no rule anchors. */
function tokenProblems(policy: Policy, claims: Claims): string[] {
  const problems: string[] = [];
  if (claims.iss !== undefined && !policy.issuers.includes(claims.iss))
    problems.push(
      `iss "${claims.iss}" is not one of the policy's issuers (${policy.issuers.join(", ")}): a deployed vend answers 401 (the local stack also trusts its dev issuer)`,
    );
  if (claims.aud !== undefined && !claims.aud.split(",").includes(policy.audience))
    problems.push(`aud "${claims.aud}" is not the policy's audience "${policy.audience}": the vend answers 401`);
  if (!matchesSomeAnchor(policy, claims))
    problems.push("no rule or delegation anchors this repository or owner: the vend refuses it before any rule (403)");
  return problems;
}
