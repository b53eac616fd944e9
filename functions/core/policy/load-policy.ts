// Compiles a policy document (parsed data) into a Policy, naming the field of every problem. The
// YAML file is read by policy-yaml.ts (synth, the local stack); a deployed function reads the JSON
// synth compiled from it (loadPolicyJson), so no YAML parser is in its bundle.
import { httpsUrlProblem } from "../https-url.js";
import { compileGlob, globProblem, type Glob } from "./glob.js";
import { formatDuration, parseDuration } from "./duration.js";
import { ANCHOR_CLAIMS, GITHUB_CLAIM_NAMES, REUSABLE_WORKFLOW_CLAIM } from "./github-claims.js";
import {
  DEFAULT_MAX_TTL_SECONDS,
  DEFAULT_TTL_SECONDS,
  MAX_TTL_SECONDS,
  MIN_TTL_SECONDS,
  type AllowPattern,
  type Policy,
  type PolicyRule,
} from "./policy.js";

/** Every problem found in a policy file, each naming its field, e.g. `rules[0].maxTtl: ...`. */
export class PolicyLoadError extends Error {
  override readonly name = "PolicyLoadError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid policy:\n  - ${problems.join("\n  - ")}`);
  }
}

type Fields = Record<string, unknown>;
const TOP_FIELDS = new Set(["version", "audience", "issuers", "defaultTtl", "rules"]);
const RULE_FIELDS = new Set(["name", "when", "allow", "maxTtl"]);

/** The policy from the JSON that synth compiled (policy-yaml.ts: compiledPolicyJson). */
export function loadPolicyJson(text: string): Policy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new PolicyLoadError([`not valid JSON: ${(err as Error).message}`]);
  }
  return compilePolicy(document);
}

export function compilePolicy(document: unknown): Policy {
  const problems: string[] = [];
  if (!isFields(document)) throw new PolicyLoadError(["the policy must be a mapping with version, audience, issuers and rules"]);
  unknownFields(document, TOP_FIELDS, "", problems);

  if (document.version !== 1) problems.push("version: must be 1");
  const audience = nonEmptyString(document.audience, "audience", problems);
  const issuers = stringList(document.issuers, "issuers", problems);
  issuers.forEach((issuer, i) => {
    const problem = httpsUrlProblem(issuer);
    if (problem) problems.push(`issuers[${i}]: ${problem}`);
  });
  const defaultTtlSeconds = document.defaultTtl === undefined ? DEFAULT_TTL_SECONDS : ttl(document.defaultTtl, "defaultTtl", problems);

  const rules: PolicyRule[] = [];
  if (!Array.isArray(document.rules)) problems.push("rules: must be a list (it may be empty, which denies everything)");
  else
    document.rules.forEach((raw, i) => {
      const rule = compileRule(raw, `rules[${i}]`, issuers, problems);
      if (rule) rules.push(rule);
    });
  const names = rules.map((r) => r.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) problems.push(`rules[${i}].name: "${name}" is used by another rule`);
  });

  if (problems.length > 0) throw new PolicyLoadError(problems);
  return { version: 1, audience, issuers, defaultTtlSeconds, rules };
}

function compileRule(raw: unknown, at: string, issuers: readonly string[], problems: string[]): PolicyRule | undefined {
  if (!isFields(raw)) {
    problems.push(`${at}: must be a mapping with name, when, allow`);
    return undefined;
  }
  const before = problems.length;
  unknownFields(raw, RULE_FIELDS, `${at}.`, problems);
  const name = nonEmptyString(raw.name, `${at}.name`, problems);
  const when = compileWhen(raw.when, `${at}.when`, issuers, problems);
  const allow = stringList(raw.allow, `${at}.allow`, problems).flatMap((source, i) => {
    const pattern = compileAllow(source, `${at}.allow[${i}]`, problems);
    return pattern ? [pattern] : [];
  });
  const maxTtlSeconds = raw.maxTtl === undefined ? DEFAULT_MAX_TTL_SECONDS : ttl(raw.maxTtl, `${at}.maxTtl`, problems);
  if (problems.length > before) return undefined;
  return { name, when, allow, maxTtlSeconds };
}

function compileWhen(raw: unknown, at: string, issuers: readonly string[], problems: string[]): Map<string, Glob> {
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
  if (issuers.length > 1 && !("iss" in raw))
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
function compileAllow(source: string, at: string, problems: string[]): AllowPattern | undefined {
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

function ttl(value: unknown, at: string, problems: string[]): number {
  const seconds = typeof value === "string" ? parseDuration(value) : undefined;
  if (seconds === undefined) {
    problems.push(`${at}: "${String(value)}" is not a duration like 900s, 15m, 1h or 1h30m`);
    return 0;
  }
  if (seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS)
    problems.push(`${at}: must be between ${formatDuration(MIN_TTL_SECONDS)} and ${formatDuration(MAX_TTL_SECONDS)}`);
  return seconds;
}

function unknownFields(object: Fields, known: Set<string>, prefix: string, problems: string[]): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) problems.push(`${prefix}${key}: unknown field (expected one of ${[...known].join(", ")})`);
  }
}

function nonEmptyString(value: unknown, at: string, problems: string[]): string {
  if (typeof value === "string" && value.trim() !== "") return value;
  problems.push(`${at}: must be a non-empty string`);
  return "";
}

function stringList(value: unknown, at: string, problems: string[]): string[] {
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

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
