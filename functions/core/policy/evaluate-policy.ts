import type { Claims } from "../../../plugin-protocol/claims.js";
import { formatScope, type Scope } from "../../../plugin-protocol/scope.js";
import type { Glob } from "./glob.js";
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

/** What a rule, a delegation and a target grant have in common: the one matcher of all three. */
export interface Matchable {
  readonly name: string;
  readonly when: ReadonlyMap<string, Glob>;
  readonly allow: readonly AllowPattern[];
  readonly maxTtlSeconds: number;
}

export const NO_RULE_MATCHES = "no rule matches this workflow";
export const NO_RULE_ALLOWS = "no matching rule allows it";

/**
 * Deny by default: every scope must be allowed by some rule whose `when` matches the caller's
 * claims. Provider, action and resource are matched separately, so no `*` reaches from one into
 * the next. A requested `*` is covered only where the allowing pattern has a `*` at that place,
 * so a wildcard request never widens past what the policy grants.
 */
export function evaluatePolicy(policy: Policy, claims: Claims, scopes: readonly Scope[], requestedTtlSeconds?: number): PolicyDecision {
  const matching = policy.rules.filter((rule) => whenMatches(rule.when, claims));
  const denied: string[] = [];
  const used = new Set<PolicyRule>();
  for (const scope of scopes) {
    const covering = coveringRule(matching, scope);
    if (covering) used.add(covering);
    else denied.push(formatScope(scope));
  }
  if (denied.length > 0) return { allowed: false, denied, reason: matching.length === 0 ? NO_RULE_MATCHES : NO_RULE_ALLOWS };
  const ttl = narrowTtl(
    [...used].map((rule) => rule.maxTtlSeconds),
    policy.defaultTtlSeconds,
    requestedTtlSeconds,
  );
  // The rule whose maxTtl bounded the TTL, named in the caller's note when it narrowed the request.
  const bounding = [...used].reduce<PolicyRule | undefined>((a, b) => (a && a.maxTtlSeconds <= b.maxTtlSeconds ? a : b), undefined);
  return { allowed: true, ...ttl, ...(bounding ? { ttlRule: bounding.name } : {}), rules: [...used].map((rule) => rule.name) };
}

/**
 * Of the rules (already known to match the caller), the one that covers the scope; of several,
 * the most generous TTL is the one its author granted. Used for central rules, delegations'
 * ceilings and target grants alike: one matcher for every party.
 */
export function coveringRule<R extends Matchable>(matching: readonly R[], scope: Scope): R | undefined {
  const covering = matching.filter((rule) => rule.allow.some((pattern) => covers(pattern, scope)));
  if (covering.length === 0) return undefined;
  return covering.reduce((a, b) => (b.maxTtlSeconds > a.maxTtlSeconds ? b : a));
}

/** The TTL granted: the request's (or the default), narrowed to the smallest maxTtl of what granted. */
export function narrowTtl(
  maxTtls: readonly number[],
  defaultTtlSeconds: number,
  requestedTtlSeconds: number | undefined,
): { ttlSeconds: number; ttlNarrowed: boolean } {
  const maxTtl = Math.min(...maxTtls);
  const wanted = requestedTtlSeconds ?? Math.min(defaultTtlSeconds, maxTtl);
  return { ttlSeconds: Math.min(wanted, maxTtl), ttlNarrowed: wanted > maxTtl };
}

function covers(pattern: AllowPattern, scope: Scope): boolean {
  return pattern.provider === scope.provider && pattern.action.matches(scope.action) && pattern.resource.matches(scope.resource);
}

/** Every claim a `when` names must be present and match its glob. */
export function whenMatches(when: ReadonlyMap<string, Glob>, claims: Claims): boolean {
  for (const [claim, glob] of when) {
    const value = claims[claim];
    if (value === undefined || !glob.matches(value)) return false;
  }
  return true;
}
