// Compiles a policy document (parsed data) into a Policy, naming the field of every problem. The
// YAML file is read by policy-yaml.ts (synth, the local stack); a deployed function reads the JSON
// synth compiled from it (loadPolicyJson), so no YAML parser is in its bundle.
import { httpsUrlProblem } from "../https-url.js";
import { compileAllow, compileWhen, isFields, nonEmptyString, stringList, ttl, unknownFields, type WhenOptions } from "./policy-fields.js";
import {
  DEFAULT_MAX_TTL_SECONDS,
  DEFAULT_TTL_SECONDS,
  type AllowPattern,
  type Delegation,
  type Policy,
  type PolicyRule,
} from "./policy.js";
import { PolicyLoadError } from "./policy-load-error.js";

export { PolicyLoadError } from "./policy-load-error.js";

const TOP_FIELDS = new Set(["version", "audience", "issuers", "defaultTtl", "rules", "delegations"]);
const RULE_FIELDS = new Set(["name", "when", "allow", "maxTtl"]);
const DELEGATION_FIELDS = new Set(["name", "when", "upTo", "maxTtl"]);

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
  const whenOptions: WhenOptions = { issuers, requireIssuer: true };

  const rules: PolicyRule[] = [];
  if (!Array.isArray(document.rules)) problems.push("rules: must be a list (it may be empty, which denies everything)");
  else
    document.rules.forEach((raw, i) => {
      const rule = compileEntry(raw, `rules[${i}]`, RULE_FIELDS, "allow", whenOptions, problems);
      if (rule) rules.push({ name: rule.name, when: rule.when, allow: rule.patterns, maxTtlSeconds: rule.maxTtlSeconds });
    });
  const delegations: Delegation[] = [];
  if (document.delegations !== undefined && !Array.isArray(document.delegations)) problems.push("delegations: must be a list");
  else
    (document.delegations ?? []).forEach((raw: unknown, i: number) => {
      const delegation = compileEntry(raw, `delegations[${i}]`, DELEGATION_FIELDS, "upTo", whenOptions, problems);
      if (delegation)
        delegations.push({
          name: delegation.name,
          when: delegation.when,
          upTo: delegation.patterns,
          maxTtlSeconds: delegation.maxTtlSeconds,
        });
    });
  uniqueNames(rules, "rules", problems);
  uniqueNames(delegations, "delegations", problems);

  if (problems.length > 0) throw new PolicyLoadError(problems);
  return { version: 1, audience, issuers, defaultTtlSeconds, rules, delegations };
}

/** A rule (`allow`) or a delegation (`upTo`): name, when, scope patterns, maxTtl. */
function compileEntry(
  raw: unknown,
  at: string,
  known: Set<string>,
  patternsField: "allow" | "upTo",
  whenOptions: WhenOptions,
  problems: string[],
): { name: string; when: PolicyRule["when"]; patterns: AllowPattern[]; maxTtlSeconds: number } | undefined {
  if (!isFields(raw)) {
    problems.push(`${at}: must be a mapping with name, when, ${patternsField}`);
    return undefined;
  }
  const before = problems.length;
  unknownFields(raw, known, `${at}.`, problems);
  const name = nonEmptyString(raw.name, `${at}.name`, problems);
  const when = compileWhen(raw.when, `${at}.when`, whenOptions, problems);
  const patterns = stringList(raw[patternsField], `${at}.${patternsField}`, problems).flatMap((source, i) => {
    const pattern = compileAllow(source, `${at}.${patternsField}[${i}]`, problems);
    return pattern ? [pattern] : [];
  });
  const maxTtlSeconds = raw.maxTtl === undefined ? DEFAULT_MAX_TTL_SECONDS : ttl(raw.maxTtl, `${at}.maxTtl`, problems);
  if (problems.length > before) return undefined;
  return { name, when, patterns, maxTtlSeconds };
}

function uniqueNames(entries: readonly { name: string }[], field: string, problems: string[]): void {
  const names = entries.map((entry) => entry.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i)
      problems.push(`${field}[${i}].name: "${name}" is used by another ${field === "rules" ? "rule" : "delegation"}`);
  });
}
