// What the pipeline makes of a request decision: the ledger's line on what granted a vend, and
// the caller's error for a denial. A denial names the party that refused (policy, ceiling,
// target_policy, target_policy_unavailable), never either policy's content.
import { PolicyDeniedError, TargetPolicyUnavailableError } from "../errors.js";
import type { DenyingParty, GrantedBy, ScopeOutcome } from "./evaluate-request.js";

/** One line for the vend event: each distinct source of a grant, e.g. `rule web-deploy`. */
export function describeGrants(outcomes: readonly ScopeOutcome[]): string {
  const lines = outcomes.flatMap((outcome) => (outcome.allowed ? [describeGrant(outcome.by)] : []));
  return [...new Set(lines)].join("; ");
}

export function describeGrant(by: GrantedBy): string {
  if (by.kind === "rule") return `rule ${by.rule}`;
  return `delegation ${by.delegation}, target ${by.target}: ${by.repository}/${by.path}@${by.commitSha} grant ${by.grant}`;
}

export interface Denial {
  /** 403 when any party refused; 503 when only unreadable target policies stood in the way. */
  readonly error: PolicyDeniedError | TargetPolicyUnavailableError;
  readonly unavailable: boolean;
  readonly parties: readonly DenyingParty[];
  /** For the audit event. */
  readonly why: string;
}

export function denialOf(outcomes: readonly ScopeOutcome[]): Denial {
  const denials = outcomes.flatMap((outcome) => (outcome.allowed ? [] : [outcome]));
  const refusals = denials.filter((denial) => denial.party !== "target_policy_unavailable");
  const parties = [...new Set(denials.map((denial) => denial.party))];
  // A refusal stands whatever GitHub does: a 403 is the answer even when another scope's policy could not be read.
  const shown = refusals.length > 0 ? refusals : denials;
  const reasons = [...new Set(shown.map((denial) => denial.reason))];
  const why = reasons.length === 1 ? reasons[0]! : shown.map((denial) => `${denial.scope}: ${denial.reason}`).join("; ");
  const scopes = shown.map((denial) => denial.scope);
  const error = refusals.length > 0 ? new PolicyDeniedError(scopes, why) : new TargetPolicyUnavailableError(scopes, why);
  return { error, unavailable: refusals.length === 0, parties, why };
}

/** What bounded the TTL: the allowed scope with the smallest maxTtl, named for the caller's note (no policy content). */
export function ttlBound(outcomes: readonly ScopeOutcome[]): string | undefined {
  let bounding: (ScopeOutcome & { allowed: true }) | undefined;
  for (const outcome of outcomes) if (outcome.allowed && (!bounding || outcome.maxTtlSeconds < bounding.maxTtlSeconds)) bounding = outcome;
  if (!bounding) return undefined;
  const { by } = bounding;
  return by.kind === "rule" ? `rule ${by.rule}` : `delegation ${by.delegation}, grant ${by.grant}`;
}
