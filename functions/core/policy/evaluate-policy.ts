import type { Claims } from "../../../plugin-protocol/claims.js";
import { formatScope, type Scope } from "../../../plugin-protocol/scope.js";
import type { AllowPattern, Policy, PolicyRule } from "./policy.js";

export type PolicyDecision =
  | {
      readonly allowed: true;
      /** The TTL granted: the request's (or the default), narrowed to the smallest maxTtl used. */
      readonly ttlSeconds: number;
      /** True when the requested TTL was cut down. */
      readonly ttlNarrowed: boolean;
      /** The rule whose maxTtl bounds the TTL (the smallest of those used); none for no scopes. */
      readonly ttlRule?: string;
      /** Names of the rules that covered the scopes. */
      readonly rules: readonly string[];
    }
  | {
      readonly allowed: false;
      /** Formatted scopes that no matching rule allows. */
      readonly denied: readonly string[];
      readonly reason: string;
    };

/**
 * Deny by default: every scope must be allowed by some rule whose `when` matches the caller's
 * claims. Provider, action and resource are matched separately, so no `*` reaches from one into
 * the next. A requested `*` is covered only where the allowing pattern has a `*` at that place,
 * so a wildcard request never widens past what the policy grants.
 */
export function evaluatePolicy(policy: Policy, claims: Claims, scopes: readonly Scope[], requestedTtlSeconds?: number): PolicyDecision {
  const matching = policy.rules.filter((rule) => ruleMatches(rule, claims));
  const denied: string[] = [];
  const used = new Set<PolicyRule>();
  for (const scope of scopes) {
    const text = formatScope(scope);
    const covering = matching.filter((rule) => rule.allow.some((pattern) => covers(pattern, scope)));
    if (covering.length === 0) denied.push(text);
    // Of several covering rules, the most generous TTL is the one the policy author granted.
    else used.add(covering.reduce((a, b) => (b.maxTtlSeconds > a.maxTtlSeconds ? b : a)));
  }
  if (denied.length > 0) {
    const reason = matching.length === 0 ? "no rule matches this workflow" : "no matching rule allows it";
    return { allowed: false, denied, reason };
  }
  const bounding = [...used].reduce<PolicyRule | undefined>((a, b) => (a && a.maxTtlSeconds <= b.maxTtlSeconds ? a : b), undefined);
  const maxTtl = bounding?.maxTtlSeconds ?? Number.POSITIVE_INFINITY;
  const wanted = requestedTtlSeconds ?? Math.min(policy.defaultTtlSeconds, maxTtl);
  return {
    allowed: true,
    ttlSeconds: Math.min(wanted, maxTtl),
    ttlNarrowed: wanted > maxTtl,
    ...(bounding ? { ttlRule: bounding.name } : {}),
    rules: [...used].map((rule) => rule.name),
  };
}

function covers(pattern: AllowPattern, scope: Scope): boolean {
  return pattern.provider === scope.provider && pattern.action.matches(scope.action) && pattern.resource.matches(scope.resource);
}

function ruleMatches(rule: PolicyRule, claims: Claims): boolean {
  for (const [claim, glob] of rule.when) {
    const value = claims[claim];
    if (value === undefined || !glob.matches(value)) return false;
  }
  return true;
}
