// A vend request against the central policy and, for what its rules do not allow, the self-serve
// path: a delegation of the central policy (its `when` matches the caller and its `upTo`, the
// ceiling, covers the scope) AND the target's own trust policy for the requested identity (a grant
// whose `when` matches the caller and whose `allow` covers the permission). One matcher for all
// three (coveringRule, whenMatches); TTL the smallest maxTtl of whatever granted.
import type { Claims } from "../../../plugin-protocol/claims.js";
import { formatScope, type Scope } from "../../../plugin-protocol/scope.js";
import type { Glob } from "./glob.js";
import { coveringRule, type Matchable, NO_RULE_ALLOWS, NO_RULE_MATCHES, narrowTtl, whenMatches } from "./evaluate-policy.js";
import type { Policy } from "./policy.js";
import type { TargetPolicy } from "./target-policy.js";

/** Where a target policy was read: named in the ledger for every vend it granted. */
export interface TargetPolicyOrigin {
  /** The repository the file was read from (the target, or its owner's `.github`). */
  readonly repository: string;
  readonly path: string;
  /** The commit of the default branch the file was read at. */
  readonly commitSha: string;
}

/** What a target holds for an identity, as the core's reader (target-policy-reader.ts) found it. */
export type TargetPolicyLookup =
  | { readonly status: "found"; readonly policy: TargetPolicy; readonly origin: TargetPolicyOrigin }
  /** No file for this identity, in the target or its owner's `.github`. */
  | { readonly status: "missing" }
  /** A file that does not parse or compile; `problems` are for the operator, never the caller. */
  | { readonly status: "invalid"; readonly origin: TargetPolicyOrigin; readonly problems: readonly string[] }
  /** The worker refused the target (not one of its provider's, renamed or transferred): caller-safe `reason`. */
  | { readonly status: "refused"; readonly reason: string }
  /** It could not be read (GitHub failing, a worker without TrustPolicy): caller-safe `reason`. */
  | { readonly status: "unavailable"; readonly reason: string };

/** Reads the target policy of a scope's target (its resource) for the identity. */
export type TargetPolicySource = (scope: Scope, identity: string) => Promise<TargetPolicyLookup>;

/** Who refused a scope. `policy`: no central rule, and no identity to try delegation with. */
export type DenyingParty = "policy" | "ceiling" | "target_policy" | "target_policy_unavailable";

export type GrantedBy =
  | { readonly kind: "rule"; readonly rule: string }
  | ({ readonly kind: "delegation"; readonly delegation: string; readonly grant: string; readonly target: string } & TargetPolicyOrigin);

export type ScopeOutcome =
  | { readonly scope: string; readonly allowed: true; readonly by: GrantedBy; readonly maxTtlSeconds: number }
  | { readonly scope: string; readonly allowed: false; readonly party: DenyingParty; readonly reason: string };

export type RequestDecision =
  | { readonly allowed: true; readonly ttlSeconds: number; readonly ttlNarrowed: boolean; readonly outcomes: readonly ScopeOutcome[] }
  | { readonly allowed: false; readonly outcomes: readonly ScopeOutcome[] };

export interface RequestOptions {
  readonly identity?: string;
  readonly requestedTtlSeconds?: number;
  /** Only asked for scopes a delegation's ceiling covers, once per target. */
  readonly targetPolicies: TargetPolicySource;
}

/** Every scope's outcome; allowed only if every scope is. Reasons are safe for the caller: no policy content. */
export async function evaluateRequest(
  policy: Policy,
  claims: Claims,
  scopes: readonly Scope[],
  options: RequestOptions,
): Promise<RequestDecision> {
  const rules = policy.rules.filter((rule) => whenMatches(rule.when, claims));
  const delegations: Matchable[] = policy.delegations
    .filter((delegation) => whenMatches(delegation.when, claims))
    .map((delegation) => ({ ...delegation, allow: delegation.upTo }));
  const lookups = new Map<string, Promise<TargetPolicyLookup>>();
  const outcomes = await Promise.all(
    scopes.map(async (scope): Promise<ScopeOutcome> => {
      const text = formatScope(scope);
      const rule = coveringRule(rules, scope);
      if (rule) return { scope: text, allowed: true, by: { kind: "rule", rule: rule.name }, maxTtlSeconds: rule.maxTtlSeconds };
      const { identity } = options;
      if (identity === undefined)
        return { scope: text, allowed: false, party: "policy", reason: rules.length === 0 ? NO_RULE_MATCHES : NO_RULE_ALLOWS };
      const delegation = coveringRule(delegations, scope);
      if (!delegation)
        return {
          scope: text,
          allowed: false,
          party: "ceiling",
          reason: "ceiling: no delegation of the central policy covers it for this workflow",
        };
      const key = `${scope.provider}:${scope.resource}`;
      if (!lookups.has(key)) lookups.set(key, options.targetPolicies(scope, identity));
      const lookup = await (lookups.get(key) as Promise<TargetPolicyLookup>);
      return targetOutcome(lookup, scope, identity, claims, delegation);
    }),
  );
  if (!outcomes.every((outcome) => outcome.allowed)) return { allowed: false, outcomes };
  const ttl = narrowTtl(
    outcomes.map((outcome) => (outcome.allowed ? outcome.maxTtlSeconds : 0)),
    policy.defaultTtlSeconds,
    options.requestedTtlSeconds,
  );
  return { allowed: true, ...ttl, outcomes };
}

function targetOutcome(lookup: TargetPolicyLookup, scope: Scope, identity: string, claims: Claims, delegation: Matchable): ScopeOutcome {
  const text = formatScope(scope);
  const file = `the trust policy of ${scope.resource} for identity "${identity}"`;
  const deny = (party: DenyingParty, reason: string): ScopeOutcome => ({ scope: text, allowed: false, party, reason });
  if (lookup.status === "unavailable")
    return deny("target_policy_unavailable", `target_policy_unavailable: ${file} could not be read (${lookup.reason})`);
  if (lookup.status === "refused") return deny("target_policy", `target_policy: ${file} cannot be read: ${lookup.reason}`);
  if (lookup.status === "missing")
    return deny("target_policy", `target_policy: ${scope.resource} has no trust policy for identity "${identity}"`);
  if (lookup.status === "invalid")
    return deny("target_policy", `target_policy: ${file} is not valid (its owners can run credvend policy check)`);
  if (scope.resource.includes("*"))
    return deny("target_policy", "target_policy: a trust policy grants on its own target, never on a pattern");
  // The target's grants as rules for exactly this provider and target: the same matcher decides.
  const target: Glob = { source: scope.resource, matches: (value) => value === scope.resource };
  const grants: Matchable[] = lookup.policy.grants
    .filter((grant) => whenMatches(grant.when, claims))
    .map((grant) => ({
      name: grant.name,
      when: grant.when,
      allow: grant.allow.map((action) => ({ source: action.source, provider: scope.provider, action, resource: target })),
      maxTtlSeconds: grant.maxTtlSeconds,
    }));
  const grant = coveringRule(grants, scope);
  if (!grant) return deny("target_policy", `target_policy: ${file} grants this workflow no such permission`);
  return {
    scope: text,
    allowed: true,
    by: { kind: "delegation", delegation: delegation.name, grant: grant.name, target: scope.resource, ...lookup.origin },
    maxTtlSeconds: Math.min(delegation.maxTtlSeconds, grant.maxTtlSeconds),
  };
}
