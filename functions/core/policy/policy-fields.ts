// The parts every policy document shares, compiled one way for all of them: the central policy's
// rules and delegations, and a target's grants (target-policy.ts). Each problem names its field.
import { compileGlob, globProblem, type Glob } from "./glob.js";
import { formatDuration, parseDuration } from "./duration.js";
import { ANCHOR_CLAIMS, GITHUB_CLAIM_NAMES, REUSABLE_WORKFLOW_CLAIM } from "./github-claims.js";
import { MAX_TTL_SECONDS, MIN_TTL_SECONDS, type AllowPattern } from "./policy.js";

export type Fields = Record<string, unknown>;

export interface WhenOptions {
  /** The policy's issuers: a literal `iss` must be one of them. */
  readonly issuers: readonly string[];
  /** With several issuers, a `when` must name one (central rules, delegations); a target grant sits under a delegation that does. */
  readonly requireIssuer: boolean;
}

export function compileWhen(raw: unknown, at: string, options: WhenOptions, problems: string[]): Map<string, Glob> {
  const { issuers } = options;
  const when = new Map<string, Glob>();
  if (!isFields(raw)) {
    problems.push(`${at}: must be a mapping of claim name to glob`);
    return when;
  }
  for (const [claim, pattern] of Object.entries(raw)) {
    const where = `${at}.${claim}`;
    if (!GITHUB_CLAIM_NAMES.has(claim)) problems.push(`${where}: unknown claim "${claim}"`);
    else if (typeof pattern !== "string" && typeof pattern !== "number" && typeof pattern !== "boolean")
      problems.push(`${where}: must be a string`);
    else {
      const text = String(pattern);
      const problem = globProblem(text) ?? pinnedClaimProblem(claim, text, issuers);
      if (problem) problems.push(`${where}: ${problem}`);
      else when.set(claim, compileGlob(text));
    }
  }
  // Which repositories a rule can match at all: a literal owner or repository, by name or id.
  if (!ANCHOR_CLAIMS.some((claim) => claim in raw)) {
    if (REUSABLE_WORKFLOW_CLAIM in raw)
      problems.push(
        `${at}.${REUSABLE_WORKFLOW_CLAIM}: not an anchor on its own (a public reusable workflow can be called from any repository); also pin repository_owner_id, repository_id, repository_owner or repository`,
      );
    else problems.push(`${at}: must pin one of ${ANCHOR_CLAIMS.join(", ")}, or the rule would match any repository`);
  }
  // With several issuers, a rule that does not name one would take the same claims from any of them.
  if (options.requireIssuer && issuers.length > 1 && !("iss" in raw))
    problems.push(`${at}.iss: required when the policy trusts more than one issuer (one of ${issuers.join(", ")})`);
  return when;
}

/** Claims whose value must be written out, not globbed: the anchors, and the issuer. */
function pinnedClaimProblem(claim: string, value: string, issuers: readonly string[]): string | undefined {
  if ((ANCHOR_CLAIMS as readonly string[]).includes(claim) && value.includes("*")) return "an anchor must be literal, not a glob";
  if (claim === "iss" && !issuers.includes(value)) return `must be one of the policy's issuers, written out (${issuers.join(", ")})`;
  return undefined;
}

// Split as the scope grammar splits a scope (plugin-protocol/scope.ts): at the first two colons,
// the resource keeping any further ones. Each part is then matched on its own.
export function compileAllow(source: string, at: string, problems: string[]): AllowPattern | undefined {
  const first = source.indexOf(":");
  const second = first < 0 ? -1 : source.indexOf(":", first + 1);
  const [provider, action, resource] =
    second < 0 ? ["", "", ""] : [source.slice(0, first), source.slice(first + 1, second), source.slice(second + 1)];
  if (!provider || !action || !resource) {
    problems.push(`${at}: "${source}" must look like provider:action:resource`);
    return undefined;
  }
  if (!/^[a-z][a-z0-9-]*$/.test(provider)) {
    problems.push(`${at}: provider "${provider}" must be lower-case letters, digits and dashes, without '*'`);
    return undefined;
  }
  if (!/^[a-z0-9*-]+$/.test(action)) {
    problems.push(`${at}: action "${action}" must be lower-case letters, digits, dashes and '*'`);
    return undefined;
  }
  const problem = globProblem(action) ?? globProblem(resource);
  if (problem) {
    problems.push(`${at}: ${problem}`);
    return undefined;
  }
  return { source, provider, action: compileGlob(action, { separator: ":" }), resource: compileGlob(resource) };
}

export function ttl(value: unknown, at: string, problems: string[]): number {
  const seconds = typeof value === "string" ? parseDuration(value) : undefined;
  if (seconds === undefined) {
    problems.push(`${at}: "${String(value)}" is not a duration like 900s, 15m, 1h or 1h30m`);
    return 0;
  }
  if (seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS)
    problems.push(`${at}: must be between ${formatDuration(MIN_TTL_SECONDS)} and ${formatDuration(MAX_TTL_SECONDS)}`);
  return seconds;
}

export function unknownFields(object: Fields, known: Set<string>, prefix: string, problems: string[]): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) problems.push(`${prefix}${key}: unknown field (expected one of ${[...known].join(", ")})`);
  }
}

export function nonEmptyString(value: unknown, at: string, problems: string[]): string {
  if (typeof value === "string" && value.trim() !== "") return value;
  problems.push(`${at}: must be a non-empty string`);
  return "";
}

export function stringList(value: unknown, at: string, problems: string[]): string[] {
  if (!Array.isArray(value)) {
    problems.push(`${at}: must be a list of strings`);
    return [];
  }
  return value.flatMap((item, i) => {
    if (typeof item === "string" && item !== "") return [item];
    problems.push(`${at}[${i}]: must be a non-empty string`);
    return [];
  });
}

export function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
